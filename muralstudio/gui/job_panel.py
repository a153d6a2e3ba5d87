"""Base of the docks that run one engine job at a time: Cancel button, progress bar, stage text,
and the cancelled / failed outcomes handled the same way everywhere."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QWidget

from muralstudio.gui.jobs import Job
from muralstudio.gui.messages import translate_message


class JobPanel(QWidget):
    def __init__(self, context):
        super().__init__(context.parent)
        self.context = context  # gui/context.py: what a dock may use of the window
        self.runner = runner = context.jobs
        self.job: Job | None = None
        self.started = 0.0
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(lambda: self.job and self.runner.cancel(self.job))
        self.progress = QProgressBar()
        self.stage = QLabel()
        self.stage.setWordWrap(True)
        runner.job_progress.connect(self._progress)
        runner.job_finished.connect(self._finished)

    def refresh(self) -> None:
        """Enable and disable controls; subclasses override."""

    def done_text(self) -> str | None:
        """Stage text after a successful job (None leaves what the result handler wrote)."""
        return None

    def clear_status(self) -> None:
        """Forget the last job's outcome (after Apply/Discard, on another document)."""
        if self.job is None:
            self.progress.setValue(0)
            self.stage.clear()

    @staticmethod
    def _clock(seconds: float) -> str:
        seconds = int(round(seconds))
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
            else f"{seconds // 60}:{seconds % 60:02d}"

    def timing_text(self, fraction: float, now: float | None = None) -> str:
        """"0:12 elapsed, about 0:20 left" (the estimate once a few percent are done)."""
        elapsed = (time.monotonic() if now is None else now) - self.started
        text = self.tr("%1 elapsed").replace("%1", self._clock(elapsed))
        if 0.03 <= fraction < 1 and elapsed >= 2:
            left = elapsed * (1 - fraction) / fraction
            text += self.tr(", about %1 left").replace("%1", self._clock(left))
        return text

    def submit(self, job: Job) -> Job:
        self.started = time.monotonic()
        self.job = self.runner.submit(job)
        self.progress.setValue(0)
        self.stage.setText(self.tr("queued"))
        self.refresh()
        return self.job

    def _progress(self, job: Job) -> None:
        if job is self.job:
            self.progress.setValue(int(job.fraction * 100))
            self.stage.setText(f"{translate_message(job.stage)} — {self.timing_text(job.fraction)}")

    def _finished(self, job: Job) -> None:
        if job is not self.job:
            return
        self.job = None
        if job.state == "done":
            self.progress.setValue(100)
            text = self.done_text()
            if text:
                self.stage.setText(text)
        elif job.state == "cancelled":
            self.stage.setText(self.tr("cancelled: nothing was changed"))
        else:
            self.stage.setText(self.tr("failed: %1").replace("%1", job.error))
            self.context.show_error(job.error)
        self.refresh()
