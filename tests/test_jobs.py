"""The Qt-free job runner: one job at a time, results applied on the owner's thread, cancel and
failure reported, the next job started only after the last one's result was applied."""

from __future__ import annotations

import queue
import threading
import time

from muralstudio.core.errors import Cancelled
from muralstudio.core.messages import Text
from muralstudio.ops.jobs import Job, JobRunner


class Owner:
    """Stands for the GUI thread: events run only when it pumps them."""

    def __init__(self):
        self.inbox = queue.Queue()
        self.events = []
        self.runner = JobRunner(deliver=self.inbox.put)
        self.runner.subscribe(lambda event, job, payload: self.events.append((event, job.name, payload)))

    def pump_until(self, condition, timeout=10.0):
        end = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < end, self.events
            try:
                self.inbox.get(timeout=0.05)()
            except queue.Empty:
                pass


def test_results_are_applied_on_the_owners_thread_in_order():
    owner = Owner()
    applied = []
    owner.runner.submit(Job("first", lambda p, c: 1, on_done=lambda r: applied.append((r, threading.get_ident()))))
    owner.runner.submit(Job("second", lambda p, c: 2, on_done=lambda r: applied.append((r, threading.get_ident()))))
    assert [j.name for j in owner.runner.jobs()] == ["first", "second"]
    owner.pump_until(lambda: len(applied) == 2)
    assert [r for r, _ in applied] == [1, 2]
    assert all(thread == threading.get_ident() for _, thread in applied)
    finished = [name for event, name, _ in owner.events if event == "finished"]
    assert finished == ["first", "second"]
    assert owner.runner.stop(timeout=5)


def test_progress_failure_and_cancel_are_reported():
    owner = Owner()
    started = threading.Event()

    def slow(progress, cancelled):
        progress(0.5, Text("stage_region", index=1, total=2))
        started.set()
        while not cancelled():
            time.sleep(0.01)
        raise Cancelled()

    def broken(progress, cancelled):
        raise OSError("disk full")

    slow_job = owner.runner.submit(Job("slow", slow, on_done=lambda r: 1 / 0))
    broken_job = owner.runner.submit(Job("broken", broken))
    queued = owner.runner.submit(Job("never", lambda p, c: None))
    owner.runner.cancel(queued)
    assert queued.state == "cancelled"
    assert started.wait(5)
    owner.pump_until(lambda: slow_job.fraction == 0.5)
    assert slow_job.stage.message_id == "stage_region"
    owner.runner.cancel()
    owner.pump_until(lambda: broken_job.state == "failed")
    assert slow_job.state == "cancelled" and broken_job.error == "disk full"
    assert ("failed", "broken", "disk full") in owner.events
    assert owner.runner.stop(timeout=5) and not owner.runner.is_running()


def test_a_result_that_cannot_be_applied_fails_the_job():
    owner = Owner()
    job = owner.runner.submit(Job("apply", lambda p, c: 0, on_done=lambda r: 1 / r))
    owner.pump_until(lambda: job.state == "failed")
    assert "division by zero" in job.error
    owner.runner.stop(timeout=5)


def test_a_job_asks_its_owner_and_waits_for_the_answer_or_its_cancellation():
    """The check before a restoration reads pixels on the worker, then puts its question on the
    owner's (window's) thread and goes on with the answer; a job cancelled while it waits ends
    cancelled, and a question not yet asked when it is cancelled is never shown."""
    owner = Owner()
    asked, results = [], []

    def work(progress, cancelled):
        answer = owner.runner.ask_owner(lambda: asked.append(threading.get_ident()) or "yes", cancelled)
        return answer + "!"

    job = owner.runner.submit(Job("asks", work, on_done=results.append))
    owner.pump_until(lambda: job.state == "done")
    assert results == ["yes!"] and asked == [threading.get_ident()]  # asked on the owner's thread

    def failing_question():
        raise ValueError("no such region")

    job = owner.runner.submit(Job("fails", lambda p, c: owner.runner.ask_owner(failing_question, c)))
    owner.pump_until(lambda: job.state == "failed")
    assert "no such region" in job.error

    job = owner.runner.submit(Job("cancelled", lambda p, c: owner.runner.ask_owner(lambda: asked.append(0), c)))
    time.sleep(0.2)  # the job waits: its question is posted, the owner has not pumped it yet
    assert job.state == "queued" or job.state == "running"
    owner.runner.cancel(job)
    owner.pump_until(lambda: job.state == "cancelled")
    assert 0 not in asked  # the owner ran the posted question after the cancel: not shown
