"""Background jobs without Qt: engine calls run on one worker thread, one at a time, others
queued. The window wraps this runner in a Qt adapter (:mod:`muralstudio.gui.jobs`); scripts and
tests can use it as it is.

A job's function is called as ``fn(progress, cancelled)``: ``progress(fraction, stage)``
reports and ``cancelled()`` is the checkpoint the engine polls; when it turns true the engine
raises ``Cancelled`` and the job ends without calling ``on_done``, so nothing changes.

Everything but ``fn`` happens on the *owner's* thread: the runner hands each event to
``deliver(callable)``, which runs it there (the Qt adapter posts it to the GUI thread; without
one it runs at once on the worker). So ``on_done`` applies a result where the document lives,
and the next job starts only after the last one's result was applied.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from muralstudio.core.errors import Cancelled

log = logging.getLogger(__name__)
_ids = itertools.count(1)

#: the events listeners get, as ``listener(event, job, payload)``
EVENTS = ("started", "progress", "finished", "failed", "queue")


@dataclass(eq=False)
class Job:
    name: str
    fn: Callable[[Callable[[float, str], None], Callable[[], bool]], Any]
    on_done: Callable[[Any], None] | None = None
    uid: int = field(default_factory=lambda: next(_ids))
    state: str = "queued"  # queued, running, done, failed, cancelled
    fraction: float = 0.0
    stage: str = ""
    error: str = ""  # a Text when the error has a message id
    cancel_event: threading.Event = field(default_factory=threading.Event)


class JobRunner:
    """A queue of jobs executed one at a time on a worker thread."""

    #: Seconds between progress events: engines may report far more often than a person can
    #: read, and every event is work for the owner's thread.
    PROGRESS_INTERVAL = 0.05

    def __init__(self, deliver: Callable[[Callable[[], None]], None] | None = None):
        self._deliver = deliver or (lambda call: call())
        self._listeners: list[Callable[[str, Job, Any], None]] = []
        self._inbox: queue.Queue = queue.Queue()
        self.queue: deque[Job] = deque()
        self.current: Job | None = None
        self._thread = threading.Thread(target=self._loop, name="muralstudio-jobs", daemon=True)
        self._thread.start()

    # the owner's side ---------------------------------------------------------------------
    def subscribe(self, listener: Callable[[str, Job, Any], None]) -> None:
        self._listeners.append(listener)

    def submit(self, job: Job) -> Job:
        self.queue.append(job)
        self._emit("queue", job)
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
            self._emit("finished", job)
            self._emit("queue", job)

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = None) -> bool:
        """Cancel everything and ask the worker to end; True when it ended within ``timeout``."""
        for job in list(self.queue):
            self.cancel(job)
        if self.current:
            self.current.cancel_event.set()
        self._inbox.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _emit(self, event: str, job: Job, payload: Any = None) -> None:
        for listener in list(self._listeners):
            listener(event, job, payload)

    def _next(self) -> None:
        if self.current is not None or not self.queue:
            return
        self.current = self.queue.popleft()
        self.current.state = "running"
        self._emit("started", self.current)
        self._emit("queue", self.current)
        self._inbox.put(self.current)

    def _end(self, job: Job, state: str) -> None:
        job.state = state
        self.current = None
        self._emit("finished", job)
        self._emit("queue", job)
        self._next()

    def _on_progress(self, job: Job, fraction: float, stage) -> None:
        job.fraction, job.stage = fraction, stage
        self._emit("progress", job)

    def _on_result(self, job: Job, result) -> None:
        try:
            if job.on_done:
                job.on_done(result)
        except Exception as exc:  # noqa: BLE001 - shown to the user like a failed job
            log.error("job %s: applying the result failed\n%s", job.name, traceback.format_exc())
            self._on_failed(job, str(exc) or type(exc).__name__, "")
            return
        self._end(job, "done")

    def _on_failed(self, job: Job, message, trace: str) -> None:
        if trace:
            log.error("job %s failed\n%s", job.name, trace)
        job.error = message
        self._emit("failed", job, message)
        self._end(job, "failed")

    # the worker's side --------------------------------------------------------------------
    def ask_owner(self, call: Callable[[], Any], cancelled: Callable[[], bool], poll: float = 0.05) -> Any:
        """From a job's function: ``call()`` run on the owner's thread — where a question can be
        put to the user once the job has read what it needs — and its result, the job waiting
        meanwhile. Raises :class:`Cancelled` when the job is cancelled first (a window closing
        does not show the question) or while it waits."""
        answer: dict = {}
        ready = threading.Event()

        def run() -> None:
            try:
                if not cancelled():
                    answer["value"] = call()
            except BaseException as exc:  # noqa: BLE001 - raised again on the worker
                answer["error"] = exc
            finally:
                ready.set()

        self._deliver(run)
        while not ready.wait(poll):
            if cancelled():
                raise Cancelled()
        if "error" in answer:
            raise answer["error"]
        if "value" not in answer:
            raise Cancelled()
        return answer["value"]

    def _loop(self) -> None:
        while (job := self._inbox.get()) is not None:
            self._execute(job)

    def _execute(self, job: Job) -> None:
        last = [0.0, ""]

        def progress(fraction: float, stage: str = "") -> None:
            now = time.monotonic()
            if now - last[0] >= self.PROGRESS_INTERVAL or stage != last[1] or fraction >= 1.0:
                last[0], last[1] = now, stage
                self._deliver(lambda: self._on_progress(job, float(fraction), stage))

        try:
            result = job.fn(progress, job.cancel_event.is_set)
        except Cancelled:
            self._deliver(lambda: self._end(job, "cancelled"))
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the user
            message, trace = str(exc) or f"{type(exc).__name__}", traceback.format_exc()
            self._deliver(lambda: self._on_failed(job, message, trace))
        else:
            if job.cancel_event.is_set():
                self._deliver(lambda: self._end(job, "cancelled"))
            else:
                self._deliver(lambda: self._on_result(job, result))
