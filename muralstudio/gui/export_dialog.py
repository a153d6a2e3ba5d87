"""Export dialog: what to export (restored image, a mask, a label map), format and file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from muralstudio.core import export
from muralstudio.core.document import Document, LabelLayer, MaskLayer


class ExportDialog(QDialog):
    def __init__(self, doc: Document, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.setWindowTitle(self.tr("Export"))
        self.what = QComboBox()
        self.what.addItem(self.tr("Restored image"), ("restored", None))
        for layer in doc.layers:
            if isinstance(layer, MaskLayer):
                self.what.addItem(self.tr("Mask: %1").replace("%1", layer.name), ("mask", layer.uid))
            elif isinstance(layer, LabelLayer):
                self.what.addItem(self.tr("Labels: %1").replace("%1", layer.name), ("labels", layer.uid))
        self.format = QComboBox()
        self.compression = QComboBox()
        self.compression.addItem(self.tr("Deflate"), "deflate")
        self.compression.addItem(self.tr("LZW"), "lzw")
        self.path = QLineEdit()
        browse = QPushButton(self.tr("Browse…"))
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        path_widget = QWidget()
        path_widget.setLayout(row)
        form = QFormLayout(self)
        form.addRow(self.tr("Export"), self.what)
        form.addRow(self.tr("Format"), self.format)
        form.addRow(self.tr("TIFF compression"), self.compression)
        form.addRow(self.tr("File"), path_widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        browse.clicked.connect(self._browse)
        self.what.currentIndexChanged.connect(self._update_formats)
        self.format.currentIndexChanged.connect(self._update_suffix)
        self._update_formats()

    def _update_formats(self) -> None:
        kind, _ = self.what.currentData()
        self.format.clear()
        if kind == "restored":
            depth = self.doc.info.bit_depth
            self.format.addItem(self.tr("TIFF, %1-bit as the source, ICC and record kept").replace("%1", str(depth)), "tiff")
            self.format.addItem(self.tr("PNG, 8-bit (for sharing)"), "png8")
            self.format.addItem(self.tr("JPEG, 8-bit (for sharing)"), "jpeg8")
        elif kind == "mask":
            self.format.addItem(self.tr("PNG, 8-bit mask"), "png")
            self.format.addItem(self.tr("TIFF, 8-bit mask"), "tif")
        else:
            self.format.addItem(self.tr("Indexed PNG (class values, class colours)"), "png")
        self.compression.setEnabled(self.format.currentData() == "tiff")
        self._update_suffix()

    def _suffix(self) -> str:
        return {"tiff": ".tif", "png8": ".png", "jpeg8": ".jpg", "png": ".png", "tif": ".tif"}[self.format.currentData()]

    def _update_suffix(self) -> None:
        if self.format.currentData() is None:
            return
        self.compression.setEnabled(self.format.currentData() == "tiff")
        text = self.path.text().strip()
        if not text:
            base = (self.doc.source.path.with_name(self.doc.source.path.stem + "-restored")
                    if self.doc.source.path else Path.home() / "restored")
            text = str(base)
        self.path.setText(str(Path(text).with_suffix(self._suffix())))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export to"), self.path.text())
        if path:
            self.path.setText(path)
            self._update_suffix()

    def run_export(self) -> Path:
        """Do the export chosen in the dialog (raises on failure)."""
        kind, uid = self.what.currentData()
        path = Path(self.path.text())
        if kind == "restored":
            return export.export_restored(self.doc, path, self.format.currentData(),
                                          self.compression.currentData())
        layer = next(layer for layer in self.doc.layers if layer.uid == uid)
        return export.export_mask(layer, path) if kind == "mask" else export.export_labels(layer, path)
