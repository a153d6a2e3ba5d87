"""Documentation in the window: the document's properties (object metadata for reports), its
physical scale from a line drawn over a known length, the Measurements dock, and the report
export (PDF or HTML, in the window's language)."""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from muralstudio.core.copies import copy_into, ready_buffers, shapes_of
from muralstudio.core.document import PROPERTY_FIELDS, scale_from_line
from muralstudio.gui.class_names import class_label, element_label
from muralstudio.gui.messages import translate_message


def export_folder(doc) -> Path:
    """Where exports of ``doc`` go by default: beside its project once saved (the user's working
    folder), else beside the source photograph when that folder is writable (an archive's often
    is not), else the home folder."""
    if doc.project_path is not None:
        return Path(doc.project_path).parent
    if doc.source.path is not None and os.access(doc.source.path.parent, os.W_OK):
        return doc.source.path.parent
    return Path.home()


def suggested_path(doc, ending: str) -> str:
    """Where a save dialog starts: :func:`export_folder`, named after the source
    (``STEM-report.pdf``)."""
    stem = doc.source.path.stem if doc.source.path else Path(doc.project_path).stem if doc.project_path else "mural"
    return str(export_folder(doc) / f"{stem}{ending}")


class PropertiesDialog(QDialog):
    """Site, cave, wall, subject, photographer, date, notes: saved in the project, printed at
    the top of the condition report."""

    def __init__(self, doc, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.setWindowTitle(self.tr("Document Properties"))
        titles = {"site": self.tr("Site"), "cave": self.tr("Cave"), "wall": self.tr("Wall"),
                  "subject": self.tr("Subject"), "photographer": self.tr("Photographer"),
                  "date": self.tr("Date"), "notes": self.tr("Notes")}
        form = QFormLayout(self)
        self.fields = {}
        for key in PROPERTY_FIELDS:
            edit = QLineEdit(doc.properties.get(key, ""))
            self.fields[key] = edit
            form.addRow(titles[key], edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def apply(self) -> None:
        self.doc.set_properties({k: e.text() for k, e in self.fields.items()})


def ask_line_length(parent, length_px: float) -> float | None:
    """The real length of a drawn line, in cm, from the user (None when cancelled)."""
    value, ok = QInputDialog.getDouble(
        parent, parent.tr("Set Scale"),
        parent.tr("The line is %1 px long. Its real length in cm:").replace("%1", f"{length_px:.1f}"),
        10.0, 0.001, 1e6, 3)
    return value if ok else None


def set_scale_from_line(window, x0, y0, x1, y1, length_cm: float | None = None) -> float | None:
    """Set the document's scale from a line and its length (asked when not given)."""
    length_px = math.hypot(x1 - x0, y1 - y0)
    if length_px < 2:
        window.show_error(window.tr("Draw a longer line over something of known length (a ruler, a colour chart)."))
        return None
    if length_cm is None:
        length_cm = ask_line_length(window, length_px)
        if length_cm is None:
            return None
    mm_per_px = scale_from_line(length_px, length_cm, "cm")
    window.doc.set_scale(mm_per_px)
    window.statusBar().showMessage(window.tr("Scale: %1 mm per pixel").replace("%1", f"{mm_per_px:.4g}"), 8000)
    return mm_per_px


class MeasurementsDock(QDockWidget):
    """Per damage layer and element class: pixels, share, regions, largest, cm² (with a scale);
    copy as tab-separated text, export CSV or Excel."""

    measured = Signal(int, object, object)  # (request, document, (rows, elements)) from the thread
    buffers_ready = Signal(int, object)  # (request, memory for its copies) from the thread

    COLUMNS = ("layer", "what", "pixels", "share", "regions", "largest_pixels", "area_cm2")

    def __init__(self, context):
        super().__init__(self.tr("Measurements"), context.parent)
        self.setObjectName("MeasurementsDock")
        self.context = context  # gui/context.py: what a dock may use of the window
        self.rows = []
        body = QWidget()
        layout = QVBoxLayout(body)
        self.scale_label = QLabel()
        self.scale_label.setWordWrap(True)
        layout.addWidget(self.scale_label)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr("Layer"), self.tr("What"), self.tr("Pixels"), self.tr("Share"),
                                              self.tr("Regions (all sizes)"), self.tr("Largest (px)"), self.tr("Area (cm²)")])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table)
        layout.addWidget(QLabel(self.tr("Elements (largest first)")))
        self.element_table = QTableWidget(0, 5)
        self.element_table.setHorizontalHeaderLabels([self.tr("Element"), self.tr("What"), self.tr("Pixels"),
                                                      self.tr("Area (cm²)"), self.tr("Box (x, y, w, h)")])
        self.element_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.element_table)
        self.elements = []
        buttons = QHBoxLayout()
        for text, slot in ((self.tr("Refresh"), self.refresh), (self.tr("Copy"), self.copy),
                           (self.tr("Export…"), self.export_dialog)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.setWidget(body)
        # after an edit the tables are measured on a thread of their own (counting the regions
        # of a 100-Mpx layer takes a second or two: the window must not stop for it)
        self._timer = QTimer(self, singleShot=True, interval=400, timeout=self.refresh_in_background)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="measure")
        self._generation = 0
        self.measured.connect(self._show_measured)
        self.buffers_ready.connect(self._measure_into)
        self.destroyed.connect(lambda *_: self._pool.shutdown(wait=False, cancel_futures=True))

    def on_layer_pixels(self, layer) -> None:  # window hooks (gui/dock_registry.py)
        self.schedule_refresh()

    def on_layers_changed(self) -> None:
        self.schedule_refresh()

    def schedule_refresh(self) -> None:
        if self.isVisible():
            self._timer.start()

    def _measured_layers(self) -> list:
        doc = self.context.doc
        return [] if doc is None else [layer for layer in doc.layers if layer.kind in ("mask", "labels")]

    def _snapshot(self, buffers: dict | None = None):
        """What the measurement reads, copied on the window's thread (into ``buffers``, memory
        made ready on the dock's thread): each mask and label layer's pixels and the facts
        measure_layers / measure_elements use (edits go on meanwhile)."""
        doc = self.context.doc
        if doc is None:
            return None
        layers = []
        for layer in self._measured_layers():
            facts = SimpleNamespace(kind=layer.kind, name=layer.name,
                                    data=copy_into(layer.data, (buffers or {}).get(layer.uid)))
            if layer.kind == "mask":
                facts.marks_damage = layer.marks_damage
            else:
                facts.classes, facts.element_names = list(layer.classes), dict(layer.element_names)
            layers.append(facts)
        gallery = self.context.dock("elements_dock")  # its minimum area: the same elements counted
        return (doc, layers, doc.width * doc.height, doc.mm_per_px,
                gallery.min_area.value() if gallery is not None else None)

    @staticmethod
    def _measure(snapshot):
        from muralstudio.ops.measure import measure_elements, measure_layers

        if snapshot is None:
            return [], []
        _, layers, pixels, scale, min_area = snapshot
        return measure_layers(layers, pixels, scale), measure_elements(layers, scale, min_area)

    def refresh_in_background(self) -> None:
        """Measure on the dock's thread; the newest request's result is shown. The layers'
        copies go into memory the thread makes ready first (core/copies.py: fresh memory's page
        faults were most of the copy's time on the window's thread)."""
        self._generation += 1
        generation = self._generation
        shapes = shapes_of((layer.uid, layer.data) for layer in self._measured_layers())

        def ready():
            try:
                buffers = ready_buffers(shapes)
            except MemoryError:
                buffers = {}  # copied into fresh memory, as before
            self.buffers_ready.emit(generation, buffers)

        self._pool.submit(ready)

    def _measure_into(self, generation: int, buffers: dict) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        snapshot = self._snapshot(buffers)

        def work():
            try:
                rows, elements = self._measure(snapshot)
            except Exception as exc:  # noqa: BLE001 — shown in the dock, never lost in the thread
                rows, elements = exc, []
            self.measured.emit(generation, snapshot[0] if snapshot else None, (rows, elements))

        self._pool.submit(work)

    def _show_measured(self, generation, doc, result) -> None:
        if generation != self._generation or doc is not self.context.doc:
            return  # an older request, or another document's
        rows, elements = result
        if isinstance(rows, BaseException):
            self.scale_label.setText(translate_message(rows))
            return
        self._show(rows, elements)

    def refresh(self) -> None:
        """Measure now, on this thread (Copy and Export use the figures they write)."""
        self._generation += 1  # a background result still on its way is older than this
        self._show(*self._measure(self._snapshot()))

    def _show(self, rows, elements) -> None:
        doc = self.context.doc
        self.rows = rows
        if doc is None or not doc.mm_per_px:
            self.scale_label.setText(self.tr("No physical scale: use File → Set Scale from a Line… (areas in cm² need one)."))
        else:
            origin = self.tr("set by you") if doc.scale_origin == "user" else self.tr("from the file's resolution")
            self.scale_label.setText(self.tr("Scale: %1 mm per pixel (%2)").replace("%1", f"{doc.mm_per_px:.4g}")
                                     .replace("%2", origin))
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            what = self.tr("damage") if row.what == "damage" else class_label(row.what)  # the window's words
            values = [row.layer, what, f"{row.pixels:,}", f"{row.share:.2%}", str(row.regions),
                      f"{row.largest_pixels:,}", "—" if row.area_cm2 is None else f"{row.area_cm2:.2f}"]
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                if j >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.elements = elements
        self.element_table.setRowCount(len(self.elements))
        for i, e in enumerate(self.elements):
            box = (", ".join(f"{v:g}" for v in e.box_cm) + " cm") if e.box_cm else (", ".join(map(str, e.box_px)) + " px")
            for j, value in enumerate((element_label(e.element, e.what), class_label(e.what), f"{e.pixels:,}",
                                       "—" if e.area_cm2 is None else f"{e.area_cm2:.2f}", box)):
                self.element_table.setItem(i, j, QTableWidgetItem(value))
        self.element_table.resizeColumnsToContents()

    def as_text(self) -> str:
        """Both tables as tab-separated text (pastes into a spreadsheet)."""
        from muralstudio.ops.measure import elements_csv, table_csv

        return table_csv(self.rows, "\t") + "\n" + elements_csv(self.elements, "\t")

    def copy(self) -> None:
        self.refresh()
        QGuiApplication.clipboard().setText(self.as_text())

    def export_dialog(self, path: Path | None = None) -> Path | None:
        from muralstudio.ops import measure

        self.refresh()
        doc = self.context.doc
        if doc is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Export Measurements"),
                                                    suggested_path(doc, "-measurements.xlsx"),
                                                    self.tr("Excel workbook (*.xlsx);;CSV (*.csv)"))
            if not chosen:
                return None
            path = Path(chosen)
        try:
            if path.suffix.lower() == ".csv":
                measure.export_csv(self.rows, path, elements=self.elements)
            else:
                measure.export_xlsx(self.rows, path.with_suffix(".xlsx"), title=doc.title, mm_per_px=doc.mm_per_px,
                                    elements=self.elements)
                path = path.with_suffix(".xlsx")
        except OSError as exc:
            self.context.show_error(self.tr("Could not export: %1").replace("%1", translate_message(exc)))
            return None
        self.context.show_status(self.tr("Exported %1").replace("%1", str(path)), 5000)
        return path


