"""The window's docks, in the order they are tabbed on the right. Adding a dock is one module
(the widget) plus one entry here; the window builds every entry, keeps it as an attribute, and
calls the hooks a dock defines — no per-dock code in the main window:

- ``set_document(doc)``: a document was opened (``clear_status`` too, for job docks)
- ``on_layers_changed()``: layers were added, removed, renamed, reordered or restyled
- ``on_layer_pixels(layer)``: a layer's pixels changed (a brush stroke, an accepted region)
- ``apply_settings(settings)``: Settings changed (``settings.get(key)``)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP


@dataclass(frozen=True)
class DockSpec:
    attribute: str  # the window's attribute, e.g. window.inpaint_dock
    object_name: str  # saveState/restoreState key
    title: str  # translated in the context "MainWindow"
    build: Callable  # window → the dock's widget (a QDockWidget is added as it is); docks get window.context


def _inpaint(window):
    from muralstudio.gui.inpaint_dock import InpaintDock

    return InpaintDock(window.context)


def _detect(window):
    from muralstudio.gui.detect_dock import DetectDock

    return DetectDock(window.context)


def _labels(window):
    from muralstudio.gui.labels_dock import LabelsDock

    return LabelsDock(window.context)


def _elements(window):
    from muralstudio.gui.elements_dock import ElementsDock

    return ElementsDock(window.context)


def _history(window):
    from muralstudio.gui.history_dock import HistoryList

    return HistoryList(window)


def _jobs(window):
    from muralstudio.gui.jobs_dock import JobsList

    return JobsList(window.jobs, window)


def _measurements(window):
    from muralstudio.gui.documentation import MeasurementsDock

    return MeasurementsDock(window.context)


DOCKS = [
    DockSpec("inpaint_dock", "inpaint", QT_TRANSLATE_NOOP("MainWindow", "Inpaint"), _inpaint),
    DockSpec("detect_dock", "detect", QT_TRANSLATE_NOOP("MainWindow", "Detect"), _detect),
    DockSpec("labels_dock", "labels", QT_TRANSLATE_NOOP("MainWindow", "Labels"), _labels),
    DockSpec("elements_dock", "elements", QT_TRANSLATE_NOOP("MainWindow", "Elements"), _elements),
    DockSpec("history_list", "history", QT_TRANSLATE_NOOP("MainWindow", "History"), _history),
    DockSpec("jobs_list", "jobs", QT_TRANSLATE_NOOP("MainWindow", "Jobs"), _jobs),
    DockSpec("measurements_dock", "MeasurementsDock", QT_TRANSLATE_NOOP("MainWindow", "Measurements"), _measurements),
]
