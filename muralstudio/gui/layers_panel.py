"""Layer panel: a Qt model over the document's layer list (top layer first) and its controls.

Every edit goes through the Document, so it is undoable and every view hears of it.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from muralstudio.core.document import Document, Layer, MaskLayer


class LayerModel(QAbstractListModel):
    """Rows are layers from top to bottom; check state = visibility; edit = rename."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.doc: Document | None = None
        self.kind_names = {}

    def set_document(self, doc: Document) -> None:
        self.beginResetModel()
        self.doc = doc
        self.endResetModel()

    def refresh(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def layer_at(self, row: int) -> Layer | None:
        if self.doc is None or not 0 <= row < len(self.doc.layers):
            return None
        return self.doc.layers[len(self.doc.layers) - 1 - row]

    def row_of(self, layer: Layer) -> int:
        return len(self.doc.layers) - 1 - self.doc.index_of(layer)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if self.doc is None or parent.isValid() else len(self.doc.layers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        layer = self.layer_at(index.row())
        if layer is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            marks = (" 🔒" if layer.locked else "") + (f" {round(layer.opacity * 100)} %" if layer.opacity < 1 else "")
            pending = getattr(layer, "pending", False)
            key = "pending" if pending else "probability" if getattr(layer, "purpose", "") == "probability" else layer.kind
            kind = self.kind_names.get(key, layer.kind)
            return f"{layer.name}  [{kind}]{marks}"
        if role == Qt.ItemDataRole.EditRole:
            return layer.name
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.UserRole:
            return layer.uid
        return None

    def flags(self, index):
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
                | Qt.ItemFlag.ItemIsUserCheckable)

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        layer = self.layer_at(index.row())
        if layer is None:
            return False
        if role == Qt.ItemDataRole.CheckStateRole:
            self.doc.set_property(layer, "visible", Qt.CheckState(value) == Qt.CheckState.Checked)
            return True
        if role == Qt.ItemDataRole.EditRole and str(value).strip():
            self.doc.set_property(layer, "name", str(value).strip())
            return True
        return False


class LayerPanel(QWidget):
    """List + opacity + buttons: new mask, duplicate, delete, up, down, merge down, lock."""

    current_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = LayerModel(self)
        self.model.kind_names = {"mask": self.tr("mask"), "labels": self.tr("labels"),
                                 "restoration": self.tr("restoration"), "pending": self.tr("proposal"),
                                 "note": self.tr("note"), "probability": self.tr("probability map")}
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.buttons = {}
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        for key, text, tip, row in (
                ("new", self.tr("New"), self.tr("New empty mask layer"), row1),
                ("duplicate", self.tr("Duplicate"), self.tr("Duplicate the layer"), row1),
                ("delete", self.tr("Delete"), self.tr("Delete the layer"), row1),
                ("lock", self.tr("Lock"), self.tr("Lock or unlock the layer"), row1),
                ("up", self.tr("Up"), self.tr("Move the layer up"), row2),
                ("down", self.tr("Down"), self.tr("Move the layer down"), row2),
                ("merge", self.tr("Merge down"), self.tr("Merge this mask into the mask below"), row2)):
            button = QPushButton(text)
            button.setToolTip(tip)
            row.addWidget(button)
            self.buttons[key] = button
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(QLabel(self.tr("Opacity")))
        opacity_row.addWidget(self.opacity)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(opacity_row)
        layout.addLayout(row1)
        layout.addLayout(row2)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._current_changed())
        self.opacity.sliderReleased.connect(self._opacity_set)
        self.buttons["new"].clicked.connect(lambda: self.doc.new_mask_layer(self.tr("damage")))
        self.buttons["duplicate"].clicked.connect(lambda: self._with_current(self.doc.duplicate_layer))
        self.buttons["delete"].clicked.connect(lambda: self._with_current(self.doc.remove_layer))
        self.buttons["lock"].clicked.connect(lambda: self._with_current(
            lambda l: self.doc.set_property(l, "locked", not l.locked)))
        self.buttons["up"].clicked.connect(lambda: self._with_current(
            lambda l: self.doc.move_layer(l, self.doc.index_of(l) + 1)))
        self.buttons["down"].clicked.connect(lambda: self._with_current(
            lambda l: self.doc.move_layer(l, self.doc.index_of(l) - 1)))
        self.buttons["merge"].clicked.connect(lambda: self._with_current(self.doc.merge_mask_down))

    @property
    def doc(self) -> Document:
        return self.model.doc

    def set_document(self, doc: Document) -> None:
        self.model.set_document(doc)
        self._current_changed()

    def current_layer(self) -> Layer | None:
        index = self.view.currentIndex()
        return self.model.layer_at(index.row()) if index.isValid() else None

    def select(self, layer: Layer) -> None:
        self.view.setCurrentIndex(self.model.index(self.model.row_of(layer)))

    def refresh(self) -> None:
        """Re-read the layer list, keeping the selected layer selected."""
        current = self.current_layer()
        self.model.refresh()
        if current is not None and any(l is current for l in self.doc.layers):
            self.select(current)
        self._current_changed()

    def _with_current(self, action) -> None:
        layer = self.current_layer()
        if layer is None:
            return
        try:
            action(layer)
        except ValueError as exc:
            self.window().show_error(str(exc))
            return
        if any(l is layer for l in self.doc.layers):
            self.select(layer)

    def _current_changed(self) -> None:
        layer = self.current_layer()
        self.opacity.setEnabled(layer is not None)
        self.opacity.blockSignals(True)  # showing a value is not setting one
        self.opacity.setValue(round(layer.opacity * 100) if layer is not None else 100)
        self.opacity.blockSignals(False)
        if layer is not None:
            self.buttons["lock"].setText(self.tr("Unlock") if layer.locked else self.tr("Lock"))
        for key in ("duplicate", "delete", "lock", "up", "down"):
            self.buttons[key].setEnabled(layer is not None)
        self.buttons["merge"].setEnabled(isinstance(layer, MaskLayer))
        self.current_changed.emit()

    def _opacity_set(self) -> None:
        layer = self.current_layer()
        if layer is not None:
            self.doc.set_property(layer, "opacity", self.opacity.value() / 100)