def report_language() -> str:
    from muralstudio.gui import settings

    language = settings.get("language")
    if language == "system":
        from PySide6.QtCore import QLocale

        return "zh_CN" if QLocale.system().name().startswith("zh") else "en"
    return "zh_CN" if language == "zh_CN" else "en"


def export_report(window, path: Path | None = None, language: str | None = None):
    """Build the report and write it on the job runner (it reads the whole image; Qt lays out
    and draws the PDF there too: QTextDocument is reentrant and QPainter draws on a PDF writer
    in any thread). Returns the job."""
    from muralstudio.gui.jobs import Job
    from muralstudio.ops.report import build_report, write_html

    doc = window.doc
    if doc is None:
        return None
    if path is None:
        chosen, _ = QFileDialog.getSaveFileName(window, window.tr("Export Report"), suggested_path(doc, "-report.pdf"),
                                                window.tr("PDF (*.pdf);;HTML (*.html)"))
        if not chosen:
            return None
        path = Path(chosen)
    language = language or report_language()

    def work(progress, cancelled):
        from muralstudio.gui.report_pdf import write_pdf

        report = build_report(doc, language)
        try:
            (write_html if path.suffix.lower() in (".html", ".htm") else write_pdf)(report, path)
        except (OSError, RuntimeError) as exc:  # said in the window's words, not as a failed job
            return exc
        return None

    def done(error):
        if error is not None:
            window.show_error(window.tr("Could not export: %1").replace("%1", translate_message(error)))
            return
        window.statusBar().showMessage(window.tr("Exported %1").replace("%1", str(path)), 8000)

    return window.jobs.submit(Job(window.tr("Report"), work, done))
