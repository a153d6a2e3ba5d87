"""The main window: image view with mask overlays, layer list, file menu, undo/redo, autosave.

Widgets hold no algorithms: everything they do is a call into ``muralstudio.core``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple

import numpy as np

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFrame,
    QScrollArea,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
)

from muralstudio.core import copies, export, imageio, maskops, project
from muralstudio.core.demo import demo_document  # noqa: F401 (the window's demo; tests import it here)
from muralstudio.gui.dock_registry import DOCKS
from muralstudio.gui.documentation import PropertiesDialog, export_report, set_scale_from_line, suggested_path
from muralstudio.core.document import Document, LabelLayer, MaskLayer
from muralstudio.core.errors import MuralStudioError, SourceMissingError
from muralstudio.engines import registry
from muralstudio.gui.canvas import Canvas
from muralstudio.gui.click_tool import ClickSegmentTool
from muralstudio.gui.export_dialog import ExportDialog
from muralstudio.gui.context import WindowContext
from muralstudio.gui.jobs import Job, JobRunner
from muralstudio.gui import settings as app_settings
from muralstudio.gui.layers_panel import LayerPanel
from muralstudio.gui.navigator import Navigator
from muralstudio.gui.settings import SettingsDialog
from muralstudio.gui.messages import translate_message


class Stroke(NamedTuple):
    """A brush or eraser stroke in progress: one undo step (``group``) on ``layer``."""

    group: object
    layer: object
    erase: bool
    points: list
    before: dict | None  # tiles painted over, for snapping the stroke onto its line at release
    label: int | None = None  # the class painted into a label layer (none: a mask layer)


log = logging.getLogger(__name__)

#: Images with a longer side than this get their pyramid built in the background on opening.
PYRAMID_SIDE = 4096
AUTOSAVE_MS = 3 * 60 * 1000
DOCK_MIN_HEIGHT = 90
#: tiles a snapped brush stroke keeps of what it painted over, to restore before repainting it
SNAP_TILE = 64
#: the open dialog's filter, from the one list of suffixes the image reader knows
IMAGE_FILTER = (f"Images ({' '.join('*' + s for s in sorted(imageio.READ_SUFFIXES))});;"
                f"MuralStudio projects (*{project.SUFFIX})")


def run_and_wait(runner: JobRunner, name: str, fn) -> BaseException | None:
    """Run ``fn`` as a job of ``runner`` while this thread keeps processing Qt events (the
    window stays painted); returns the exception it raised, or None."""
    errors: list = []

    def work(progress, cancelled):
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - handed back to the caller
            errors.append(exc)

    wait_for(runner.submit(Job(name, work)))
    return errors[0] if errors else None


def compute_while_painting(fn):
    """``fn()`` on a thread of its own while this thread keeps processing Qt events (not on a
    job runner: it must not wait behind a long detection); returns (result, exception)."""
    import threading

    from PySide6.QtCore import QEventLoop

    outcome: list = []

    def work():
        try:
            outcome.append((fn(), None))
        except Exception as exc:  # noqa: BLE001 - handed back to the caller
            outcome.append((None, exc))

    thread = threading.Thread(target=work, name="mask-operation", daemon=True)
    thread.start()
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if not thread.is_alive() else None)
    timer.start(15)
    if thread.is_alive():
        loop.exec()
    timer.stop()
    thread.join()
    return outcome[0]


def wait_for(job: Job) -> None:
    """Process Qt events until ``job`` has ended (its result applied)."""
    from PySide6.QtCore import QEventLoop

    ended = ("done", "failed", "cancelled")
    if job.state in ended:
        return
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if job.state in ended else None)
    timer.start(15)
    loop.exec()
    timer.stop()


class MainWindow(QMainWindow):
    """One document per window."""

    def __init__(self, doc: Document | None = None):
        super().__init__()
        self.doc: Document | None = None
        self.autosaver: project.Autosaver | None = None
        self.view = Canvas(self)
        self.original_view = Canvas(self, cache_bytes=128 << 20)  # side by side: the original
        self.original_view.set_show_restorations(False)
        self.original_view.hide()
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.view)
        splitter.addWidget(self.original_view)
        self.setCentralWidget(splitter)
        self._syncing = False
        for a, b in ((self.view, self.original_view), (self.original_view, self.view)):
            a.view_changed.connect(lambda a=a, b=b: self._sync_views(a, b))
        self.navigator = Navigator(self.view, self)
        self._add_dock(self.tr("Navigator"), "navigator", self.navigator)
        self.layer_panel = LayerPanel(self)
        self._add_dock(self.tr("Layers"), "layers", self.layer_panel)
        self.status_pos = QLabel()
        self.status_zoom = QLabel()
        # room for the widest zoom: a long value readout beside it must not cut "3200 %" to "32"
        self.status_zoom.setMinimumWidth(self.status_zoom.fontMetrics().horizontalAdvance("3200 %") + 6)
        self.status_zoom.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status_job = QLabel()
        self.statusBar().addPermanentWidget(self.status_job)
        self.statusBar().addPermanentWidget(self.status_pos)
        self.statusBar().addPermanentWidget(self.status_zoom)
        self.view.zoom_changed.connect(lambda z: self.status_zoom.setText(f"{100 * z:.0f} %"))
        self.jobs = JobRunner(self)
        # file writes (save, recovery copies) queue apart from engine jobs, not behind them
        self.file_jobs = JobRunner(self)
        self.context = WindowContext(self)  # what the docks see of the window
        self.jobs.job_started.connect(self._show_job)
        self.jobs.job_progress.connect(self._show_job)
        self.jobs.job_finished.connect(lambda job: self.status_job.clear())
        self.jobs.job_progress.connect(self._overview_progress)
        self._overview_job: Job | None = None
        self.docks = []  # (spec, widget, QDockWidget) in tab order: see gui/dock_registry.py
        previous = None
        for spec in DOCKS:
            widget = spec.build(self)
            setattr(self, spec.attribute, widget)
            if isinstance(widget, QDockWidget):
                dock = widget
                self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            else:
                dock = self._add_dock(self.tr(spec.title), spec.object_name, widget)
            if previous is not None:
                self.tabifyDockWidget(previous, dock)
            previous = dock
            self.docks.append((spec, widget, dock))
        self.measurements_dock.visibilityChanged.connect(lambda shown: shown and self.measurements_dock.refresh())
        self.view.scale_line_drawn.connect(self._scale_line_drawn)
        self.docks[0][2].raise_()
        self.view.cursor_moved.connect(self._show_cursor)
        self.view.unreadable.connect(lambda error: self.show_error(
            self.tr("Part of the image cannot be read (the file is damaged or incomplete): %1")
            .replace("%1", translate_message(error))))
        self.view.stroke_started.connect(self._stroke_started)
        self.view.stroke_moved.connect(self._stroke_moved)
        self.view.stroke_finished.connect(self._stroke_finished)
        self.view.polygon_finished.connect(self._polygon_finished)
        # a click finds a flake within 5 screen px of it (a 3-px fleck is hard to hit exactly)
        self.view.review_clicked.connect(lambda x, y, accept: self.detect_dock.review_at(
            x, y, accept, reach=5 / max(self.view.zoom, 1e-6)))
        self.view.review_lassoed.connect(self.detect_dock.review_lasso)
        self.view.review_stepped.connect(self._step_review)
        self.view.review_decided.connect(self._decide_review)
        self._stroke = None
        self.click_tool = ClickSegmentTool(self, self.jobs)
        self.click_tool.state_changed.connect(self._show_click_state)
        self._build_menus()
        self._build_toolbar()
        self._autosave_job: Job | None = None
        self._pixel_block = None
        self._pixel_generation = 0  # bumped on every layer change: cached values are stale
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        screen = QApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        self.resize(min(1280, available.width()) if available else 1280,
                    min(860, available.height()) if available else 860)
        self.setAcceptDrops(True)
        if doc is not None:
            self.set_document(doc)

    # menus -------------------------------------------------------------------------------
    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self._action(file_menu, self.tr("&Open…"), self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file_menu, self.tr("Open &Demo Mural"), lambda: self.maybe_save() and self.set_document(demo_document()))
        self._action(file_menu, self.tr("&Save Project"), self.save, QKeySequence.StandardKey.Save)
        self._action(file_menu, self.tr("Save Project &As…"), self.save_as, QKeySequence.StandardKey.SaveAs)
        self._action(file_menu, self.tr("&Export Restored Image…"), self.export_dialog,
                     QKeySequence("Ctrl+E"))
        self._action(file_menu, self.tr("Export Damage Map and Labels as &GeoJSON…"), self.export_geojson)
        self._action(file_menu, self.tr("&Import GeoJSON as a Mask Layer…"), self.import_geojson)
        self._action(file_menu, self.tr("Export Condition &Report…"), lambda: self.doc and export_report(self))
        file_menu.addSeparator()
        self._action(file_menu, self.tr("Document &Properties…"), self.properties_dialog)
        self._action(file_menu, self.tr("Set Scale from a &Line…"), self.start_scale_line)
        file_menu.addSeparator()
        self._action(file_menu, self.tr("Se&ttings…"), self.settings_dialog, QKeySequence.StandardKey.Preferences)
        self._action(file_menu, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu(self.tr("&Edit"))
        self.undo_action = self._action(edit_menu, self.tr("&Undo"), self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(edit_menu, self.tr("&Redo"), self.redo, QKeySequence.StandardKey.Redo)
        self._action(edit_menu, self.tr("New &Mask Layer"), self.new_mask_layer, QKeySequence("Ctrl+Shift+N"))
        mask_menu = self.menuBar().addMenu(self.tr("&Mask"))
        self._action(mask_menu, self.tr("&Grow…"), lambda: self._mask_operation(
            maskops.grow, self.tr("Grow"), self.tr("Grow by (pixels):")))
        self._action(mask_menu, self.tr("&Shrink…"), lambda: self._mask_operation(
            maskops.shrink, self.tr("Shrink"), self.tr("Shrink by (pixels):")))
        self._action(mask_menu, self.tr("&Feather…"), lambda: self._mask_operation(
            maskops.feather, self.tr("Feather"), self.tr("Feather radius (pixels):")))
        self._action(mask_menu, self.tr("&Invert"), lambda: self._mask_operation(maskops.invert, self.tr("Invert")),
                     QKeySequence("Ctrl+I"))
        self._action(mask_menu, self.tr("Fill &Holes"), lambda: self._mask_operation(
            maskops.fill_holes, self.tr("Fill holes")))
        self._action(mask_menu, self.tr("&Remove Specks…"), lambda: self._mask_operation(
            maskops.remove_specks, self.tr("Remove specks"), self.tr("Smallest region to keep (pixels):"), 20))
        mask_menu.addSeparator()
        self._action(mask_menu, self.tr("&Union with…"), lambda: self._combine_masks(maskops.union, self.tr("Union")))
        self._action(mask_menu, self.tr("I&ntersect with…"), lambda: self._combine_masks(
            maskops.intersect, self.tr("Intersect")))
        self._action(mask_menu, self.tr("Su&btract…"), lambda: self._combine_masks(
            maskops.subtract, self.tr("Subtract")))
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self._action(view_menu, self.tr("Zoom &In"), self.view.zoom_in, QKeySequence.StandardKey.ZoomIn)
        self._action(view_menu, self.tr("Zoom &Out"), self.view.zoom_out, QKeySequence.StandardKey.ZoomOut)
        self._action(view_menu, self.tr("&Fit to Window"), self.view.fit, QKeySequence("Ctrl+0"))
        self._action(view_menu, self.tr("&Actual Size (100 %)"), self.view.actual_size, QKeySequence("Ctrl+1"))
        compare_menu = view_menu.addMenu(self.tr("&Compare (hold \\ to see the original)"))
        group = QActionGroup(self)
        self.compare_actions = {}
        for mode, text, key in (("off", self.tr("&Off"), "F5"), ("split", self.tr("&Split view"), "F6"),
                                ("side", self.tr("Side &by side"), "F7"),
                                ("difference", self.tr("&Difference"), "F8")):
            action = self._action(compare_menu, text, lambda _=False, m=mode: self.set_compare(m), QKeySequence(key))
            action.setCheckable(True)
            group.addAction(action)
            self.compare_actions[mode] = action
        self.compare_actions["off"].setChecked(True)
        self.original_action = self._action(view_menu, self.tr("Show the &Original (toggle)"),
                                            self.toggle_original, QKeySequence("O"))
        self.original_action.setCheckable(True)
        restore_menu = self.menuBar().addMenu(self.tr("&Restore"))
        self.detect_action = self._action(restore_menu, self.tr("&Detect Damage"), self._detect,
                                          QKeySequence("Ctrl+D"))
        self.restore_action = self._action(restore_menu, self.tr("&Restore the Damage Mask"),
                                           self._restore, QKeySequence("Ctrl+R"))
        self.restore_region_action = self._action(
            restore_menu, self.tr("Restore the &Committed Region"), self.restore_committed_region,
            QKeySequence("R"))
        restore_menu.addSeparator()
        self.apply_action = self._action(restore_menu, self.tr("&Apply the Proposal"),
                                         lambda: self.inpaint_dock.apply(), QKeySequence("Ctrl+Return"))
        self.discard_action = self._action(restore_menu, self.tr("D&iscard the Proposal"),
                                           lambda: self.inpaint_dock.discard(), QKeySequence("Ctrl+Backspace"))
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self._action(help_menu, self.tr("&Keyboard Shortcuts"), self.show_shortcuts, QKeySequence("F1"))
        self._action(help_menu, self.tr("&User Guide"), self.open_user_guide)
        self._action(help_menu, self.tr("&About MuralStudio"), self.show_about)

    def _show_review_text(self) -> None:
        """The walk's region, size and confidence are written in the Detect dock: bring it to
        the front (it may lie under the Inpaint tab) when the walk goes on from the canvas's keys."""
        dock = self.findChild(QDockWidget, "detect")
        if dock is not None:
            dock.show()
            dock.raise_()

    def _step_review(self, step: int) -> None:
        self._show_review_text()
        self.detect_dock.step_region(step)

    def _decide_review(self, accept: bool) -> None:
        self._show_review_text()
        self.detect_dock.decide_shown(accept)

    def dock_widgets(self, hook: str) -> list:
        """The docks' widgets that define ``hook`` (see gui/dock_registry.py)."""
        return [widget for _, widget, _ in self.docks if hasattr(widget, hook)]

    def _add_dock(self, title: str, name: str, widget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState key
        # scrolled, so no dock's full height sets the window's minimum (1280×720 laptops)
        scroll = QScrollArea()
        scroll.setWidget(widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumHeight(DOCK_MIN_HEIGHT)
        dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Tools"), self)
        bar.setObjectName("tools")
        self.addToolBar(bar)
        group = QActionGroup(self)
        self.tool_actions = {}
        for tool, text, key in (("navigate", self.tr("Navigate"), "N"), ("brush", self.tr("Brush"), "B"),
                                ("click", self.tr("Click segment"), "C"),
                                ("eraser", self.tr("Eraser"), "E"), ("polygon", self.tr("Polygon fill"), "P"),
                                ("review", self.tr("Review detections"), "V")):
            action = QAction(text, self, checkable=True)
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{text} ({key})")
            action.triggered.connect(lambda _=False, t=tool: self._choose_tool(t))
            group.addAction(action)
            bar.addAction(action)
            self.tool_actions[tool] = action
        self.tool_actions["navigate"].setChecked(True)
        self.tool_actions["click"].setToolTip(self.tr(
            "Click segment (C): left click = part of the region, right or Alt+click = not part; "
            "Backspace removes the last click, Enter adds the region to the mask layer, "
            "Shift+Enter subtracts it, Esc discards"))
        self.tool_actions["review"].setToolTip(self.tr(
            "Review detections (V): left click accepts a proposed region into the damage mask, "
            "right click rejects it; drag a lasso round several to accept (left button) or reject "
            "(right button) them all; the status bar shows the detector's confidence under the cursor"))
        self.segmenter_choice = QComboBox()
        for name in registry.available("segmenter"):
            self.segmenter_choice.addItem(name, name)
        self.segmenter_choice.setCurrentIndex(max(0, self.segmenter_choice.findData(self.click_tool.engine)))
        self.segmenter_choice.setToolTip(self.tr("Engine of the click-segment tool"))
        self.segmenter_choice.currentIndexChanged.connect(
            lambda _: self.click_tool.set_engine(self.segmenter_choice.currentData()))
        bar.addWidget(self.segmenter_choice)
        bar.addSeparator()
        bar.addWidget(QLabel(self.tr("Size")))
        self.brush_size = QSpinBox()
        self.brush_size.setRange(1, 2000)
        self.brush_size.setValue(12)
        self.brush_size.setSuffix(" px")
        bar.addWidget(self.brush_size)
        self.brush_mm = QLabel()  # the brush in the wall's units, when a scale is known
        bar.addWidget(self.brush_mm)
        self.brush_size.valueChanged.connect(self._update_brush_mm)
        bar.addWidget(QLabel(self.tr("Hardness")))
        self.brush_hardness = QSpinBox()
        self.brush_hardness.setRange(0, 100)
        self.brush_hardness.setValue(80)
        self.brush_hardness.setSuffix(" %")
        bar.addWidget(self.brush_hardness)
        self.snap_strokes = QAction(self.tr("Snap to line"), self)
        self.snap_strokes.setCheckable(True)
        self.snap_strokes.setToolTip(self.tr(
            "Brush strokes slide onto the thin crack or scratch they follow when released (up to "
            "the brush size, at least 4 px): trace a crack roughly, it lands on the crack"))
        bar.addAction(self.snap_strokes)

    # mask tools ----------------------------------------------------------------------------
    def target_mask_layer(self) -> MaskLayer:
        """Where the user's edits go: the selected mask layer, else the top mask layer, else a
        new one — never a layer of detector proposals (re-thresholding rewrites those)."""
        layer = self.layer_panel.current_layer()
        if isinstance(layer, MaskLayer) and layer.marks_damage:
            return layer
        masks = [l for l in self.doc.layers_of_kind("mask") if l.marks_damage]
        return masks[-1] if masks else self.doc.new_mask_layer(self.tr("damage"))

    def _show_click_state(self, state: str) -> None:
        texts = {"preparing": self.tr("Click segment: preparing the image…"),
                 "predicting": self.tr("Click segment: computing the region…"),
                 "ready": self.tr("Click segment: Enter adds, Shift+Enter subtracts, Esc discards")}
        if state in texts:
            self.statusBar().showMessage(texts[state], 0 if state != "ready" else 8000)
        else:
            self.statusBar().clearMessage()

    def painted_class(self) -> tuple[LabelLayer, int | None] | None:
        """The label layer selected in Layers and the class to paint into it (the Labels dock's
        class, None when none is chosen; the eraser paints background): brushing with a label
        layer selected made a damage mask layer instead."""
        layer = self.layer_panel.current_layer()
        if not isinstance(layer, LabelLayer):
            return None
        labels = getattr(self, "labels_dock", None)
        if labels is None or labels.layer() is not layer:  # its class list is another layer's
            return layer, None
        chosen = labels.current_class()
        value = 0 if self.view.tool == "eraser" else chosen
        return layer, value if value is not None and 0 <= value < len(layer.classes) else None

    def _label_to_paint(self) -> tuple[LabelLayer, int] | None | bool:
        """:meth:`painted_class`, or False (said on the status bar) when a label layer is
        selected with no class of its own chosen to paint."""
        label = self.painted_class()
        if label is not None and label[1] is None:
            self.statusBar().showMessage(self.tr("To paint '%1', choose it and a class in the Labels dock.")
                                         .replace("%1", label[0].name), 8000)
            return False
        return label

    def _stroke_started(self, x: float, y: float) -> None:
        label = self._label_to_paint()
        if label is False:
            return
        if label is not None and not label[0].locked:
            layer, value = label
            group = self.doc.action(self.tr("Paint '%1'").replace("%1", layer.classes[value][0]))
            group.__enter__()
            self._stroke = Stroke(group, layer, False, [(x, y)], None, value)
            self._paint_segment([(x, y)])
            return
        layer = self.target_mask_layer() if label is None else label[0]
        if layer.locked:
            self.show_error(self.tr("Layer '%1' is locked.").replace("%1", layer.name))
            return
        erase = self.view.tool == "eraser"
        group = self.doc.action(self.tr("Erase") if erase else self.tr("Brush stroke"))
        group.__enter__()
        # a stroke to be snapped keeps what it painted over, to repaint it on the line at release
        before = {} if self.snap_strokes.isChecked() and not erase else None
        self._stroke = Stroke(group, layer, erase, [(x, y)], before)
        self._paint_segment([(x, y)])

    def _paint_segment(self, points) -> None:
        stroke = self._stroke
        layer, erase, before = stroke.layer, stroke.erase, stroke.before
        radius = self.brush_size.value() / 2
        if stroke.label is not None:  # a label layer: its class, the eraser's background included
            maskops.paint_label(self.doc, layer, points, radius, stroke.label)
            return
        if before is not None:
            self._keep_tiles(layer, points, radius, before)
        maskops.paint(self.doc, layer, points, radius, self.brush_hardness.value() / 100, erase=erase)

    @staticmethod
    def _keep_tiles(layer, points, radius: float, before: dict) -> None:
        """Copy the SNAP_TILE² tiles of ``layer`` a brush segment is about to touch, once each."""
        pts = np.asarray(points, np.float64)
        h, w = layer.data.shape[:2]
        tx0, ty0 = ((pts.min(axis=0) - radius - 1).clip(0) // SNAP_TILE).astype(int)
        tx1, ty1 = ((pts.max(axis=0) + radius + 1).clip(0, (w - 1, h - 1)) // SNAP_TILE).astype(int)
        for ty in range(ty0, ty1 + 1):
            for tx in range(tx0, tx1 + 1):
                if (tx, ty) not in before:
                    rows, cols = slice(ty * SNAP_TILE, (ty + 1) * SNAP_TILE), slice(tx * SNAP_TILE, (tx + 1) * SNAP_TILE)
                    before[tx, ty] = layer.data[rows, cols].copy()

    def _stroke_moved(self, x: float, y: float) -> None:
        if self._stroke:
            points = self._stroke.points
            self._paint_segment([points[-1], (x, y)])
            points.append((x, y))

    def _stroke_finished(self) -> None:
        if self._stroke:
            group, layer, points, before = self._stroke.group, self._stroke.layer, self._stroke.points, self._stroke.before
            if before is not None and len(points) > 1:
                for (tx, ty), pixels in before.items():  # take the traced stroke back…
                    self.doc.write_pixels(layer, tx * SNAP_TILE, ty * SNAP_TILE, pixels)
                reach = max(4.0, float(self.brush_size.value()))
                snapped = maskops.snap_stroke_to_image(self.doc, points, reach)
                maskops.paint(self.doc, layer, snapped, self.brush_size.value() / 2,  # …onto the line
                              self.brush_hardness.value() / 100)
            self._stroke = None
            group.__exit__(None, None, None)

    def _polygon_finished(self, points) -> None:
        label = self._label_to_paint()
        if label is False:
            return
        layer = self.target_mask_layer() if label is None else label[0]
        if layer.locked:
            self.show_error(self.tr("Layer '%1' is locked.").replace("%1", layer.name))
            return
        maskops.fill_polygon(self.doc, layer, points, value=None if label is None else label[1])

    def _mask_operation(self, operation, label: str, ask: str | None = None, default: int = 3) -> None:
        layer = self.target_mask_layer()
        args = []
        if ask:
            value, ok = QInputDialog.getInt(self, label, ask, default, 1, 10000)
            if not ok:
                return
            args = [value]
        self._replace_mask(layer, lambda: operation(layer.data, *args), f"{label} '{layer.name}'")

    def _replace_mask(self, layer, compute, action: str) -> None:
        """The layer's new pixels computed on a thread (a 15-px grow of a 48-Mpx mask took 4 s
        on the window's thread), the window painting but taking no edits meanwhile; then set
        as one undo step."""
        self.statusBar().showMessage(action + "…")
        self.setEnabled(False)
        try:
            with self.jobs.results_held():  # a detection ending now would rewrite a layer read
                data, error = compute_while_painting(compute)
        finally:
            self.setEnabled(True)
        self.statusBar().clearMessage()
        if error is not None:
            self.show_error(translate_message(error))
            return
        self.doc.set_layer_data(layer, data, action)

    def _combine_masks(self, operation, label: str) -> None:
        target = self.target_mask_layer()
        others = [l for l in self.doc.layers_of_kind("mask") if l is not target]
        if not others:
            self.show_error(self.tr("There is no other mask layer to combine with."))
            return
        name, ok = QInputDialog.getItem(self, label, self.tr("With layer:"), [l.name for l in others], 0, False)
        if ok:
            other = self.doc.layer_by_name(name)
            self._replace_mask(target, lambda: operation(target.data, other.data),
                               f"{operation.__name__.capitalize()} '{other.name}'")

    # document ----------------------------------------------------------------------------
    def set_document(self, doc: Document) -> None:
        self._finish_autosave()
        if self.autosaver:
            self.autosaver.close()
        self.doc = doc
        self.click_tool.discard()
        self.status_pos.clear()  # the previous document's pixel value and depth
        self._pixel_block = None
        for widget in self.dock_widgets("clear_status"):
            widget.clear_status()  # "done: review the proposal…" belonged to the previous document
        self.autosaver = project.Autosaver(doc)
        for event in (doc.layer_inserted, doc.layer_removed, doc.layer_moved):
            event.connect(self._layer_list_changed)
        doc.layer_changed.connect(self._layer_changed)
        doc.history.changed.connect(self._update_actions)
        doc.modified_changed.connect(lambda *_: self._update_title())
        doc.scale_changed.connect(lambda *_: (self._update_brush_mm(), self.measurements_dock.schedule_refresh()))
        if self._overview_job is not None:
            self.jobs.cancel(self._overview_job)  # the previous document's overview
            self._overview_job = None
        self.view.set_document(doc)
        self.original_view.set_document(doc)
        self.layer_panel.set_document(doc)
        for widget in self.dock_widgets("set_document"):
            widget.set_document(doc)
        self.navigator.refresh()
        self.apply_settings()
        self._update_brush_mm()  # a project opens with its own scale
        self._refresh_layers()
        self._update_actions()
        self._update_title()
        pyramid = doc.pyramid()
        if max(doc.width, doc.height) > PYRAMID_SIDE and not pyramid.is_built:
            # zoomed-out views need the pyramid: build it in the background, start at 100 %
            QTimer.singleShot(0, lambda: (self.view.actual_size(),
                                          self.view.centerOn(doc.width / 2, doc.height / 2)))
            self._overview_job = self.jobs.submit(Job(
                self.tr("Building overview"), lambda progress, cancelled: pyramid.build(progress, cancelled),
                lambda _: self._pyramid_level_ready()))
        else:
            QTimer.singleShot(0, self.view.fit)

    def _overview_progress(self, job) -> None:
        if job is self._overview_job and job.stage.endswith("ready"):
            self._pyramid_level_ready()  # zoomed-out views improve level by level

    def _pyramid_level_ready(self) -> None:
        self.view.pyramid_level_ready()
        self.original_view.pyramid_level_ready()
        self.navigator.refresh()

    def _layer_changed(self, layer, what, bbox) -> None:
        self._pixel_generation += 1
        for view in (self.view, self.original_view):
            if what == "pixels" and bbox is not None:
                view.layer_pixels_changed(layer, bbox)
            elif what in ("color", "classes"):
                view.layer_style_changed(layer)
            else:
                view.sync_layers()
                view.viewport().update()
        if what != "pixels":
            self._refresh_layers()
        else:
            for widget in self.dock_widgets("on_layer_pixels"):
                widget.on_layer_pixels(layer)

    def _layer_list_changed(self, *args) -> None:
        self._pixel_generation += 1
        self.view.sync_layers()
        self.original_view.sync_layers()
        self._refresh_layers()

    # compare ---------------------------------------------------------------------------------
    def set_compare(self, mode: str) -> None:
        """off, split, difference, or side (original beside the restored, linked)."""
        was_side = self.original_view.isVisible()
        seen = self.view.visible_image_rect()
        whole = self.doc is not None and seen.contains(QRectF(0, 0, self.doc.width, self.doc.height))
        self.original_view.setVisible(mode == "side")
        if mode == "side" and not was_side:  # half each: a hidden pane comes back with no width
            width = self.splitter.width()
            self.splitter.setSizes([width - width // 2, width // 2])
        self.view.set_compare(mode if mode in ("split", "difference") else "off")
        self.view.show_masks = mode == "off"  # side by side too: the images alone
        self.original_view.show_masks = False
        self.view.corner_label = self.tr("restored") if mode == "side" else ""
        self.original_view.corner_label = self.tr("original")
        if mode == "side" or was_side:
            # the view's width changed: the whole image stays whole, a close-up keeps its zoom
            # and its centre (a fill judged at 900 % must not jump back to the whole wall)
            def refit():
                if whole:
                    self.view.fit()
                else:
                    self.view.centerOn(seen.center())
                if mode == "side":
                    self._sync_views(self.view, self.original_view)
            QTimer.singleShot(0, refit)

    def _sync_views(self, source: Canvas, target: Canvas) -> None:
        if self._syncing or not target.isVisible():
            return
        self._syncing = True
        try:
            target.setTransform(source.transform())
            target.centerOn(source.visible_image_rect().center())
        finally:
            self._syncing = False

    def _refresh_layers(self) -> None:
        self.layer_panel.refresh()
        for widget in self.dock_widgets("on_layers_changed"):
            widget.on_layers_changed()

    def _update_actions(self) -> None:
        history = self.doc.history
        self.undo_action.setEnabled(history.can_undo)
        self.redo_action.setEnabled(history.can_redo)
        self.undo_action.setText(self.tr("&Undo %1").replace("%1", history.undo_stack[-1].name)
                                 if history.can_undo else self.tr("&Undo"))
        self.redo_action.setText(self.tr("&Redo %1").replace("%1", history.redo_stack[-1].name)
                                 if history.can_redo else self.tr("&Redo"))

    def _update_title(self) -> None:
        mark = "*" if self.doc.is_modified else ""
        self.setWindowTitle(f"{mark}{self.doc.title} — MuralStudio")

    def _show_job(self, job) -> None:
        self.status_job.setText(f"{job.name}: {int(job.fraction * 100)} % {translate_message(job.stage)}")

    def _update_brush_mm(self) -> None:
        scale = self.doc.mm_per_px if self.doc is not None else None
        self.brush_mm.setText(f" = {self.brush_size.value() * scale:.1f} mm " if scale else "")

    def _show_cursor(self, sx: int, sy: int) -> None:
        if self.doc is None:
            return
        self._update_brush_mm()
        x, y = int(sx), int(sy)
        if 0 <= x < self.doc.width and 0 <= y < self.doc.height:
            value = self._pixel_value(x, y)
            text = (self.tr("x %1  y %2  value %3  (%4-bit)")
                    .replace("%1", str(x)).replace("%2", str(y))
                    .replace("%3", " ".join(str(int(v)) for v in value))
                    .replace("%4", str(self.doc.info.bit_depth)))
            if self.doc.mm_per_px:  # position in the wall's own units
                mm = self.doc.mm_per_px
                text += "  " + self.tr("(%1 cm, %2 cm)").replace("%1", f"{x * mm / 10:.1f}").replace("%2", f"{y * mm / 10:.1f}")
            confidence = self.detect_dock.confidence_text(x, y)
            self.status_pos.setText(f"{text}  {confidence}" if confidence else text)
        else:
            self.status_pos.clear()

    PIXEL_BLOCK = 64

    def _pixel_value(self, x: int, y: int) -> np.ndarray:
        """The composite value at (x, y), read a 64² block at a time so moving the mouse does not
        decode a file tile per event; the block is dropped when the document changes."""
        b = self.PIXEL_BLOCK
        bx, by = x // b * b, y // b * b
        key = (id(self.doc), bx, by, self._pixel_generation)
        if self._pixel_block is None or self._pixel_block[0] != key:
            w, h = min(b, self.doc.width - bx), min(b, self.doc.height - by)
            self._pixel_block = (key, self.doc.composite_region(bx, by, w, h, include_pending=True))
        return self._pixel_block[1][y - by, x - bx].reshape(-1)

    # commands ----------------------------------------------------------------------------
    def _detect(self) -> None:
        self.findChild(QDockWidget, "detect").raise_()
        self.detect_dock.run()

    def _restore(self) -> None:
        self.findChild(QDockWidget, "inpaint").raise_()
        self.inpaint_dock.run()

    def restore_committed_region(self):
        """R: restore the region the click tool committed last, with the Inpaint dock's engine."""
        region = self.click_tool.last_committed
        if region is None or region[0] is not self.doc:
            self.statusBar().showMessage(self.tr("Commit a click-segment region first (C, clicks, Enter)."), 5000)
            return None
        _, x, y, mask = region
        hole = np.zeros((self.doc.height, self.doc.width), bool)
        hole[y:y + mask.shape[0], x:x + mask.shape[1]] = mask
        self.findChild(QDockWidget, "inpaint").raise_()
        return self.inpaint_dock.run(hole)

    def toggle_original(self, checked: bool | None = None) -> None:
        show_original = self.original_action.isChecked() if checked is None else bool(checked)
        self.view.set_show_restorations(not show_original)
        self.view.sync_layers()
        self.statusBar().showMessage(self.tr("Showing the original") if show_original
                                     else self.tr("Showing the restored image"), 3000)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what) of every shortcut: menu and tool actions, then the canvas's own keys."""
        rows = []
        for action in self.findChildren(QAction):
            if not action.shortcut().isEmpty():
                text = action.text().replace("&", "")
                rows.append((action.shortcut().toString(QKeySequence.SequenceFormat.NativeText), text))
        rows.sort(key=lambda r: r[1].lower())
        rows += [(self.tr("Space + drag, middle drag"), self.tr("Pan")),
                 (self.tr("Wheel"), self.tr("Zoom")),
                 (self.tr("hold \\"), self.tr("See the original while held")),
                 (self.tr("Click segment: left / right click"), self.tr("Add a positive / negative click")),
                 (self.tr("Click segment: Backspace"), self.tr("Remove the last click")),
                 (self.tr("Click segment: Enter / Shift+Enter"), self.tr("Add / subtract the region")),
                 (self.tr("Click segment: Esc"), self.tr("Discard the clicks")),
                 (self.tr("Review: left / right click"), self.tr("Accept / reject a proposed region")),
                 (self.tr("Review: left / right drag"), self.tr("Lasso: accept / reject every proposed region in it")),
                 (self.tr("Review: period / comma"), self.tr("Zoom to the next / previous proposed region")),
                 (self.tr("Review: Enter / Backspace"), self.tr("Accept / reject the region shown, go on to the next")),
                 (self.tr("Polygon: double click or Enter"), self.tr("Close and fill the polygon"))]
        return rows

    def show_shortcuts(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Keyboard shortcuts"))
        table = QTableWidget(0, 2, dialog)
        table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        for keys, text in self.shortcut_rows():
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(dialog)
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(560, 600)
        dialog.setModal(False)
        dialog.show()
        self.shortcuts_dialog = dialog
        return dialog

    def user_guide_path(self) -> Path | None:
        """The README shipped beside the package (source checkouts and installed copies)."""
        for candidate in (Path(__file__).resolve().parents[2] / "README.md",
                          Path(__file__).resolve().parents[1] / "docs" / "README.md"):
            if candidate.is_file():
                return candidate
        return None

    def open_user_guide(self) -> bool:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        path = self.user_guide_path()
        if path is None:
            self.show_error(self.tr("The user guide is not installed with this copy."))
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def show_about(self) -> None:
        from muralstudio import __version__

        QMessageBox.about(self, self.tr("About MuralStudio"), self.tr(
            "MuralStudio %1 — a restoration workstation for photographs of ancient murals: damage "
            "masks from clicks and brushes, detection reviewed region by region, inpainting at "
            "native resolution that never alters pixels outside the mask and records every "
            "restoration, element labeling.").replace("%1", __version__))

    def undo(self) -> None:
        self.doc.undo()

    def redo(self) -> None:
        self.doc.redo()

    def new_mask_layer(self) -> None:
        self.doc.new_mask_layer(self.tr("damage"))

    def open_path(self, path: Path) -> bool:
        """Open an image or project; errors become a message box, never a traceback."""
        path = Path(path)
        try:
            if path.suffix.lower() == project.SUFFIX:
                try:
                    doc = project.load_project(path)
                except SourceMissingError as missing:
                    located, _ = QFileDialog.getOpenFileName(
                        self, self.tr("Locate the source image of %1").replace("%1", path.name),
                        str(path.parent), IMAGE_FILTER.split(";;")[0])
                    if not located:
                        self.show_error(str(missing))
                        return False
                    doc = project.load_project(path, source_path=located)
            else:
                doc = Document.open(path)
        except MuralStudioError as exc:
            self.show_error(str(exc))
            return False
        except (OSError, ValueError, MemoryError) as exc:  # the previous document stays open
            self.show_error(f"{path}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")
            return False
        for warning in doc.info.warnings:
            self.statusBar().showMessage(warning, 10000)
        self.set_document(doc)
        app_settings.add_recent_file(path.resolve())
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = app_settings.recent_files()
        for path in files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.maybe_save() and self.open_path(Path(p)))
        if not files:
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)

    def settings_dialog(self) -> None:
        dialog = SettingsDialog(self)
        if dialog.exec():
            dialog.save()
            self.apply_settings()

    def apply_settings(self) -> None:
        self.view.cache.max_bytes = app_settings.get("tile_cache_mb") << 20
        if self.doc is not None:
            self.doc.history.limit_bytes = app_settings.get("history_mb") << 20
        for widget in self.dock_widgets("apply_settings"):
            widget.apply_settings(app_settings)
        self.click_tool.device = app_settings.get("device")

    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files and self.maybe_save():
            event.acceptProposedAction()
            self.open_path(Path(files[0]))

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open image or project"), "", IMAGE_FILTER)
        if path and self.maybe_save():
            self.open_path(Path(path))

    def save(self) -> bool:
        if self.doc.project_path is None:
            return self.save_as()
        return self._save_to(self.doc.project_path)

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save project"), "",
                                              self.tr("MuralStudio projects (*.mural)"))
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        """Snapshot the document here, write it on a worker thread (hashing the source and
        compressing layers can take seconds on huge images) while the window keeps answering."""
        doc = self.doc
        try:
            path = project.project_file_name(path)
            snapshot = project.snapshot_project(doc, path)
        except (MuralStudioError, OSError) as exc:
            self.show_error(self.tr("Could not save the project: %1").replace("%1", translate_message(exc)))
            return False
        self.statusBar().showMessage(self.tr("Saving %1…").replace("%1", str(path)))
        error = run_and_wait(self.file_jobs, "save", lambda: project.write_snapshot(snapshot, path))
        if error is not None:
            self.statusBar().clearMessage()
            self.show_error(self.tr("Could not save the project: %1").replace("%1", translate_message(error)))
            return False
        doc.project_path = path.resolve()
        if snapshot.still_matches(doc):
            doc.mark_clean(snapshot.history_index)
        self._update_title()
        self.statusBar().showMessage(self.tr("Saved %1").replace("%1", str(path)), 5000)
        return True

    def export_dialog(self) -> None:
        dialog = ExportDialog(self.doc, self)
        if dialog.exec():
            try:
                write = dialog.prepare_export()
            except (MuralStudioError, OSError, ValueError) as exc:
                self.show_error(self.tr("Could not export: %1").replace("%1", translate_message(exc)))
                return
            # written on the file thread: encoding a 48-Mpx 16-bit TIFF froze the window for
            # 9 s. The window keeps painting but takes no edits meanwhile (the export reads
            # the layers as they are)
            written = []
            self.statusBar().showMessage(self.tr("Exporting %1…").replace("%1", dialog.path.text()))
            self.setEnabled(False)
            try:
                with self.jobs.results_held():  # a job ending now would change what is written
                    error = run_and_wait(self.file_jobs, "export", lambda: written.append(write()))
            finally:
                self.setEnabled(True)
            if error is not None:
                self.statusBar().clearMessage()
                self.show_error(self.tr("Could not export: %1").replace("%1", translate_message(error)))
                return
            path = written[0]
            self.statusBar().showMessage(self.tr("Exported %1").replace("%1", str(path)), 5000)

    def properties_dialog(self) -> bool:
        if self.doc is None:
            return False
        dialog = PropertiesDialog(self.doc, self)
        if dialog.exec() != PropertiesDialog.DialogCode.Accepted:
            return False
        dialog.apply()
        return True

    def _choose_tool(self, tool: str) -> None:
        if tool != "navigate" and not self.compare_actions["off"].isChecked():
            # comparing hides the masks: a tool that edits or reviews them ends the comparison
            self.compare_actions["off"].trigger()
        self.view.set_tool(tool)

    def _scale_line_drawn(self, *line) -> None:
        # one line per Set Scale: the next clicks navigate again instead of asking for a length
        self.tool_actions["navigate"].trigger()
        set_scale_from_line(self, *line)

    def start_scale_line(self) -> None:
        """Two clicks over something of known length (a ruler, a colour chart), then its length."""
        if self.doc is None:
            return
        self.view.set_tool("scale")
        for action in self.tool_actions.values():
            action.setChecked(False)
        self.statusBar().showMessage(self.tr("Set scale: click both ends of a ruler or another known length"), 15000)

    def export_geojson(self, path: Path | None = None) -> Path | None:
        """Mask and label layers as GeoJSON polygons in pixel coordinates (QGIS, labelme, QuPath)."""
        from muralstudio.ops import vectors

        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Export GeoJSON"),
                                                    suggested_path(self.doc, "-damage.geojson"),
                                                    "GeoJSON (*.geojson *.json)")
            if not chosen:
                return None
            path = Path(chosen)
        layers = [l for l in self.doc.layers if l.kind in ("mask", "labels") and not getattr(l, "proposed", False)]
        try:
            vectors.export_geojson(layers, path, scale_mm_per_px=self.doc.mm_per_px,
                                   source=str(self.doc.source.path or self.doc.title))
        except (OSError, ValueError, MuralStudioError) as exc:
            self.show_error(self.tr("Could not export: %1").replace("%1", translate_message(exc)))
            return None
        self.statusBar().showMessage(self.tr("Exported %1").replace("%1", str(path)), 5000)
        return path

    def import_geojson(self, path: Path | None = None):
        """GeoJSON polygons (e.g. drawn in a vector editor) as a new mask layer: one undo step."""
        from muralstudio.ops import vectors

        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Import GeoJSON"), "", "GeoJSON (*.geojson *.json)")
            if not chosen:
                return None
            path = Path(chosen)
        try:
            mask = vectors.import_geojson(path, (self.doc.height, self.doc.width))
        except (OSError, ValueError) as exc:
            self.show_error(str(exc))
            return None
        return self.doc.new_mask_layer(Path(path).stem, mask)

    def export(self, path: Path, fmt: str = "tiff") -> bool:
        """Write the restored image with ICC/metadata and the restoration record (+ sidecar)."""
        try:
            export.export_restored(self.doc, path, fmt)
        except (MuralStudioError, OSError, ValueError) as exc:
            self.show_error(self.tr("Could not export: %1").replace("%1", translate_message(exc)))
            return False
        self.statusBar().showMessage(self.tr("Exported %1").replace("%1", str(path)), 5000)
        return True

    def autosave(self) -> None:
        """Memory for the copies is made ready on the file thread, the snapshot copied into it
        on the GUI thread (the document is edited here), the recovery file written as a file job."""
        if self.autosaver is None or self._autosave_job is not None or not self.autosaver.due():
            return
        autosaver = self.autosaver
        shapes = copies.shapes_of(project.edited_arrays(autosaver.doc))

        def allocated(buffers):
            self._autosave_job = None
            if buffers is not None and self.autosaver is autosaver:  # the same document still open
                self._write_recovery(buffers)

        def allocate(progress, cancelled):
            try:
                return copies.ready_buffers(shapes)
            except MemoryError:  # no recovery copy this time; editing goes on
                log.warning("autosave skipped: not enough memory for a copy of the layers")
                return None

        self._autosave_job = self.file_jobs.submit(Job("autosave", allocate, on_done=allocated))

    def _write_recovery(self, buffers: dict) -> None:
        try:
            write = self.autosaver.prepare(buffers)
        except (MuralStudioError, OSError) as exc:
            log.warning("autosave failed: %s", exc)
            return
        if write is None:
            return

        def work(progress, cancelled):
            try:
                write()
                return True
            except Exception as exc:  # noqa: BLE001 - a recovery copy failing must not stop autosaving
                log.warning("autosave failed: %s", exc)
                return False

        def done(written):
            self._autosave_job = None
            if written:
                self.statusBar().showMessage(self.tr("Recovery copy saved"), 3000)

        self._autosave_job = self.file_jobs.submit(Job("autosave", work, on_done=done))

    def maybe_save(self) -> bool:
        if self.doc is None or not self.doc.is_modified:
            return True
        answer = QMessageBox.question(
            self, self.tr("Unsaved changes"),
            self.tr("Save the changes to %1?").replace("%1", self.doc.title),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.autosave_timer.stop()
        self._finish_autosave()
        self.file_jobs.shutdown()
        self.jobs.shutdown(lambda job: self.statusBar().showMessage(
            self.tr("Finishing %1 before closing…").replace("%1", job.name)))
        self.view.shutdown()
        self.original_view.shutdown()
        if self.autosaver:
            self.autosaver.close()
        event.accept()

    def _finish_autosave(self) -> None:
        """Wait for a recovery copy in flight (its memory being made ready, then its file
        written), so closing removes the file it writes."""
        while self._autosave_job is not None:
            job = self._autosave_job
            wait_for(job)
            if self._autosave_job is job:  # ended without handing over to the write
                self._autosave_job = None

    def offer_recovery(self) -> bool:
        """Ask to reopen the newest recovery file left by a session that did not close cleanly."""
        recoveries = project.list_recoveries()
        if not recoveries:
            return False
        newest = recoveries[0]
        answer = QMessageBox.question(
            self, self.tr("Recover unsaved work"),
            self.tr("MuralStudio did not close normally. Recover the unsaved changes to %1?")
            .replace("%1", newest.get("title", "?")))
        if answer != QMessageBox.StandardButton.Yes:
            for entry in recoveries:
                project.discard_recovery(entry["uid"])
            return False
        try:
            doc = project.load_project(newest["recovery_path"])
        except MuralStudioError as exc:
            self.show_error(str(exc))
            return False
        doc.project_path = Path(newest["project_path"]) if newest.get("project_path") else None
        doc._clean_index = None  # recovered changes are not saved yet
        self.set_document(doc)
        # the recovered file stays until this document's own recovery copy replaces it
        self.autosaver.recovered_from = newest["uid"]
        return True

    def show_error(self, message) -> None:
        """Show ``message`` (text, a Text with a message id, or an exception) in the interface language."""
        log.error("%s", message)
        message = translate_message(message)
        if QApplication.instance().platformName() == "offscreen":
            self.statusBar().showMessage(message, 10000)  # tests: no modal dialog to block on
            self.last_error = message
            return
        QMessageBox.critical(self, self.tr("MuralStudio"), message)
