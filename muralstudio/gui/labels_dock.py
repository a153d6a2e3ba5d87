"""Labels dock: element classes of the project and the label layer they are painted into.

A class is assigned to a region made with the click-segment tool (the current preview) or to
the pixels of a mask layer painted with the brush; each assignment is one undo step. Classes
(names, colours) are per project and editable. "Export training set" writes image/label pairs
that ``muralstudio train label`` reads with no conversion."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from muralstudio.core.messages import Text
from muralstudio.core import export
from muralstudio.core.document import LabelLayer, MaskLayer
from muralstudio.gui.class_names import class_label
from muralstudio.gui.swatches import swatch_pixmap


def fill_label_layer_choice(combo: QComboBox, doc) -> None:
    """List the document's label layers in ``combo``, keeping the current choice (else the
    newest layer), without emitting change signals."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for layer in doc.layers_of_kind("labels") if doc else []:
        combo.addItem(layer.name, layer.uid)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else combo.count() - 1)
    combo.blockSignals(False)


def chosen_label_layer(combo: QComboBox, doc) -> LabelLayer | None:
    """The label layer chosen in a combo filled by :func:`fill_label_layer_choice`."""
    uid = combo.currentData()
    return next((layer for layer in (doc.layers if doc else []) if layer.uid == uid), None)


