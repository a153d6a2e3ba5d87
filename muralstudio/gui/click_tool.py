"""The click-segment tool: positive/negative clicks → preview region → add to / subtract from
the target mask layer. Predictions run on the job runner; clicks made while one runs are
coalesced into the next prediction, so the window never waits on the engine."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from muralstudio.core.messages import Text
from muralstudio.engines import segmentation
from muralstudio.engines.segmentation import Click, Prediction
from muralstudio.gui.jobs import Job, JobRunner


class ClickSegmentTool(QObject):
    #: "idle", "preparing" (first prediction of a session: the engine encodes the image),
    #: "predicting" or "ready"
    state_changed = Signal(str)

    def __init__(self, window, runner: JobRunner):
        super().__init__(window)
        self.window = window
        self.runner = runner
        self.engine = segmentation.default_engine()
        self.device = "cpu"
        self.clicks: list[Click] = []
        self.prediction: Prediction | None = None
        self.last_committed = None  # (document, x, y, mask) of the last region added
        self.state = "idle"
        self._session = None
        self._session_key = None
        self._job: Job | None = None
        self._stale = False  # clicks changed while a prediction was running
        canvas = window.view
        canvas.click_added.connect(self.add_click)
        canvas.click_removed.connect(self.remove_last_click)
        canvas.click_committed.connect(self.commit)
        canvas.click_discarded.connect(self.discard)
        runner.job_finished.connect(self._finished)

    @property
    def doc(self):
        return self.window.doc

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    def set_engine(self, name: str) -> None:
        if name != self.engine:
            self.engine = name  # the session key changes: the next prediction makes a new session
            if self.clicks:
                self._request()

    # clicks ------------------------------------------------------------------------------
    def add_click(self, x: float, y: float, positive: bool = True) -> None:
        doc = self.doc
        if doc is None or not (0 <= x < doc.width and 0 <= y < doc.height):
            return
        if not self.clicks and not positive:
            self.window.statusBar().showMessage(self.tr("Start a region with a positive (left) click."), 4000)
            return
        self.clicks.append(Click(float(x), float(y), positive))
        self._show()
        self._request()

    def remove_last_click(self) -> None:
        if not self.clicks:
            return
        self.clicks.pop()
        if not self.clicks:
            self.discard()
            return
        self._request()

    def discard(self) -> None:
        self.clicks, self.prediction = [], None
        self._stale = False
        self._show()
        self._set_state("idle")

    def commit(self, subtract: bool = False) -> bool:
        """Add (or subtract) the previewed region to the target mask layer: one undo step."""
        if self.prediction is None or self._job is not None or self._stale:
            if self.clicks:
                self.window.statusBar().showMessage(self.tr("The region is still being computed."), 3000)
            return False
        layer = self.window.target_mask_layer()
        if layer.locked:
            self.window.show_error(self.tr("Layer '%1' is locked.").replace("%1", layer.name))
            return False
        p = self.prediction
        self.last_committed = None if subtract else (self.doc, p.x, p.y, p.mask.copy())  # R restores it
        value = np.uint8(0 if subtract else 255)
        self.doc.write_pixels(layer, p.x, p.y, np.full(p.mask.shape, value, np.uint8), where=p.mask,
                              action=self.tr("Click region (subtract)") if subtract else self.tr("Click region"))
        self.discard()
        return True

    # prediction --------------------------------------------------------------------------
    def _request(self) -> None:
        if self._job is not None:
            self._stale = True
            return
        doc, clicks, previous = self.doc, list(self.clicks), self.prediction
        key = (id(doc), self.engine, self.device)
        first = self._session_key != key  # a new document, engine or device: a new session
        engine, device = self.engine, self.device

        def work(progress, cancelled):
            session = None if first else self._session
            if session is None:
                progress(0.0, Text("stage_preparing"))
                session = segmentation.create(engine, device=device, **segmentation.damage_settings(engine)).session(doc.source)
            progress(0.5, Text("stage_predicting"))
            return session, session.predict(clicks, previous)

        def done(result):
            session, prediction = result
            if self.doc is not doc:
                return
            self._session, self._session_key = session, key
            if clicks == self.clicks:
                self.prediction = prediction
                self._show()

        self._job = self.runner.submit(Job(self.tr("Segment (%1)").replace("%1", engine), work, done))
        self._set_state("preparing" if first else "predicting")

    def _finished(self, job: Job) -> None:
        if job is not self._job:
            return
        self._job = None
        if job.state == "failed":
            self.window.show_error(job.error)
        if self._stale and self.clicks:
            self._stale = False
            self._request()
        elif self.clicks:
            self._set_state("ready")

    def _show(self) -> None:
        preview = None
        if self.prediction is not None and self.clicks:
            preview = (self.prediction.x, self.prediction.y, self.prediction.mask)
        self.window.view.set_click_state([(c.x, c.y, c.positive) for c in self.clicks], preview)
