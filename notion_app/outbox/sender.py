"""Waking the sender: an in-process thread by default, RQ jobs when REDIS_URL is set.

Whatever makes a row due calls `wake(at=...)`: a submit, a Retry-After or a backoff, a retry
click, a reconnect, a worker start. With RQ a wake is a job (enqueued now, or scheduled for the
time the row is due); with the thread it is an event the thread waits on. Wakes can still be
lost (Redis restarted and forgot its queue, a process died between commit and enqueue), so the
worker process also runs a safety sweep every `OUTBOX_SAFETY_SWEEP_SECONDS`: a row is delayed by
seconds at worst, never stranded. Either way the unit of work is `delivery.sweep()`, and leases
make it safe for any number of threads, processes and workers to run it at once.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import datetime, timedelta

from flask import Flask, current_app

from ..models import utcnow

log = logging.getLogger(__name__)
DEFAULT_QUEUE = "notion"
# The RQ job every wake enqueues (an old queued job may still name notion_app.jobs.run_sweep).
JOB_PATH = "notion_app.outbox.sender.run_sweep"
JOB_TIMEOUT = 600
SWEEP_INTERVAL = 2.0
# How long "a sweep is queued" holds back another immediate enqueue (the job clears it at start).
QUEUED_MARK_SECONDS = 30


def queue_name(config) -> str:
    return config.get("RQ_QUEUE") or DEFAULT_QUEUE


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        from rq import Queue

        app.extensions["rq_queue"] = Queue(
            queue_name(app.config), connection=app.extensions["redis"]
        )
    elif app.config.get("BACKGROUND_SENDER", True):
        # Started by the first request, so CLI commands (migrations, check-deploy) start none.
        thread = _ThreadSender(app)
        app.before_request(thread.start)


def wake(at: datetime | None = None) -> None:
    """Make sure a sender looks at the outbox at `at` (naive UTC; now when None).

    Never raises: the row is already saved, and the safety sweep finds it if this wake is lost.
    """
    queue = current_app.extensions.get("rq_queue")
    if queue is None:
        thread = current_app.extensions.get("notion_sender")
        if thread is not None:
            thread.event.set()
        return
    try:
        _schedule(queue, at)
    except Exception:  # noqa: BLE001 - Redis down: the safety sweep delivers the row later
        log.warning("could not wake the RQ sender; the safety sweep will send the row")


def _schedule(queue, at: datetime | None) -> None:
    delay = 0.0 if at is None else (at - utcnow()).total_seconds()
    redis = queue.connection
    if delay <= 0.05:
        # One queued sweep is enough; it clears the mark when it starts, so a wake that comes
        # while it runs queues the next one.
        if redis.set(_queued_mark(queue), "1", nx=True, ex=QUEUED_MARK_SECONDS):
            queue.enqueue(JOB_PATH, job_timeout=JOB_TIMEOUT)
        return
    second = math.ceil(time.time() + delay)  # at most one scheduled sweep per second
    if redis.set(f"{queue.name}:wake-at:{second}", "1", nx=True, ex=math.ceil(delay) + 60):
        queue.enqueue_in(
            timedelta(seconds=second - time.time()), JOB_PATH, job_timeout=JOB_TIMEOUT
        )


def _queued_mark(queue) -> str:
    return f"{queue.name}:sweep-queued"


def run_sweep() -> int:
    """The RQ job: send due rows until none is due or the job's budget is spent, then wake
    the sender for the next row's due time (a Retry-After, a backoff, a lease)."""
    from .. import create_app

    app = current_app._get_current_object() if _has_app() else create_app()
    with app.app_context():
        queue = app.extensions.get("rq_queue")
        if queue is not None:
            queue.connection.delete(_queued_mark(queue))
        return sweep_for(app.config.get("OUTBOX_JOB_BUDGET_SECONDS", 240.0))


def sweep_for(budget: float) -> int:
    """Sweep until nothing is due or `budget` seconds are spent; wake for what comes next."""
    from . import delivery

    started = time.monotonic()
    tried = 0
    while (left := budget - (time.monotonic() - started)) > 0:
        done = delivery.sweep(max_wait=min(30.0, left))
        tried += done
        if not done:
            break
    due_in = delivery.next_due_in()
    if due_in is not None:
        wake(at=utcnow() + timedelta(seconds=due_in))
    return tried


def _has_app() -> bool:
    try:
        current_app.name  # noqa: B018 - touching it tells whether an app context exists
    except RuntimeError:
        return False
    return True


class SafetySweep:
    """In the worker process: every few seconds, wake the sender if a row is due (a lost wake,
    a Redis that restarted empty, a lease that ran out) — so nothing waits for good."""

    def __init__(self, app: Flask):
        self.app = app
        self.interval = float(app.config.get("OUTBOX_SAFETY_SWEEP_SECONDS", 3.0))
        self.stopped = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="outbox-safety-sweep", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    def _run(self) -> None:
        from . import delivery

        while True:
            try:
                with self.app.app_context():
                    due_in = delivery.next_due_in()
                    if due_in is not None and due_in <= 0:
                        wake()
            except Exception:  # noqa: BLE001 - the database or Redis is away: try again soon
                log.warning("outbox safety sweep could not look at the outbox", exc_info=True)
            if self.stopped.wait(self.interval):
                return


class _ThreadSender:
    """A daemon thread that sweeps every few seconds, or at once when woken."""

    def __init__(self, app: Flask):
        self.app = app
        self.event = threading.Event()
        self.lock = threading.Lock()
        self.started = False
        app.extensions["notion_sender"] = self

    def start(self) -> None:
        with self.lock:
            if self.started:
                return
            self.started = True
        threading.Thread(target=self._run, name="notion-sender", daemon=True).start()

    def _run(self) -> None:
        from . import delivery

        wait = SWEEP_INTERVAL
        while True:
            self.event.wait(wait)
            self.event.clear()
            wait = SWEEP_INTERVAL
            try:
                with self.app.app_context():
                    while delivery.sweep():
                        pass
                    due_in = delivery.next_due_in()
                    # Wake when the next row is due (e.g. after a Retry-After), not 2 s later.
                    if due_in is not None:
                        wait = min(SWEEP_INTERVAL, max(0.05, due_in))
            except Exception:  # a bad sweep must not kill the sender; the rows stay saved
                log.exception("background sweep failed")
