"""Detect dock: run a damage detector on the job runner and turn its probability maps into
layers of *proposed* damage ("craquelure (proposed)", "paint loss (proposed)"). Proposals are
not damage: the user reviews them region by region (Review tool: left click accepts a region
into the class's own mask layer, right click rejects it; or all at once), and only accepted
damage is restored. Changing the threshold or minimum area re-makes the proposals from the kept
probabilities without running the network again; what was accepted or rejected stays so."""

from __future__ import annotations

import math
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QSlider,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from muralstudio.core.messages import Text
from muralstudio.core import maskops
from muralstudio.core.document import MaskLayer
from muralstudio.engines import detection, registry
from muralstudio.engines.settings import schema_of
from muralstudio.gui.job_panel import JobPanel
from muralstudio.gui.jobs import Job
from muralstudio.gui.settings_form import SettingsForm



@contextmanager
def busy_cursor():
    """A wait cursor while the block runs on the window's thread (labelling the regions of a
    photograph of hundreds of megapixels takes a second or more)."""
    busy = QApplication.overrideCursor() is None
    if busy:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        if busy:
            QApplication.restoreOverrideCursor()


def moved_threshold(base: float, sensitivity: int) -> float:
    """A class's threshold moved by the sensitivity slider (0–100, 50 = as calibrated): ±0.5 at
    its ends."""
    return float(np.clip(base - (sensitivity - 50) / 100, 0.02, 0.98))


