"""The window's job runner: the Qt-free :class:`muralstudio.ops.jobs.JobRunner` with its events
posted to the GUI thread and re-emitted as Qt signals. The one threading idiom for engine work
in the window (docks submit :class:`Job` objects here; none starts a thread of its own)."""

from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from muralstudio.ops import jobs as qt_free
from muralstudio.ops.jobs import Job  # noqa: F401 (the docks' import)


class JobRunner(QObject):
    """Queue of jobs executed one at a time on a worker thread; signals on the GUI thread."""

    job_started = Signal(object)
    job_progress = Signal(object)
    job_finished = Signal(object)  # any end state: done, failed, cancelled
    # messages travel as objects: a Text keeps its message id for translation
    job_failed = Signal(object, object)  # job, message (traceback already logged)
    queue_changed = Signal()
    _posted = Signal(object)  # a callable for the GUI thread (queued from the worker)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._held: list | None = None  # results kept while the document is being read elsewhere
        self._posted.connect(self._run_posted)
        self.runner = qt_free.JobRunner(deliver=self._posted.emit)
        self.runner.subscribe(self._forward)

    @Slot(object)
    def _run_posted(self, call) -> None:
        if self._held is not None:
            self._held.append(call)
            return
        call()

    @contextmanager
    def results_held(self):
        """Keep the jobs' results and events (a finished job's ``on_done`` changing the
        document) until the block ends: an export or mask operation reading the document on
        another thread meanwhile must not see it change under it."""
        if self._held is not None:  # already held by an outer block
            yield
            return
        self._held = []
        try:
            yield
        finally:
            held, self._held = self._held, None
            for call in held:
                call()

    def _forward(self, event: str, job: Job, payload) -> None:
        if event == "started":
            self.job_started.emit(job)
        elif event == "progress":
            self.job_progress.emit(job)
        elif event == "finished":
            self.job_finished.emit(job)
        elif event == "failed":
            self.job_failed.emit(job, payload)
        elif event == "queue":
            self.queue_changed.emit()

    @property
    def current(self) -> Job | None:
        return self.runner.current

    @property
    def queue(self):
        return self.runner.queue

    def submit(self, job: Job) -> Job:
        return self.runner.submit(job)

    def ask_owner(self, call, cancelled):
        """From a job's function: ``call()`` on the window's thread, its result back (see
        :meth:`muralstudio.ops.jobs.JobRunner.ask_owner`)."""
        return self.runner.ask_owner(call, cancelled)

    def jobs(self) -> list[Job]:
        return self.runner.jobs()

    def cancel(self, job: Job | None = None) -> None:
        self.runner.cancel(job)

    def is_running(self) -> bool:
        return self.runner.is_running()

    def shutdown(self, finishing=None) -> None:
        """Cancel everything and stop the worker thread (call before the window closes). Waits
        until the running step reaches a cancel checkpoint however long that takes, keeping the
        window painted meanwhile; ``finishing(job)`` is called once when the wait is longer
        than a moment."""
        running = self.runner.current
        told = False
        while not self.runner.stop(timeout=0.1):
            if finishing and running and not told:
                finishing(running)
                told = True
            QCoreApplication.processEvents()
