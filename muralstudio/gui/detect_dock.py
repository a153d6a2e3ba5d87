"""Detect dock: run a damage detector on the job runner and turn its probability maps into
reviewable mask layers ("craquelure", "paint loss"). Changing the threshold or minimum area
re-makes the layers from the kept probabilities without running the network again."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from muralstudio.core.document import MaskLayer
from muralstudio.engines import detection, registry
from muralstudio.gui.job_panel import JobPanel
from muralstudio.gui.jobs import Job, JobRunner

#: overlay colours of the detected classes
CLASS_COLORS = {"craquelure": (255, 200, 0), "paint loss": (0, 200, 255)}


class DetectDock(JobPanel):
    def __init__(self, window, runner: JobRunner):
        super().__init__(window, runner)
        self.device = "cpu"
        self.window_size = 640  # processing tile side (Settings)
        self.result: detection.DetectionResult | None = None
        self.result_doc = None
        self.layers: dict[str, MaskLayer] = {}
        self.engine = QComboBox()
        for name in registry.available("detector"):
            self.engine.addItem(name, name)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 0.95)
        self.threshold.setSingleStep(0.05)
        self.threshold.setSpecialValueText(self.tr("calibrated"))  # 0 = the model's own per class
        self.threshold.setValue(0.0)
        self.min_area = QSpinBox()
        self.min_area.setRange(0, 100000)
        self.min_area.setValue(16)
        self.min_area.setSuffix(self.tr(" px"))
        self.run_button = QPushButton(self.tr("Detect damage"))
        self.update_button = QPushButton(self.tr("Update layers"))
        form = QFormLayout()
        form.addRow(self.tr("Engine"), self.engine)
        form.addRow(self.tr("Threshold"), self.threshold)
        form.addRow(self.tr("Minimum area"), self.min_area)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(self.update_button)
        layout.addStretch(1)
        self.run_button.clicked.connect(self.run)
        self.update_button.clicked.connect(self.update_layers)
        self.refresh()

    @property
    def doc(self):
        return self.window.doc

    def refresh(self) -> None:
        running = self.job is not None
        self.run_button.setEnabled(self.doc is not None and not running and self.engine.count() > 0)
        self.cancel_button.setEnabled(running)
        self.update_button.setEnabled(self.result is not None and self.result_doc is self.doc
                                      and not running)

    def run(self) -> Job | None:
        doc, name, device, window = self.doc, self.engine.currentData(), self.device, self.window_size

        def work(progress, cancelled):
            progress(0.0, "loading the model")
            detector = detection.create(name, device=device)
            return detection.detect(doc.source, detector, window=window, overlap=16,
                                    progress=progress, cancelled=cancelled)

        def done(result):
            if self.doc is doc:
                self.result, self.result_doc, self.layers = result, doc, {}
                self.update_layers()

        return self.submit(Job(self.tr("Detect (%1)").replace("%1", name), work, done))

    def update_layers(self) -> None:
        """(Re)make one mask layer per damage class from the kept probabilities: one undo step."""
        if self.result is None or self.result_doc is not self.doc:
            return
        doc, min_area = self.doc, self.min_area.value()
        threshold = self.threshold.value() or None
        counts = []
        with doc.action("Detect damage"):
            for name in self.result.probabilities:
                mask = self.result.mask(name, threshold, min_area)
                data = mask.astype(np.uint8) * 255
                layer = self.layers.get(name)
                if layer is not None and any(existing is layer for existing in doc.layers):
                    doc.set_layer_data(layer, data, f"Detect {name}")
                else:
                    self.layers[name] = doc.new_mask_layer(name, data, color=CLASS_COLORS.get(name))
                counts.append(f"{name}: {mask.mean():.1%}")
        self.stage.setText(self.tr("found %1 — review the layers, then merge them into the "
                                   "working mask").replace("%1", ", ".join(counts)))
        self.refresh()
