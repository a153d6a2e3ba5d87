"""Inpaint dock: choose engine and options, run on the job runner, then apply or discard the
proposal. The algorithm is ``muralstudio.engines.inpainting``; this widget only wires it up."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QMessageBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from muralstudio.core.errors import Cancelled
from muralstudio.core.messages import Text
from muralstudio.core.document import MaskLayer, RestorationLayer
from muralstudio.engines.settings import schema_of
from muralstudio.gui.settings_form import SettingsForm
from muralstudio.engines import detection, inpainting, registry
from muralstudio.gui.canvas import patch_image
from muralstudio.ops.inpaint import DEFAULT_GROW_PX
from muralstudio.gui.job_panel import JobPanel
from muralstudio.gui.jobs import Job

ALL_VISIBLE = "__all_visible__"
NO_LAYER = "__none__"
GUIDE_BRUSH_PX = 3


class InpaintDock(JobPanel):
    def __init__(self, context):
        super().__init__(context)
        self.device = "cpu"
        self.compute_server = ""  # a Dask scheduler address from Settings → Compute, or local
        self.engine = QComboBox()
        for name in registry.available("inpainter"):
            self.engine.addItem(name, name)
        self.engine.setCurrentIndex(max(0, self.engine.findData(inpainting.default_engine())))
        self.mask_source = QComboBox()
        self.context_margin = QDoubleSpinBox()  # the harness's context around each region
        self.context_margin.setRange(0.25, 4.0)
        self.context_margin.setSingleStep(0.25)
        self.context_margin.setValue(1.0)
        self.grow = QSpinBox()  # the damage mask grown before filling, as the command line does
        self.grow.setRange(0, 64)
        self.grow.setValue(DEFAULT_GROW_PX)
        self.grow.setSuffix(self.tr(" px"))
        self.grow.setToolTip(self.tr(
            "Grow the damage mask by this much before filling: a flake's pale rim left outside its "
            "mask comes back as a pale ghost in the fill. The grown mask is what is restored and "
            "recorded; 0 keeps to the mask exactly."))
        self.color_match = QCheckBox(self.tr("Match colour to the surroundings"))
        self.settings_form = SettingsForm()  # the chosen engine's own settings, from its schema
        # hints: mask layers the user drew; engines that cannot use them leave them disabled
        self.guide_source = QComboBox()
        self.guide_source.setToolTip(self.tr(
            "A mask layer of contour lines drawn inside the damage: the fill continues them "
            "(edgeconnect, fourier)"))
        self.draw_guide_button = QPushButton(self.tr("Draw guide lines"))
        self.draw_guide_button.setToolTip(self.tr(
            "Adds a guide-line layer and picks a thin brush: draw the missing contours across the loss"))
        self.sample_source = QComboBox()
        self.sample_source.setToolTip(self.tr(
            "A mask layer marking where texture may be copied from (patchmatch)"))
        self.run_button = QPushButton(self.tr("Restore"))
        self.apply_button = QPushButton(self.tr("Apply"))
        self.discard_button = QPushButton(self.tr("Discard"))
        # what to restore, the buttons and the proposal's Apply / Discard first, the engine's
        # settings below them: PatchMatch's settings pushed Apply below a laptop screen's edge
        form = QFormLayout()
        form.addRow(self.tr("Engine"), self.engine)
        form.addRow(self.tr("Damage mask"), self.mask_source)
        settings = QFormLayout()
        settings.addRow(self.tr("Grow mask by"), self.grow)
        settings.addRow(self.tr("Context (× hole size)"), self.context_margin)
        settings.addRow(self.color_match)
        settings.addRow(self.settings_form)
        guide_row = QHBoxLayout()
        guide_row.addWidget(self.guide_source, 1)
        guide_row.addWidget(self.draw_guide_button)
        settings.addRow(self.tr("Guide lines"), guide_row)
        settings.addRow(self.tr("Sample from"), self.sample_source)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        proposal_row = QHBoxLayout()
        proposal_row.addWidget(QLabel(self.tr("Proposal")))
        proposal_row.addWidget(self.apply_button)
        proposal_row.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addLayout(proposal_row)
        heading = QLabel(self.tr("Settings"))
        heading.setStyleSheet("font-weight: bold; margin-top: 6px")
        layout.addWidget(heading)
        layout.addLayout(settings)
        layout.addStretch(1)
        self.run_button.clicked.connect(self.run)
        self.apply_button.clicked.connect(self.apply)
        self.discard_button.clicked.connect(self.discard)
        self.draw_guide_button.clicked.connect(self.draw_guide_lines)
        self.engine.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh()

    # state -------------------------------------------------------------------------------
    @property
    def doc(self):
        return self.context.doc

    def pending_layer(self) -> RestorationLayer | None:
        for layer in reversed(self.doc.layers if self.doc else []):
            if isinstance(layer, RestorationLayer) and layer.pending:
                return layer
        return None

    def _fill_layers(self, combo: QComboBox, first: str, first_data: str) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(first, first_data)
        for layer in self.doc.layers if self.doc else []:
            if isinstance(layer, MaskLayer) and layer.marks_damage:  # proposals are not damage yet
                combo.addItem(layer.name, layer.uid)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def engine_hints(self) -> tuple[str, ...]:
        return registry.get("inpainter", self.engine.currentData()).capabilities.hints

    # window hooks (gui/dock_registry.py) ----------------------------------------------------
    def on_layers_changed(self) -> None:
        self.refresh()

    def apply_settings(self, settings) -> None:
        self.device = settings.get("device")
        self.compute_server = settings.get("compute_server")

    def refresh(self) -> None:
        self._fill_layers(self.mask_source, self.tr("All visible mask layers"), ALL_VISIBLE)
        self._fill_layers(self.guide_source, self.tr("None"), NO_LAYER)
        self._fill_layers(self.sample_source, self.tr("Anywhere around the loss"), NO_LAYER)
        hints = self.engine_hints()
        self.guide_source.setEnabled("guide" in hints)
        self.draw_guide_button.setEnabled("guide" in hints and self.doc is not None)
        self.sample_source.setEnabled("sample_area" in hints)
        engine = self.engine.currentData()
        if engine and getattr(self.settings_form, "engine", None) != engine:
            self.settings_form.set_schema(schema_of(registry.get("inpainter", engine)))
            self.settings_form.engine = engine
        running = self.job is not None
        self.run_button.setEnabled(self.doc is not None and not running)
        self.cancel_button.setEnabled(running)
        pending = self.pending_layer() is not None
        self.apply_button.setEnabled(pending and not running)
        self.discard_button.setEnabled(pending and not running)

    def hint_layers(self) -> dict[str, MaskLayer]:
        """The mask layers chosen as hints the current engine takes."""
        chosen = {}
        for name, combo in (("guide", self.guide_source), ("sample_area", self.sample_source)):
            uid = combo.currentData()
            layer = next((l for l in self.doc.layers if l.uid == uid), None) if self.doc else None
            if isinstance(layer, MaskLayer) and name in self.engine_hints():
                chosen[name] = layer
        return chosen

    def selected_mask(self) -> np.ndarray:
        choice = self.mask_source.currentData()
        hints = {layer.uid for layer in self.hint_layers().values()}
        chosen = [layer for layer in self.doc.layers
                  # hints, unreviewed proposals and probability maps are not damage
                  if isinstance(layer, MaskLayer) and layer.uid not in hints and layer.marks_damage
                  and (layer.uid == choice or (choice == ALL_VISIBLE and layer.visible))]
        if not chosen:
            return np.zeros((self.doc.height, self.doc.width), bool)
        # two whole-image arrays at most, whatever the number of layers: on the window's thread
        # each fresh one costs its page faults (0.1 s per 108 Mpx)
        hole = np.greater_equal(chosen[0].data, 128)
        scratch = np.empty_like(hole) if len(chosen) > 1 else None
        for layer in chosen[1:]:
            hole |= np.greater_equal(layer.data, 128, out=scratch)
        return hole

    def draw_guide_lines(self) -> None:
        """A guide-line layer (reused if chosen already), selected, with a thin brush."""
        layer = self.hint_layers().get("guide")
        if layer is None:
            layer = self.doc.new_mask_layer(self.tr("guide lines"))
            self.refresh()
            self.guide_source.setCurrentIndex(self.guide_source.findData(layer.uid))
        self.context.select_layer(layer)
        self.context.set_brush_size(GUIDE_BRUSH_PX)
        self.context.use_tool("brush")

    # actions -----------------------------------------------------------------------------
    def options(self) -> inpainting.InpaintOptions:
        engine = self.engine.currentData()
        devices = registry.get("inpainter", engine).capabilities.devices
        params = self.settings_form.values()
        return inpainting.InpaintOptions(engine=engine, context=self.context_margin.value(), grow=self.grow.value(),
                                         device=self.device if self.device in devices else "cpu",
                                         color_match=self.color_match.isChecked(), engine_params=params)

    def run(self, hole: np.ndarray | None = None) -> Job | None:
        """Restore the chosen damage mask (or ``hole``, e.g. the click tool's last region)."""
        hole = self.selected_mask() if hole is None else hole
        if not hole.any():
            masks = [l for l in self.doc.layers if isinstance(l, MaskLayer) and l.area]
            proposed = any(l.proposed and l.visible for l in masks)
            hidden = any(l.marks_damage and not l.visible for l in masks)
            if proposed:
                message = self.tr("Only proposed damage is marked: accept its regions first (Detect "
                                  "dock, Review tool V), then restore.")
            elif hidden and self.mask_source.currentData() == ALL_VISIBLE:
                message = self.tr("The damage mask layers are hidden: tick one in Layers, or choose it "
                                  "under Damage mask (hidden layers are restored when chosen by name).")
            else:
                message = self.tr("The chosen mask is empty: paint or detect damage first.")
            self.context.show_error(message)
            return None
        chosen = self.hint_layers()
        hints = {name: layer.data >= 128 for name, layer in chosen.items()}
        empty = [layer.name for name, layer in chosen.items() if not hints[name].any()]
        if empty:  # before asking anything about the damage itself
            self.context.show_error(self.tr("The layer %1 chosen as a hint is empty.").replace("%1", empty[0]))
            return None
        probabilities, thresholds = self.known_detection()
        doc, options, runner = self.doc, self.options(), self.runner

        server = self.compute_server

        def work(progress, cancelled):
            progress(0.0, Text("stage_preparing"))
            # the check reads the image under the regions: here, not on the window's thread
            # (a stall the restore's 0.87-s gap at 108 Mpx was partly made of; longer from a
            # network drive); the question is asked there
            risks = detection.restoration_risks(doc.source, hole, probabilities, thresholds=thresholds)
            if risks and not runner.ask_owner(lambda: self.confirm_risks(risks), cancelled):
                raise Cancelled()
            progress(0.0, Text("stage_hashing_source"))  # recorded with the restoration; cached
            sha = doc.source_sha256(cancelled)
            if server:  # the crops travel, the server runs the same harness
                from muralstudio.ops import remote

                payload = remote.inpaint_payload(doc.source, hole, options, sha, hints)
                result = remote.run_remote(server, "inpaint", payload, progress, cancelled)
                result.record.server = server  # the record says where it was computed
            else:
                result = inpainting.inpaint(doc.source, hole, options, progress=progress,
                                            cancelled=cancelled, source_sha256=sha, hints=hints)
            if risks:  # restored after a warning: the record and the report say so
                result.record.confirmed_risks = [{"reason": r["reason"], "box": [int(v) for v in r["box"]],
                                                  "value": round(float(r["value"]), 3)} for r in risks]
            for patch in result.patches:  # the screen's images, made here and not on the window's thread
                patch.prepare_display(patch_image)
            return result

        def done(result):
            if self.doc is doc:  # the user may have opened another document meanwhile
                doc.add_restoration(result.patches, result.record,
                                    name=self.tr("restored (%1)").replace("%1", result.record.engine))

        return self.submit(Job(self.tr("Inpaint (%1)").replace("%1", options.engine), work, done))

    def known_detection(self) -> tuple[dict | None, dict | None]:
        """The last detection's probability maps and thresholds, or those kept with a project
        reopened (None, None without any)."""
        dock = self.context.dock("detect_dock")  # None in a window without the Detect dock
        probabilities = (dock.known_probabilities() if dock is not None else self.doc.detection_probabilities) or None
        thresholds = dock.known_thresholds() if dock is not None and probabilities else None
        return probabilities, thresholds

    def confirm_risks(self, risks: list[dict]) -> bool:
        """Ask before restoring regions the detector was unsure of or that are mostly dark
        paint (most often original linework, hair or robes, not loss): ``risks`` as
        :func:`muralstudio.engines.detection.restoration_risks` finds them."""
        unsure = sum(r["reason"] == "unsure" for r in risks)
        dark = sum(r["reason"] == "dark" for r in risks)
        first = risks[0]["box"]
        # one sentence per kind of risk there is, in the number it has
        reasons = []
        if unsure == 1:
            reasons.append(self.tr("One region to restore was proposed by the detector with low confidence."))
        elif unsure:
            reasons.append(self.tr("%1 regions to restore were proposed by the detector with low confidence.")
                           .replace("%1", str(unsure)))
        if dark == 1:
            reasons.append(self.tr("One region to restore is mostly dark paint, which is more often original "
                                   "linework, hair or robes than loss."))
        elif dark:
            reasons.append(self.tr("%1 regions to restore are mostly dark paint, which is more often original "
                                   "linework, hair or robes than loss.").replace("%1", str(dark)))
        text = " ".join(reasons) + " " + self.tr("The first is at x %1, y %2. Restore anyway?") \
            .replace("%1", str(first[0])).replace("%2", str(first[1]))
        answer = QMessageBox.question(self, self.tr("Check before restoring"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            self.context.center_on(first[0] + first[2] / 2, first[1] + first[3] / 2)
            return False
        return True

    def apply(self) -> None:
        layer = self.pending_layer()
        if layer:
            self.doc.apply_restoration(layer)
            self.clear_status()
            self.refresh()

    def discard(self) -> None:
        layer = self.pending_layer()
        if layer:
            self.doc.remove_layer(layer)
            self.clear_status()
            self.refresh()

    def done_text(self) -> str:
        return self.tr("done: review the proposal, then Apply or Discard")
