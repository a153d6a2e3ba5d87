"""Export dialog: what to export (restored image, a mask, a label map), format and file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from muralstudio.core import export
from muralstudio.core.atomic import file_name_part
from muralstudio.core.document import Document, LabelLayer, MaskLayer, RestorationLayer
from muralstudio.gui.documentation import export_folder


class ExportDialog(QDialog):
    def __init__(self, doc: Document, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.setWindowTitle(self.tr("Export"))
        self.what = QComboBox()
        self.what.addItem(self.tr("Restored image"), ("restored", None))
        if any(isinstance(layer, RestorationLayer) for layer in doc.layers):  # nothing to map before a restoration
            self.what.addItem(self.tr("Intervention map (which pixels were restored, by which engine)"),
                              ("interventions", None))
            self.what.addItem(self.tr("Restored image, restored areas outlined"), ("marked", "outline"))
            self.what.addItem(self.tr("Restored image, restored areas hatched"), ("marked", "hatch"))
        for layer in doc.layers:
            if isinstance(layer, MaskLayer):
                self.what.addItem(self.tr("Mask: %1").replace("%1", layer.name), ("mask", layer.uid))
            elif isinstance(layer, LabelLayer):
                self.what.addItem(self.tr("Labels: %1").replace("%1", layer.name), ("labels", layer.uid))
        self.format = QComboBox()
        self.compression = QComboBox()
        self.compression.addItem(self.tr("Deflate"), "deflate")
        self.compression.addItem(self.tr("LZW"), "lzw")
        # a proposal shows on the canvas but is not part of the image until applied: say so
        self.pending = QComboBox()
        self.pending.addItem(self.tr("Apply it, then export"), "apply")
        self.pending.addItem(self.tr("Export it without applying"), "include")
        self.pending.addItem(self.tr("Export without it"), "exclude")
        self.pending_note = QLabel(self.tr("A restoration proposal is pending (shown on the canvas, "
                                           "not yet applied)."))
        self.pending_note.setWordWrap(True)
        self.depth_note = QLabel(self.tr("This %1-bit image will be written with 8 bits per channel: "
                                         "the finer tones are lost. Use TIFF to keep them.")
                                 .replace("%1", str(doc.info.bit_depth)))
        self.depth_note.setWordWrap(True)
        self.xmp_sidecar = QCheckBox(self.tr("Also write the XMP metadata as a .xmp file beside the image"))
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
        form.addRow(self.xmp_sidecar)
        form.addRow(self.pending_note)
        form.addRow(self.tr("Pending proposal"), self.pending)
        form.addRow(self.depth_note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        browse.clicked.connect(self._browse)
        self.what.currentIndexChanged.connect(self._update_formats)
        self.format.currentIndexChanged.connect(self._update_suffix)
        self._update_formats()

    def has_pending(self) -> bool:
        return bool(self.doc.pending_restorations())

    def _update_notes(self) -> None:
        restored = self.what.currentData()[0] == "restored"
        pending = restored and self.has_pending()
        self.pending_note.setVisible(pending)
        self.pending.setVisible(pending)
        form = self.layout()
        if form.labelForField(self.pending) is not None:
            form.labelForField(self.pending).setVisible(pending)
        self.depth_note.setVisible(restored and self.doc.info.bit_depth > 8
                                   and self.format.currentData() in ("png8", "jpeg8"))

    def _update_formats(self) -> None:
        kind, _ = self.what.currentData()
        self.format.clear()
        if kind == "restored":
            depth = self.doc.info.bit_depth
            self.format.addItem(self.tr("TIFF, %1-bit as the source, ICC and record kept").replace("%1", str(depth)), "tiff")
            self.format.addItem(self.tr("PNG, 8-bit (for sharing)"), "png8")
            self.format.addItem(self.tr("JPEG, 8-bit (for sharing)"), "jpeg8")
        elif kind == "interventions":
            self.format.addItem(self.tr("Indexed PNG (0 = original, 1… = each restoration) + legend JSON"), "png")
        elif kind == "marked":
            self.format.addItem(self.tr("PNG, 8-bit (for publication)"), "png")
            self.format.addItem(self.tr("TIFF, 8-bit"), "tif")
        elif kind == "mask":
            self.format.addItem(self.tr("PNG, 8-bit mask"), "png")
            self.format.addItem(self.tr("TIFF, 8-bit mask"), "tif")
        else:
            self.format.addItem(self.tr("Indexed PNG (class values, class colours)"), "png")
        self.compression.setEnabled(self.format.currentData() == "tiff")
        self.xmp_sidecar.setEnabled(kind == "restored")
        self._update_suffix()

    def _suffix(self) -> str:
        return {"tiff": ".tif", "png8": ".png", "jpeg8": ".jpg", "png": ".png", "tif": ".tif"}[self.format.currentData()]

    def _default_stem(self) -> str:
        kind, uid = self.what.currentData()
        stem = self.doc.source.path.stem if self.doc.source.path else "mural"
        if kind == "restored":
            return f"{stem}-restored"
        if kind == "interventions":
            return f"{stem}-interventions"
        if kind == "marked":
            return f"{stem}-restored-{uid}"
        layer = next(layer for layer in self.doc.layers if layer.uid == uid)
        return f"{stem}-{'mask' if kind == 'mask' else 'labels'}-{file_name_part(layer.name, kind)}"

    def _update_suffix(self) -> None:
        if self.format.currentData() is None:
            return
        self.compression.setEnabled(self.format.currentData() == "tiff")
        self._update_notes()
        text = self.path.text().strip()
        folder = export_folder(self.doc)
        if not text or Path(text).stem == self._last_default:
            text = str((Path(text).parent if text else folder) / self._default_stem())
        self._last_default = self._default_stem()
        self.path.setText(str(Path(text).with_suffix(self._suffix())))

    _last_default = None

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export to"), self.path.text())
        if path:
            self.path.setText(path)
            self._update_suffix()
            # the file dialog asked about the name it gave; one the suffix changed is asked again
            self._replace_confirmed = path if self.path.text() == path else None

    def accept(self) -> None:
        """An existing file (an earlier treatment's export, with its record) is replaced only
        when the user says so."""
        path = Path(self.path.text())
        if path.exists() and self.path.text() != getattr(self, "_replace_confirmed", None):
            from muralstudio.core.imageio.common import record_sidecar_path

            # an earlier export has its record beside it; a file without one may be an original
            text = (self.tr("%1 exists already (an earlier export, with its record beside it). Replace it?")
                    if record_sidecar_path(path).exists() else
                    self.tr("%1 exists already and has no MuralStudio record beside it: it may be an "
                            "original photograph. Replace it?"))
            answer = QMessageBox.question(
                self, self.tr("Replace the file?"), text.replace("%1", str(path)),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().accept()

    def run_export(self) -> Path:
        """Do the export chosen in the dialog (raises on failure)."""
        return self.prepare_export()()

    def prepare_export(self):
        """What the export changes in the document (applying pending proposals, if chosen) is
        done now; returns the writing, a function to run on a worker thread (encoding a large
        TIFF takes seconds) that returns the written path."""
        kind, uid = self.what.currentData()
        path = Path(self.path.text())
        doc = self.doc
        if kind == "restored":
            choice = self.pending.currentData() if self.has_pending() else "exclude"
            if choice == "apply":
                with doc.action("Apply proposals"):
                    for layer in doc.pending_restorations():
                        doc.apply_restoration(layer)
            file_format, compression = self.format.currentData(), self.compression.currentData()
            xmp = self.xmp_sidecar.isChecked()
            return lambda: export.export_restored(doc, path, file_format, compression,
                                                  include_pending=choice == "include", xmp_sidecar=xmp)
        if kind == "interventions":
            return lambda: export.export_intervention_map(doc, path)
        if kind == "marked":
            return lambda: export.export_marked_restoration(doc, path, uid)
        layer = next(layer for layer in doc.layers if layer.uid == uid)
        if kind == "mask":
            return lambda: export.export_mask(layer, path)
        return lambda: export.export_labels(layer, path)
