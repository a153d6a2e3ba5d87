"""Inpaint dock: choose engine and options, run on the job runner, then apply or discard the
proposal. The algorithm is ``muralstudio.engines.inpainting``; this widget only wires it up."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from muralstudio.core.document import MaskLayer, RestorationLayer
from muralstudio.engines import inpainting, registry
from muralstudio.gui.job_panel import JobPanel
from muralstudio.gui.jobs import Job, JobRunner

ALL_VISIBLE = "__all_visible__"


class InpaintDock(JobPanel):
    def __init__(self, window, runner: JobRunner):
        super().__init__(window, runner)
        self.device = "cpu"
        self.engine = QComboBox()
        for name in registry.available("inpainter"):
            self.engine.addItem(name, name)
        self.engine.setCurrentIndex(max(0, self.engine.findData("patchmatch")))
        self.mask_source = QComboBox()
        self.context = QDoubleSpinBox()
        self.context.setRange(0.25, 4.0)
        self.context.setSingleStep(0.25)
        self.context.setValue(1.0)
        self.color_match = QCheckBox(self.tr("Match colour to the surroundings"))
        self.run_button = QPushButton(self.tr("Restore"))
        self.apply_button = QPushButton(self.tr("Apply"))
        self.discard_button = QPushButton(self.tr("Discard"))
        form = QFormLayout()
        form.addRow(self.tr("Engine"), self.engine)
        form.addRow(self.tr("Damage mask"), self.mask_source)
        form.addRow(self.tr("Context (× hole size)"), self.context)
        form.addRow(self.color_match)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        proposal_row = QHBoxLayout()
        proposal_row.addWidget(self.apply_button)
        proposal_row.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(QLabel(self.tr("Proposal")))
        layout.addLayout(proposal_row)
        layout.addStretch(1)
        self.run_button.clicked.connect(self.run)
        self.apply_button.clicked.connect(self.apply)
        self.discard_button.clicked.connect(self.discard)
        self.refresh()

    # state -------------------------------------------------------------------------------
    @property
    def doc(self):
        return self.window.doc

    def pending_layer(self) -> RestorationLayer | None:
        for layer in reversed(self.doc.layers if self.doc else []):
            if isinstance(layer, RestorationLayer) and layer.pending:
                return layer
        return None

    def refresh(self) -> None:
        current = self.mask_source.currentData()
        self.mask_source.blockSignals(True)
        self.mask_source.clear()
        self.mask_source.addItem(self.tr("All visible mask layers"), ALL_VISIBLE)
        for layer in self.doc.layers if self.doc else []:
            if isinstance(layer, MaskLayer):
                self.mask_source.addItem(layer.name, layer.uid)
        index = self.mask_source.findData(current)
        self.mask_source.setCurrentIndex(max(0, index))
        self.mask_source.blockSignals(False)
        running = self.job is not None
        self.run_button.setEnabled(self.doc is not None and not running)
        self.cancel_button.setEnabled(running)
        pending = self.pending_layer() is not None
        self.apply_button.setEnabled(pending and not running)
        self.discard_button.setEnabled(pending and not running)

    def selected_mask(self) -> np.ndarray:
        choice = self.mask_source.currentData()
        hole = np.zeros((self.doc.height, self.doc.width), bool)
        for layer in self.doc.layers:
            if isinstance(layer, MaskLayer) and (layer.uid == choice or (choice == ALL_VISIBLE and layer.visible)):
                hole |= layer.data >= 128
        return hole

    # actions -----------------------------------------------------------------------------
    def options(self) -> inpainting.InpaintOptions:
        engine = self.engine.currentData()
        devices = registry.get("inpainter", engine).capabilities.devices
        return inpainting.InpaintOptions(engine=engine, context=self.context.value(),
                                         device=self.device if self.device in devices else "cpu",
                                         color_match=self.color_match.isChecked())

    def run(self) -> Job | None:
        hole = self.selected_mask()
        if not hole.any():
            self.window.show_error(self.tr("The chosen mask is empty: paint or detect damage first."))
            return None
        doc, options = self.doc, self.options()

        def work(progress, cancelled):
            progress(0.0, "hashing the source")  # recorded with the restoration; cached
            return inpainting.inpaint(doc.source, hole, options, progress=progress,
                                      cancelled=cancelled, source_sha256=doc.source_sha256())

        def done(result):
            if self.doc is doc:  # the user may have opened another document meanwhile
                doc.add_restoration(result.patches, result.record)

        return self.submit(Job(self.tr("Inpaint (%1)").replace("%1", options.engine), work, done))

    def apply(self) -> None:
        layer = self.pending_layer()
        if layer:
            self.doc.apply_restoration(layer)
            self.refresh()

    def discard(self) -> None:
        layer = self.pending_layer()
        if layer:
            self.doc.remove_layer(layer)
            self.refresh()

    def done_text(self) -> str:
        return self.tr("done: review the proposal, then Apply or Discard")