class DetectDock(JobPanel):
    #: proposals labelled on the dock's thread at a new sensitivity: (generation, result, labelled)
    relabelled = Signal(int, object, object)

    def __init__(self, context):
        super().__init__(context)
        self.device = "cpu"
        self.compute_server = ""  # a Dask scheduler address from Settings → Compute, or local
        self.window_size = 640  # processing tile side (Settings)
        self.result: detection.DetectionResult | None = None
        self.result_doc = None
        self._run = ("", "", {})  # the detection's record in the document: (run id, time started, settings)
        self.layers: dict[str, MaskLayer] = {}  # class → its proposals layer
        self.engine = QComboBox()
        for name in registry.available("detector"):
            self.engine.addItem(name, name)
        self.engine.setCurrentIndex(max(0, self.engine.findData(detection.DEFAULT_DETECTOR)))
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 0.95)
        self.threshold.setSingleStep(0.05)
        self.threshold.setSpecialValueText(self.tr("calibrated"))  # 0 = the model's own per class
        self.threshold.setValue(0.0)
        self.min_area = QSpinBox()
        self.min_area.setRange(0, 100000)
        self.min_area.setValue(16)
        self.min_area.setSuffix(self.tr(" px"))
        self._min_area_engine = None  # the engine whose suggestion the spin box holds
        self.engine.currentIndexChanged.connect(lambda _: self.suggest_min_area())
        self.suggest_min_area()
        # more or fewer proposals from the same probabilities, live: no network run
        self.sensitivity = QSlider(Qt.Orientation.Horizontal)
        self.sensitivity.setRange(0, 100)
        self.sensitivity.setValue(50)
        self.sensitivity.setToolTip(self.tr("Sensitivity: 50 uses each class's threshold; right proposes "
                                            "more (lower thresholds), left fewer"))
        self._rethreshold = QTimer(self)
        self._rethreshold.setSingleShot(True)
        self._rethreshold.setInterval(150)
        self._rethreshold.timeout.connect(self._relabel_in_background)
        self._relabel_generation = 0
        self.relabelled.connect(self._relabel_done)
        self.sensitivity.valueChanged.connect(lambda _: self._sensitivity_moved())
        self.run_button = QPushButton(self.tr("Detect damage"))
        self.update_button = QPushButton(self.tr("Update layers"))
        self.review_button = QPushButton(self.tr("Review regions"))
        self.review_button.setToolTip(self.tr("Left click a proposed region to accept it as damage, "
                                              "right click to reject it (V)"))
        self.accept_all_button = QPushButton(self.tr("Accept all"))
        self.reject_all_button = QPushButton(self.tr("Reject all"))
        self.previous_button = QPushButton(self.tr("◀ Previous region"))
        self.next_button = QPushButton(self.tr("Next region ▶"))
        self.next_button.setToolTip(self.tr("Zoom to the next proposed region, top to bottom (in the Review tool: "
                                            "period; comma goes back; Enter accepts it, Backspace rejects it, "
                                            "and either goes on to the next)"))
        self._focus: tuple | None = None  # (reading-order key, class, pixel) of the region shown
        self._walk: list | None = None  # the proposals' regions in reading order (made when first needed)
        # ... labelled ahead on a thread whenever the proposals change (labelling a 100-Mpx layer
        # took a second on the window's thread at the first Next region or Accept all)
        self._proposals_version = 0
        self._walk_ahead: tuple | None = None  # (version, future)
        self._updating = False
        self._walk_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="walk")
        self.destroyed.connect(lambda *_: self._walk_pool.shutdown(wait=False, cancel_futures=True))
        self._deciding = False  # a review decision of this dock is writing the proposals
        self._automatic_engine = detection.DEFAULT_DETECTOR  # the engine chosen for the document, not the user
        # the chosen detector's own settings from its schema (the fleck detectors' working
        # scale, radius, contrast)
        self.settings_form = SettingsForm()
        self.engine.currentIndexChanged.connect(lambda _: self._show_engine_settings())
        self._show_engine_settings()
        form = QFormLayout()
        form.addRow(self.tr("Engine"), self.engine)
        form.addRow(self.settings_form)
        form.addRow(self.tr("Threshold"), self.threshold)
        form.addRow(self.tr("Minimum area"), self.min_area)
        form.addRow(self.tr("Sensitivity"), self.sensitivity)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(self.update_button)
        review_row = QHBoxLayout()
        review_row.addWidget(self.review_button)
        review_row.addWidget(self.accept_all_button)
        review_row.addWidget(self.reject_all_button)
        layout.addLayout(review_row)
        step_row = QHBoxLayout()
        step_row.addWidget(self.previous_button)
        step_row.addWidget(self.next_button)
        layout.addLayout(step_row)
        layout.addStretch(1)
        self.run_button.clicked.connect(self.run)
        self.update_button.clicked.connect(self.update_layers)
        self.review_button.clicked.connect(lambda: self.context.use_tool("review"))
        self.accept_all_button.clicked.connect(self.accept_all_asked)
        self.reject_all_button.clicked.connect(lambda: self.review_all(False))
        self.previous_button.clicked.connect(lambda: self.step_region(-1))
        self.next_button.clicked.connect(lambda: self.step_region(1))
        self.refresh()

    def _show_engine_settings(self) -> None:
        engine = self.engine.currentData()
        if engine:
            self.settings_form.set_schema(schema_of(registry.get("detector", engine)))

    def suggest_min_area(self, running: bool = False) -> None:
        """The engine's own smallest region worth proposing (0 for the fleck detectors). While
        proposals of another engine are kept, choosing an engine only takes effect when it
        runs: the kept proposals stay filtered as they were."""
        name = self.engine.currentData()
        if not name or name == self._min_area_engine or (self.result is not None and not running):
            return
        self._min_area_engine = name
        self.min_area.setValue(int(getattr(registry.get("detector", name), "suggested_min_area", 16)))

    @property
    def doc(self):
        return self.context.doc

    # window hooks (gui/dock_registry.py) ----------------------------------------------------
    def set_document(self, doc) -> None:
        """The default detector finds flakes of real walls; the generated demo's damage is
        drawn like ``resunet``'s training data, so on the demo the dock starts with that. An
        engine the user chose stays chosen."""
        name = "resunet" if getattr(doc, "synthetic_damage", False) else detection.DEFAULT_DETECTOR
        if self.engine.currentData() == self._automatic_engine and self.engine.findData(name) >= 0:
            self.engine.setCurrentIndex(self.engine.findData(name))
            self._automatic_engine = name
        self._focus = None
        self._restore_detector(doc)
        self._proposals_changed()  # a project reopened: its proposals are walked
        self.refresh()

    def _restore_detector(self, doc) -> None:
        """A project reopened: its last detection's engine and settings (the working scale its
        proposals depend on) are chosen again, so detecting anew proposes alike. Any other
        document starts from the engine's defaults: a scale chosen for one photograph is not
        another's."""
        detections = getattr(doc, "detections", None) or []
        last = detections[-1] if detections else None
        if last is not None and self.engine.findData(last["engine"]) >= 0:
            self.engine.setCurrentIndex(self.engine.findData(last["engine"]))
            self._automatic_engine = last["engine"]  # chosen for this document, not by the user
            self._show_engine_settings()  # the engine's defaults, then what the detection used
            self.settings_form.set_values(last.get("settings") or {})
        else:
            self._show_engine_settings()

    def on_layers_changed(self) -> None:
        self.refresh()

    def apply_settings(self, settings) -> None:
        self.device = settings.get("device")
        self.compute_server = settings.get("compute_server")
        self.window_size = settings.get("tile_size")

    def refresh(self) -> None:
        running = self.job is not None
        self.run_button.setEnabled(self.doc is not None and not running and self.engine.count() > 0)
        self.cancel_button.setEnabled(running)
        self.update_button.setEnabled(self.result is not None and self.result_doc is self.doc
                                      and not running)
        proposals = bool(self.proposal_layers())
        for button in (self.review_button, self.accept_all_button, self.reject_all_button,
                       self.previous_button, self.next_button):
            button.setEnabled(proposals and not running)

    def _sensitivity_moved(self) -> None:
        if self.result is not None and self.result_doc is self.doc:
            self._rethreshold.start()
        else:  # say so rather than seem to do nothing (a reopened project keeps no probabilities)
            self.stage.setText(self.tr("The sensitivity applies to the next detection: run Detect on this "
                                       "image to re-threshold its proposals."))

    def class_threshold(self, name: str) -> float:
        """The class's threshold (the detector's calibrated one, or the one typed) moved by the
        sensitivity slider: ±0.5 at its ends."""
        return moved_threshold(self.threshold.value() or self.result.thresholds.get(name, 0.5),
                               self.sensitivity.value())

    def class_label(self, name: str) -> str:
        """A detector class as the user reads it (translated)."""
        return {"craquelure": self.tr("craquelure"), "paint loss": self.tr("paint loss")}.get(name, name)

    def proposal_layers(self) -> dict[str, MaskLayer]:
        """The current document's proposals layers still in it, by class: those of the last
        detection, or — in a project reopened, whose detector result is gone — its layers
        marked proposed, so a review can go on where it stopped."""
        if self.doc is None:
            return {}
        if self.result_doc is self.doc:
            return {name: layer for name, layer in self.layers.items()
                    if any(existing is layer for existing in self.doc.layers)}
        found = {}
        for layer in self.doc.layers_of_kind("mask"):
            if layer.proposed:
                name = self.class_of(layer)
                # a second proposals layer of a class (an earlier version's re-detection made
                # "… (proposed) 2") stays reviewable under its own name; its decisions go to the class
                found[name if name not in found else layer.name] = layer
        return found

    def proposals_name(self, name: str) -> str:
        """The name of a class's proposals layer (translated)."""
        return self.tr("%1 (proposed)").replace("%1", self.class_label(name))

    def class_of(self, layer: MaskLayer) -> str:
        """The detector class of a proposals layer, from its name (as made in this language or
        in English, with or without the number a second layer of the same name was given);
        another name stands for its own class, without " (proposed)"."""
        if layer.damage_class:
            return layer.damage_class
        base = re.sub(r" \d+$", "", layer.name)
        for name in detection.DAMAGE_CLASSES[1:]:  # not background
            if base in (self.proposals_name(name), f"{name} (proposed)"):
                return name
        return base.removesuffix(" (proposed)")

    def accepted_layers(self, name: str) -> list[MaskLayer]:
        """The mask layers holding a class's accepted regions: marked with the class, or — made
        before layers were — named after it in this language or in English."""
        return [layer for layer in self.doc.layers_of_kind("mask") if not layer.proposed
                and (layer.damage_class == name
                     or (not layer.damage_class and layer.name in (self.class_label(name), name)))]

    def accepted_layer(self, name: str) -> MaskLayer:
        """The user mask layer that accepted regions of a class go to (made when first needed)."""
        for layer in self.accepted_layers(name):
            return layer
        return self.doc.new_mask_layer(self.class_label(name), color=maskops.ACCEPTED_COLORS.get(name),
                                       damage_class=name)

    def review_at(self, x: float, y: float, accept: bool, reach: float = 0.0) -> int:
        """Accept or reject the proposed region under (x, y) — or, when none is, the nearest one
        within ``reach`` image px (the window passes a few screen pixels: flakes are 3 px):
        one undo step per click."""
        ix, iy = int(x), int(y)
        layers = list(self.proposal_layers().items())
        hits = [(name, layer, maskops.nearest_marked(layer.data, ix, iy, reach)) for name, layer in reversed(layers)]
        hits = [(name, layer, hit) for name, layer, hit in hits if hit is not None]
        if not hits:
            return 0
        # the class whose region is nearest (the topmost one on a tie)
        name, layer, (hx, hy) = min(hits, key=lambda h: math.hypot(h[2][0] - ix, h[2][1] - iy))
        self.context.highlight(None)  # a frame round a region already decided would mislead
        return self._review_region(name, layer, hx, hy, accept)

    @contextmanager
    def _decision(self, action: str):
        """One undo step of review decisions made here; while it runs, the proposals layers'
        pixel changes are this dock's own (:meth:`on_layer_pixels` leaves the walk as it is)."""
        self._deciding = True
        try:
            with self.doc.action(action):
                yield
        finally:
            self._deciding = False

    def _review_region(self, name: str, layer: MaskLayer, x: int, y: int, accept: bool) -> int:
        """Accept or reject the region of the class ``name`` holding (x, y): one undo step."""
        with self._decision(self.tr("Accept region") if accept else self.tr("Reject region")):
            target = self.accepted_layer(self.class_of(layer)) if accept else None  # made in the same step
            (x0, y0), region = maskops.review_region(self.doc, layer, x, y, accept, target)
            self._record_decision(layer, x0, y0, region, accept, regions=1)
        count = int(region.sum())
        self.stage.setText((self.tr("accepted %1 px of %2") if accept else self.tr("rejected %1 px of %2"))
                           .replace("%1", f"{count:,}").replace("%2", self.class_label(name)))
        self.refresh()
        return count

    # rows of the bands a reviewer is walked through, top to bottom
    STEP_BAND = 256
    # the smallest square (image px) a region is shown in when stepped to: a 3-px flake with the
    # paint around it to judge it by
    STEP_VIEW = 96

    def _walk_regions(self, layers: dict) -> list:
        """Every proposed region still proposed, as (key, class, (x, y, w, h, px, py)) in
        reading order; labelled once per set of proposals (a decision only takes regions out;
        undo, redo and re-thresholding make it afresh)."""
        if self._walk is None:
            ahead = self._walk_ahead
            with busy_cursor():
                if ahead is not None and ahead[0] == self._proposals_version:
                    self._walk = ahead[1].result()  # made ahead (or nearly: wait for the rest)
                else:
                    self._walk = self._make_walk({name: layer.data for name, layer in layers.items()})
        return [entry for entry in self._walk
                if entry[1] in layers and layers[entry[1]].data[entry[2][5], entry[2][4]] >= 128]

    @classmethod
    def _make_walk(cls, layers: dict) -> list:
        """The regions of the proposals (class → mask) in reading order (any thread)."""
        return sorted(((r[1] // cls.STEP_BAND, r[0], r[1], name, r[4], r[5]), name, r)
                      for name, data in layers.items()
                      for r in maskops.regions_in_reading_order(data, cls.STEP_BAND))

    def _proposals_changed(self) -> None:
        """Forget the walk and label the new proposals for it on the dock's thread, from a copy."""
        self._walk = None
        self._proposals_version += 1
        if self._walk_ahead is not None:  # a labelling not started yet is not needed any more
            self._walk_ahead[1].cancel()
        self._walk_ahead = None
        if self._updating:  # update_layers labels once, when every class is made
            return
        layers = self.proposal_layers()
        if layers:
            copies = {name: layer.data.copy() for name, layer in layers.items()}
            self._walk_ahead = (self._proposals_version, self._walk_pool.submit(self._make_walk, copies))

    def step_region(self, step: int = 1):
        """Show the next (``step`` 1) or previous (-1) proposed region of any class in reading
        order — bands of rows from the top, left to right — zoomed in, framed and with its
        size and confidence; the walk wraps round. Returns (class, (x, y, w, h)) or None when
        nothing is proposed. Deciding a region (click, lasso, Enter, Backspace) keeps the place."""
        layers = self.proposal_layers()
        regions = self._walk_regions(layers)
        if not regions:
            self._focus = None
            self.context.highlight(None)
            self.stage.setText(self.tr("no proposed regions left to review"))
            return None
        here = self._focus[0] if self._focus else None
        if step > 0:
            index = next((i for i, (key, _, _) in enumerate(regions) if here is None or key > here), 0)
        else:
            index = next((i for i in range(len(regions) - 1, -1, -1) if here is None or regions[i][0] < here),
                         len(regions) - 1)
        key, name, (x, y, w, h, px, py) = regions[index]
        self._focus = (key, name, (px, py))
        side = max(w, h, self.STEP_VIEW)
        self.context.use_tool("review")
        self.context.show_rect(x + w // 2 - side // 2, y + h // 2 - side // 2, side, side)
        self.context.highlight((x, y, w, h))  # and the canvas takes the keys
        (rx, ry), region = maskops.region_at(layers[name].data, px, py)  # this region alone
        confidence = self.region_confidence(name, region, rx, ry)
        # the regions left shrink as they are decided: say so, and how many are decided
        self.stage.setText(self.tr("region %1 of %2 left (%6 decided): %3, %4 px, confidence %5 — Enter "
                                   "accepts, Backspace rejects, period skips")
                           .replace("%1", str(index + 1)).replace("%2", str(len(regions)))
                           .replace("%3", self.class_label(name)).replace("%4", f"{int(region.sum()):,}")
                           .replace("%5", "—" if confidence is None else f"{confidence:.2f}")
                           .replace("%6", str(self.decided_regions())))
        return name, (x, y, w, h)

    def decided_regions(self) -> int:
        """Regions accepted or rejected since the last detection (kept in the project)."""
        if self.doc is None or not self.doc.detections:
            return 0
        return sum(int(counts.get("accepted_regions", 0)) + int(counts.get("rejected_regions", 0))
                   for counts in self.doc.detections[-1].get("classes", {}).values())

    def decide_shown(self, accept: bool):
        """Accept or reject the region :meth:`step_region` shows (of its own class, where
        classes overlap), then show the next one."""
        if self._focus is not None:
            _, name, (px, py) = self._focus
            layer = self.proposal_layers().get(name)
            if layer is not None and layer.data[py, px] >= 128:
                self._review_region(name, layer, px, py, accept)
        return self.step_region(1)

    def review_lasso(self, points, accept: bool) -> int:
        """Accept or reject, whole, every proposed region the lasso ``points`` (image x, y)
        reaches into, of every class: one undo step. Returns the regions decided."""
        found = [(name, layer, maskops.regions_in_lasso(layer.data, points))
                 for name, layer in self.proposal_layers().items()]
        found = [(name, layer, hit) for name, layer, hit in found if hit is not None]
        if not found:
            return 0
        regions, pixels = 0, 0
        with self._decision(self.tr("Accept regions") if accept else self.tr("Reject regions")):
            for name, layer, ((x0, y0), region) in found:
                maskops.review_pixels(self.doc, layer, x0, y0, region, accept,
                                      self.accepted_layer(self.class_of(layer)) if accept else None)
                count = maskops.region_count(region)
                self._record_decision(layer, x0, y0, region, accept, regions=count)
                regions += count
                pixels += int(region.sum())
        self.context.highlight(None)
        self.stage.setText((self.tr("accepted %1 regions (%2 px)") if accept else self.tr("rejected %1 regions (%2 px)"))
                           .replace("%1", f"{regions:,}").replace("%2", f"{pixels:,}"))
        self.refresh()
        return regions

    def _record_decision(self, layer, x0: int, y0: int, region: np.ndarray, accept: bool,
                         regions: int | None = None) -> None:
        """Keep a decision on ``region`` of the proposals ``layer`` in the document, in the
        decision's undo step: a rejection so that neither a re-threshold nor a new detection
        proposes it again, and both in the counts of the condition report."""
        name = self.class_of(layer)  # its class, also for a second proposals layer of it
        if not accept:
            self.doc.reject_pixels(name, x0, y0, region)
        if regions is None:
            regions = maskops.region_count(region)
        self.doc.count_review(name, accept, regions, int(np.count_nonzero(region)))

    def on_layer_pixels(self, layer) -> None:
        """Window hook: a layer's pixels changed. A proposals layer changed by anything but a
        review decision here (undo, redo) makes the walk afresh (what was rejected follows undo
        and redo by itself: ``Document.reject_pixels``)."""
        if self._deciding or not any(mine is layer for mine in self.proposal_layers().values()):
            return
        self._proposals_changed()

    def accept_all_asked(self) -> int:
        """*Accept all*, after asking: every proposal becomes damage unseen, and on real walls
        most proposals are not damage (a restoration of them erases original paint)."""
        layers = self.proposal_layers()
        counts = {key: 0 for key in layers}
        for _, key, _ in self._walk_regions(layers):  # labelled ahead, when the proposals changed
            counts[key] += 1
        regions = sum(counts.values())
        if not regions:
            return 0
        text = self.tr("Accept all %1 proposed regions as damage without looking at each? On the real "
                       "walls of our validation caves under a third of the default detector's proposals "
                       "are damage; Next region walks through them one by one.").replace("%1", f"{regions:,}")
        answer = QMessageBox.question(self, self.tr("Accept all proposals"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return self.review_all(True, counts) if answer == QMessageBox.StandardButton.Yes else 0

    def review_all(self, accept: bool, counts: dict | None = None) -> int:
        """Accept or reject every proposed region (one undo step); ``counts``: the regions of each
        proposals layer, when already counted (labelling a 100-Mpx layer twice took seconds)."""
        total = 0
        with busy_cursor(), self._decision(self.tr("Accept all proposals") if accept else self.tr("Reject all proposals")):
            for key, layer in self.proposal_layers().items():
                proposed = layer.data >= 128
                if not proposed.any():  # no empty "accepted" layer for a class with nothing proposed
                    continue
                self._record_decision(layer, 0, 0, proposed, accept, regions=(counts or {}).get(key))
                total += maskops.review_all(self.doc, layer, accept,
                                            self.accepted_layer(self.class_of(layer)) if accept else None)
        self.context.highlight(None)
        self.refresh()
        return total

    def confidence_text(self, x: int, y: int) -> str:
        """The detector's probability of each class at (x, y), for the status bar."""
        if self.result is None or self.result_doc is not self.doc:
            return ""
        return "  ".join(f"{self.class_label(name)} {probability[y, x] / 255:.2f}"
                         for name, probability in self.result.probabilities.items()
                         if probability[y, x] >= 13)  # ≥ 5 %

    def known_probabilities(self) -> dict:
        """The detector's probability maps of this document: the last detection's, or those
        kept with the project reopened ({} when none)."""
        if self.doc is None:
            return {}
        if self.result is not None and self.result_doc is self.doc:
            return self.result.probabilities
        return self.doc.detection_probabilities

    def known_thresholds(self) -> dict:
        """The threshold each class was proposed at: the dock's own for the last detection,
        else the one recorded with the document's detection."""
        probabilities = self.known_probabilities()
        if self.result is not None and self.result_doc is self.doc:
            return {name: self.class_threshold(name) for name in probabilities}
        recorded = self.doc.detections[-1]["classes"] if self.doc is not None and self.doc.detections else {}
        return {name: float(recorded.get(name, {}).get("threshold", 0.5)) for name in probabilities}

    def region_confidence(self, name: str, region: np.ndarray, x0: int = 0, y0: int = 0) -> float | None:
        """Mean probability of class ``name`` over ``region``, a bool window at (x0, y0) (None
        when no probability map of the class is known)."""
        probabilities = self.known_probabilities()
        if name not in probabilities:
            return None
        values = probabilities[name][y0:y0 + region.shape[0], x0:x0 + region.shape[1]][region]
        return float(values.mean()) / 255 if values.size else None

    def run(self) -> Job | None:
        self.suggest_min_area(running=True)
        doc, name, device, window = self.doc, self.engine.currentData(), self.device, self.window_size
        params = self.settings_form.values()
        server = self.compute_server
        typed, sensitivity, min_area = self.threshold.value(), self.sensitivity.value(), self.min_area.value()

        def work(progress, cancelled):
            if server:
                from muralstudio.ops import remote

                payload = remote.image_job(doc.source, name, device, params, window=window)
                result = remote.run_remote(server, "detect", payload, progress, cancelled)
            else:
                progress(0.0, Text("stage_loading_model"))
                from muralstudio.engines import registry as engines
                from muralstudio.engines.cache import warm, weights_identity

                weights = getattr(engines.get("detector", name), "weights_name", None)
                detector = warm("detector", name, device, params,
                                lambda: detection.create(name, device=device, **params),
                                weights_identity(weights) if weights else ())
                result = detection.detect(doc.source, detector, window=window, overlap=16,
                                          progress=progress, cancelled=cancelled)
            # the proposals at the dock's threshold, labelled here: on a 108-Mpx image that took
            # 1.4 s on the window's thread when the job ended
            labelled = {}
            for cls in result.probabilities:
                threshold = moved_threshold(typed or result.thresholds.get(cls, 0.5), sensitivity)
                labelled[cls] = (threshold, min_area,
                                 maskops.regions_of_at_least(result.mask(cls, threshold), min_area))
            return result, labelled

        def done(outcome):
            result, labelled = outcome
            if self.doc is doc:
                # a detection again on the same document writes into its proposals layers (one
                # per class, also those of a project reopened) and keeps what was rejected there
                self.layers = self.proposal_layers()
                self.result, self.result_doc = result, doc
                doc.detection_probabilities = dict(result.probabilities)  # kept with the project
                self._focus = None  # a new walk starts at the top
                self.context.highlight(None)
                self._run = (uuid.uuid4().hex, time.strftime("%Y-%m-%d %H:%M"), dict(params))
                self.update_layers(labelled)
                self._hint_scale(name, params, doc, labelled)

        return self.submit(Job(self.tr("Detect (%1)").replace("%1", name), work, done))

    def _hint_scale(self, engine: str, params: dict, doc, labelled: dict) -> None:
        """A large photograph detected at scale 1 with almost nothing proposed: say which
        working scale to try (the detector knows flakes as they look at ~500 px a wall)."""
        proposed = sum(int(np.count_nonzero(made[2][0])) for made in labelled.values())
        hint = detection.scale_hint(engine, params, doc.width, doc.height, proposed / (doc.width * doc.height))
        if hint is not None:
            self.stage.setText(self.stage.text() + " " + self.tr(
                "Little was proposed: if this photograph shows the wall in more detail than the "
                "~500-px murals the detector learned from, set Working scale (about %1) and detect again.")
                .replace("%1", f"{hint:g}"))

    def _relabel_in_background(self) -> None:
        """The proposals at the slider's thresholds, labelled on the dock's thread (0.7 s per
        move on the window's thread at 108 Mpx); the newest request's result is applied."""
        if self.result is None or self.result_doc is not self.doc:
            return
        self._relabel_generation += 1
        generation, result, min_area = self._relabel_generation, self.result, self.min_area.value()
        thresholds = {name: self.class_threshold(name) for name in result.probabilities}

        def work():
            try:
                return {name: (threshold, min_area,
                               maskops.regions_of_at_least(result.mask(name, threshold), min_area))
                        for name, threshold in thresholds.items()}
            except Exception:  # noqa: BLE001 — update_layers then labels on the window's thread
                return None

        def deliver(future):
            try:
                self.relabelled.emit(generation, result, future.result())  # queued to the window's thread
            except RuntimeError:  # the dock was closed meanwhile
                pass

        self._walk_pool.submit(work).add_done_callback(deliver)

    def _relabel_done(self, generation: int, result, labelled) -> None:
        if generation == self._relabel_generation and result is self.result and self.result_doc is self.doc:
            self.update_layers(labelled, self.tr("Re-threshold proposals"))

    def update_layers(self, labelled: dict | None = None, action: str | None = None) -> None:
        """(Re)make one proposals layer per damage class from the kept probabilities, leaving
        out what the user already accepted or rejected: one undo step. The user's own layers
        are never written. ``labelled``: class → (threshold, minimum area, (mask, regions)) made
        on the detection's thread, used where threshold and area are still those."""
        if self.result is None or self.result_doc is not self.doc:
            return
        doc, min_area = self.doc, self.min_area.value()
        counts, record = [], {}
        self._updating = True
        try:
            with doc.action(action or self.tr("Detect damage")):
                for name in self.result.probabilities:
                    # what the detector proposes at this threshold, decided or not (the report's count)
                    made = (labelled or {}).get(name)
                    if made is not None and made[:2] == (self.class_threshold(name), min_area):
                        mask, regions = made[2]
                    else:
                        mask, regions = maskops.regions_of_at_least(
                            self.result.mask(name, self.class_threshold(name)), min_area)
                    record[name] = {"threshold": round(self.class_threshold(name), 4), "min_area": min_area,
                                    "proposed_regions": regions, "proposed_pixels": int(np.count_nonzero(mask))}
                    if name in doc.rejected:
                        np.greater(mask, doc.rejected[name], out=mask)  # mask and not rejected, one pass
                    for layer in self.accepted_layers(name):
                        mask &= layer.data < 128
                    data = mask.view(np.uint8) * np.uint8(255)
                    layer = self.proposal_layers().get(name)
                    if layer is None and not mask.any():
                        # nothing proposed of this class (flecks-vetted never proposes cracks): no
                        # empty layer until a lower threshold proposes some
                        counts.append(f"{self.class_label(name)} —")
                        continue
                    if layer is not None:
                        doc.set_layer_data(layer, data, f"Detect {name}")
                    else:
                        self.layers[name] = doc.new_mask_layer(
                            self.proposals_name(name), data,
                            color=maskops.PROPOSAL_COLORS.get(name), proposed=True, damage_class=name)
                    counts.append(f"{self.class_label(name)} {np.count_nonzero(mask) / mask.size:.1%}")
                for name in detection.DAMAGE_CLASSES[1:]:  # a class this engine does not look for is no zero
                    if name not in self.result.probabilities:
                        counts.append(self.tr("%1 not assessed").replace("%1", self.class_label(name)))
                run, when, settings = self._run
                doc.record_detection(run, self.result.engine, self.result.weights_sha256, when, record, settings)
        finally:
            self._updating = False
        self._proposals_changed()  # new proposals: the review walk is made afresh
        self.stage.setText(self.tr("proposed %1 — review the regions (V): left click accepts, right "
                                   "click rejects").replace("%1", ", ".join(counts)))
        self.refresh()