class LabelsDock(QWidget):
    def __init__(self, context):
        super().__init__(context.parent)
        self.context = context  # gui/context.py: what a dock may use of the window
        self._counts = None  # (document state, pixels per class value)
        # the counts follow the layer's pixels once a burst of edits (a brush stroke) has ended
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(300)
        self._recount.timeout.connect(self.refresh_classes)
        self.layer_choice = QComboBox()
        self.new_layer_button = QPushButton(self.tr("New label layer"))
        self.classes = QListWidget()
        self.add_class_button = QPushButton(self.tr("Add class…"))
        self.rename_class_button = QPushButton(self.tr("Rename…"))
        self.colour_button = QPushButton(self.tr("Colour…"))
        self.assign_click_button = QPushButton(self.tr("Label the click region"))
        self.assign_mask_button = QPushButton(self.tr("Label a mask layer…"))
        self.export_button = QPushButton(self.tr("Export training set…"))
        self.train_button = QPushButton(self.tr("Train labeler on a training set…"))
        self.last_export = None
        self.info = QLabel()
        self.info.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.layer_choice, 1)
        top.addWidget(self.new_layer_button)
        edit = QHBoxLayout()
        for button in (self.add_class_button, self.rename_class_button, self.colour_button):
            edit.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.classes, 1)
        layout.addLayout(edit)
        layout.addWidget(self.assign_click_button)
        layout.addWidget(self.assign_mask_button)
        layout.addWidget(self.export_button)
        layout.addWidget(self.train_button)
        layout.addWidget(self.info)
        self.new_layer_button.clicked.connect(self.new_layer)
        self.layer_choice.currentIndexChanged.connect(lambda _: self.refresh_classes())
        self.add_class_button.clicked.connect(self.add_class)
        self.rename_class_button.clicked.connect(self.rename_class)
        self.colour_button.clicked.connect(self.change_colour)
        self.assign_click_button.clicked.connect(self.label_click_region)
        self.assign_mask_button.clicked.connect(self.label_mask_layer)
        self.export_button.clicked.connect(self.export_training_set)
        self.train_button.clicked.connect(lambda: self.train_labeler())
        self.refresh()

    @property
    def doc(self):
        return self.context.doc

    # state -------------------------------------------------------------------------------
    def layer(self) -> LabelLayer | None:
        return chosen_label_layer(self.layer_choice, self.doc)

    def current_class(self) -> int | None:
        item = self.classes.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def on_layers_changed(self) -> None:  # window hook (gui/dock_registry.py)
        self.refresh()

    def on_layer_pixels(self, layer) -> None:  # window hook: a brush, polygon, eraser, undo …
        if layer is self.layer():  # the counts were those of the last "Label the click region"
            self._recount.start()

    def refresh(self) -> None:
        fill_label_layer_choice(self.layer_choice, self.doc)
        self.refresh_classes()

    def refresh_classes(self) -> None:
        layer = self.layer()
        selected = self.current_class()
        self.classes.clear()
        has_layer = layer is not None
        for button in (self.add_class_button, self.rename_class_button, self.colour_button,
                       self.assign_click_button, self.assign_mask_button, self.export_button):
            button.setEnabled(has_layer)
        self.new_layer_button.setEnabled(self.doc is not None)
        if layer is None:
            self.info.setText(self.tr("Make a label layer to label elements by hand, or let the labeler "
                                      "(PSP-M) label the whole mural from the Elements dock."))
            return
        counts = self._class_counts(layer)
        for index, (name, colour) in enumerate(layer.classes):
            item = QListWidgetItem(QIcon(swatch_pixmap(colour)), f"{index}  {class_label(name)}  —  {int(counts[index]):,} px")
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.classes.addItem(item)
        # at first the class most labelled on murals (people), not the first listed (animal)
        first = next((i for i, (name, _) in enumerate(layer.classes) if name == "people"), min(1, len(layer.classes) - 1))
        row = selected if selected is not None and selected < len(layer.classes) else first
        self.classes.setCurrentRow(row)
        self.info.setText(self.tr("Select a class, then label the click-segment region or a "
                                  "brushed mask layer with it."))

    def _class_counts(self, layer: LabelLayer) -> np.ndarray:
        """Pixels per class, recounted only after the document changed (counting a
        100-megapixel layer takes a noticeable fraction of a second)."""
        key = (layer.uid, self.doc.history.state())
        if self._counts is None or self._counts[0] != key:
            self._counts = (key, np.bincount(layer.data.ravel(), minlength=256))
        return self._counts[1][:len(layer.classes)]

    # actions -----------------------------------------------------------------------------
    def new_layer(self) -> LabelLayer:
        layer = self.doc.new_label_layer(self.tr("elements"))
        self.refresh()
        self.layer_choice.setCurrentIndex(self.layer_choice.findData(layer.uid))
        return layer

    def _set_classes(self, classes) -> None:
        layer = self.layer()
        self.doc.set_property(layer, "classes", classes)
        self.doc.label_classes = list(classes)  # new label layers of this project use them
        self.refresh_classes()

    def add_class(self, name: str | None = None, colour=None) -> None:
        if name is None:
            name, ok = QInputDialog.getText(self, self.tr("Add class"), self.tr("Name:"))
            if not ok or not name.strip():
                return
        layer = self.layer()
        if len(layer.classes) >= 255:
            self.context.show_error(self.tr("A label layer holds at most 255 classes."))
            return
        rng = np.random.default_rng(len(layer.classes))
        colour = tuple(int(v) for v in (colour or rng.integers(40, 255, 3)))
        self._set_classes(list(layer.classes) + [(name.strip(), colour)])
        self.classes.setCurrentRow(len(layer.classes) - 1)

    def rename_class(self, name: str | None = None) -> None:
        index, layer = self.current_class(), self.layer()
        if index is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(self, self.tr("Rename class"), self.tr("Name:"),
                                            text=layer.classes[index][0])
            if not ok or not name.strip():
                return
        classes = list(layer.classes)
        classes[index] = (name.strip(), classes[index][1])
        self._set_classes(classes)

    def change_colour(self, colour=None) -> None:
        index, layer = self.current_class(), self.layer()
        if index is None:
            return
        if colour is None:
            chosen = QColorDialog.getColor(QColor(*layer.classes[index][1]), self)
            if not chosen.isValid():
                return
            colour = (chosen.red(), chosen.green(), chosen.blue())
        classes = list(layer.classes)
        classes[index] = (classes[index][0], tuple(int(v) for v in colour))
        self._set_classes(classes)

    def _label(self, x: int, y: int, region: np.ndarray, action: str) -> bool:
        layer, index = self.layer(), self.current_class()
        if layer is None or index is None or not region.any():
            return False
        if layer.locked:
            self.context.show_error(self.tr("Layer '%1' is locked.").replace("%1", layer.name))
            return False
        self.doc.write_pixels(layer, x, y, np.full(region.shape, index, np.uint8), where=region,
                              action=action.replace("%1", layer.classes[index][0]))
        self.refresh_classes()
        return True

    def label_click_region(self) -> bool:
        """Give the click-segment preview the selected class (one undo step)."""
        tool = self.context.click_tool  # None where the window has no click tool
        if tool is None or tool.prediction is None or not tool.clicks:
            self.context.show_error(self.tr("Make a region with the Click-segment tool first."))
            return False
        p = tool.prediction
        done = self._label(p.x, p.y, p.mask, self.tr("Label region as %1"))
        if done:
            tool.discard()
        return done

    def label_mask_layer(self, mask_layer: MaskLayer | None = None) -> bool:
        """Give the pixels of a (brushed) mask layer the selected class. They move: the mask
        layer loses them (and goes, once empty), so a brushed correction of an element is not
        left behind as a mask of damage. One undo step."""
        if mask_layer is None:  # brushed masks: not a detector's proposals nor a probability map
            masks = [m for m in self.doc.layers_of_kind("mask") if m.marks_damage]
            if not masks:
                self.context.show_error(self.tr("There is no mask layer to take the region from."))
                return False
            name, ok = QInputDialog.getItem(self, self.tr("Label a mask layer"), self.tr("Mask layer:"),
                                            [m.name for m in masks], 0, False)
            if not ok:
                return False
            mask_layer = self.doc.layer_by_name(name)
        region = mask_layer.data >= 128
        rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
        if not len(rows):
            self.context.show_error(self.tr("Mask layer '%1' has nothing marked to label.").replace("%1", mask_layer.name))
            return False
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        window = region[y0:y1, x0:x1]
        with self.doc.action(self.tr("Label mask as %1").replace("%1", self._class_name())):
            if not self._label(x0, y0, window, self.tr("Label mask as %1")):
                return False
            if mask_layer.locked:
                return True  # labelled; a locked layer keeps its pixels
            self.doc.write_pixels(mask_layer, x0, y0, np.zeros(window.shape, np.uint8), where=window)
            if not mask_layer.area:
                self.doc.remove_layer(mask_layer)
        return True

    def _class_name(self) -> str:
        layer, index = self.layer(), self.current_class()
        return layer.classes[index][0] if layer is not None and index is not None else ""

    def export_training_set(self, folder=None) -> dict | None:
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Export training set to"))
            if not folder:
                return None
        try:
            summary = export.export_training_set(self.doc, self.layer(), folder)
        except OSError as exc:
            self.context.show_error(str(exc))
            return None
        self.last_export = folder
        self.info.setText(self.tr("Wrote %1 image/label pairs to %2")
                          .replace("%1", str(len(summary["pairs"]))).replace("%2", str(folder)))
        return summary

    def train_labeler(self, folder=None, steps: int = 300):
        """Fine-tune PSP-M on an exported training set, on the job runner; the new weights
        become a choice in the Elements dock."""
        from pathlib import Path

        from muralstudio.gui.jobs import Job
        from muralstudio.ops.labeler import FineTuneRequest, fine_tune_labeler

        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Training set (images/, labels/)"),
                                                      str(self.last_export or ""))
            if not folder:
                return None
        folder = Path(folder)
        if not (folder / "images").is_dir() or not (folder / "labels").is_dir():
            self.context.show_error(self.tr("%1 has no images/ and labels/ folders; use "
                                           "Export training set first.").replace("%1", str(folder)))
            return None
        device = self.context.dock("elements_dock").device

        request = FineTuneRequest(training_set=folder, out=folder / "label-pspm-tuned", steps=steps,
                                  device=device)

        def work(progress, cancelled):
            progress(0.0, Text("stage_preparing"))
            return fine_tune_labeler(request, progress, cancelled)

        def done(weights):
            self.context.dock("elements_dock").add_weights(weights)
            self.info.setText(self.tr("Trained %1; it is now the labeler of the Elements dock.")
                              .replace("%1", str(weights)))

        return self.context.jobs.submit(Job(self.tr("Train labeler"), work, done))
