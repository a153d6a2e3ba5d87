"""Background jobs: engine calls run on one worker QThread, one at a time, others queued.

A job's function is called as ``fn(progress, cancelled)``: ``progress(fraction, stage)``
reports (thread-safe, delivered to the GUI through a queued signal) and ``cancelled()`` is the
checkpoint the engine polls; when it turns true the engine raises ``Cancelled`` and the job
ends without calling ``on_done``, so nothing in the document changes. Results and errors are
handed back on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from muralstudio.core.errors import Cancelled

log = logging.getLogger(__name__)
_ids = itertools.count(1)


@dataclass(eq=False)
class Job:
    name: str
    fn: Callable[[Callable[[float, str], None], Callable[[], bool]], Any]
    on_done: Callable[[Any], None] | None = None
    uid: int = field(default_factory=lambda: next(_ids))
    state: str = "queued"  # queued, running, done, failed, cancelled
    fraction: float = 0.0
    stage: str = ""
    error: str = ""
    cancel_event: threading.Event = field(default_factory=threading.Event)


class _Worker(QObject):
    progressed = Signal(object, float, str)
    finished = Signal(object, object)  # job, result
    failed = Signal(object, str, str)  # job, message, traceback
    was_cancelled = Signal(object)

    #: Seconds between progress signals: engines may report far more often than a person can
    #: read, and every signal is an event for the GUI thread.
    PROGRESS_INTERVAL = 0.05

    @Slot(object)
    def run(self, job: Job) -> None:
        last = [0.0, ""]

        def progress(fraction: float, stage: str = "") -> None:
            now = time.monotonic()
            if now - last[0] >= self.PROGRESS_INTERVAL or stage != last[1] or fraction >= 1.0:
                last[0], last[1] = now, stage
                self.progressed.emit(job, float(fraction), stage)

        try:
            result = job.fn(progress, job.cancel_event.is_set)
        except Cancelled:
            self.was_cancelled.emit(job)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the user
            self.failed.emit(job, f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc),
                             traceback.format_exc())
        else:
            if job.cancel_event.is_set():
                self.was_cancelled.emit(job)
            else:
                self.finished.emit(job, result)


class JobRunner(QObject):
    """Queue of jobs executed one at a time on a worker thread."""

    job_started = Signal(object)
    job_progress = Signal(object)
    job_finished = Signal(object)  # any end state: done, failed, cancelled
    job_failed = Signal(object, str)  # job, message (traceback already logged)
    queue_changed = Signal()
    _run = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread = QThread(self)
        self.thread.setObjectName("muralstudio-jobs")
        self.worker = _Worker()
        self.worker.moveToThread(self.thread)
        self._run.connect(self.worker.run)
        self.worker.progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.was_cancelled.connect(self._on_cancelled)
        self.thread.start()
        self.queue: deque[Job] = deque()
        self.current: Job | None = None

    def submit(self, job: Job) -> Job:
        self.queue.append(job)
        self.queue_changed.emit()
        self._next()
        return job

    def jobs(self) -> list[Job]:
        return ([self.current] if self.current else []) + list(self.queue)

    def cancel(self, job: Job | None = None) -> None:
        """Cancel ``job`` (default: the running one). Queued jobs are dropped at once."""
        job = job or self.current
        if job is None:
            return
        job.cancel_event.set()
        if job in self.queue:
            self.queue.remove(job)
            job.state = "cancelled"
            self.job_finished.emit(job)
            self.queue_changed.emit()

    def _next(self) -> None:
        if self.current is not None or not self.queue:
            return
        self.current = self.queue.popleft()
        self.current.state = "running"
        self.job_started.emit(self.current)
        self.queue_changed.emit()
        self._run.emit(self.current)

    def _end(self, job: Job, state: str) -> None:
        job.state = state
        self.current = None
        self.job_finished.emit(job)
        self.queue_changed.emit()
        self._next()

    def _on_progress(self, job: Job, fraction: float, stage: str) -> None:
        job.fraction, job.stage = fraction, stage
        self.job_progress.emit(job)

    def _on_finished(self, job: Job, result) -> None:
        try:
            if job.on_done:
                job.on_done(result)
        except Exception as exc:  # noqa: BLE001
            log.error("job %s: applying the result failed\n%s", job.name, traceback.format_exc())
            job.error = str(exc)
            self.job_failed.emit(job, job.error)
            self._end(job, "failed")
            return
        self._end(job, "done")

    def _on_failed(self, job: Job, message: str, trace: str) -> None:
        log.error("job %s failed\n%s", job.name, trace)
        job.error = message
        self.job_failed.emit(job, message)
        self._end(job, "failed")

    def _on_cancelled(self, job: Job) -> None:
        self._end(job, "cancelled")

    def shutdown(self, finishing=None) -> None:
        """Cancel everything and stop the worker thread (call before the window closes). Waits
        until the running step reaches a cancel checkpoint however long that takes — a thread
        destroyed while running aborts the process — keeping the window painted meanwhile;
        ``finishing(job)`` is called once when the wait is longer than a moment."""
        from PySide6.QtCore import QCoreApplication

        for job in list(self.queue):
            self.cancel(job)
        running = self.current
        if running:
            running.cancel_event.set()
        self.thread.quit()
        told = False
        while not self.thread.wait(100):
            if finishing and running and not told:
                finishing(running)
                told = True
            QCoreApplication.processEvents()
