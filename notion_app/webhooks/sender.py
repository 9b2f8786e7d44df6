"""Waking the webhook sender, as the outbox's sender does (outbox/sender.py): RQ jobs on the
outbox's queue when REDIS_URL is set, else an in-process thread.

A commit that saved deliveries wakes it (a session `after_commit` hook: the delivery is in the
database before any sender looks). A retry's backoff is a scheduled job, or the thread's next
wait. In the worker process a safety sweep wakes it every few seconds while a delivery is due,
so a lost wake delays a delivery, never strands it. The unit of work is `delivery.sweep()`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import event

from ..extensions import db
from ..models import utcnow
from .events import SAVED

log = logging.getLogger(__name__)
JOB_PATH = "notion_app.webhooks.sender.run_sweep"
JOB_TIMEOUT = 600
JOB_BUDGET_SECONDS = 240.0
SWEEP_INTERVAL = 5.0
QUEUED_MARK_SECONDS = 30
_hooked = threading.Lock()
_hooked_done = []


def init_app(app: Flask) -> None:
    with _hooked:
        if not _hooked_done:
            event.listen(db.session, "after_commit", _after_commit)
            _hooked_done.append(True)
    if not app.config.get("REDIS_URL") and app.config.get("BACKGROUND_SENDER", True):
        thread = _ThreadSender(app)
        app.before_request(thread.start)


def _after_commit(session) -> None:
    if session.info.pop(SAVED, None):
        wake()


def wake(at: datetime | None = None) -> None:
    """Make sure a sender looks at the deliveries at `at` (naive UTC; now when None); never
    raises (the safety sweep finds what a lost wake missed)."""
    queue = current_app.extensions.get("rq_queue")
    if queue is None:
        thread = current_app.extensions.get("webhook_sender")
        if thread is not None:
            thread.event.set()
        return
    try:
        _schedule(queue, at)
    except Exception:  # noqa: BLE001 - Redis down: the safety sweep sends it later
        log.warning("could not wake the webhook sender; the safety sweep will")


def _schedule(queue, at: datetime | None) -> None:
    delay = 0.0 if at is None else (at - utcnow()).total_seconds()
    redis = queue.connection
    if delay <= 0.05:
        if redis.set(f"{queue.name}:webhooks-queued", "1", nx=True, ex=QUEUED_MARK_SECONDS):
            queue.enqueue(JOB_PATH, job_timeout=JOB_TIMEOUT)
        return
    second = math.ceil(time.time() + delay)
    if redis.set(f"{queue.name}:webhooks-at:{second}", "1", nx=True, ex=math.ceil(delay) + 60):
        queue.enqueue_in(timedelta(seconds=second - time.time()), JOB_PATH,
                         job_timeout=JOB_TIMEOUT)


def run_sweep() -> int:
    """The RQ job: send due deliveries for a while, then wake for the next one due."""
    from .. import create_app

    try:
        app = current_app._get_current_object()
    except RuntimeError:
        app = create_app()
    with app.app_context():
        queue = app.extensions.get("rq_queue")
        if queue is not None:
            queue.connection.delete(f"{queue.name}:webhooks-queued")
        return sweep_for(JOB_BUDGET_SECONDS)


def sweep_for(budget: float) -> int:
    from . import delivery

    started = time.monotonic()
    tried = 0
    while time.monotonic() - started < budget:
        done = delivery.sweep()
        tried += done
        if not done:
            break
    due_in = delivery.next_due_in()
    if due_in is not None:
        wake(at=utcnow() + timedelta(seconds=due_in))
    return tried


class SafetySweep:
    """In the worker process: wake the sender whenever a delivery is due and no job came."""

    def __init__(self, app: Flask):
        self.app = app
        self.interval = float(app.config.get("OUTBOX_SAFETY_SWEEP_SECONDS", 3.0))
        self.stopped = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="webhook-safety-sweep", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    def _run(self) -> None:
        from . import delivery

        while not self.stopped.wait(self.interval):
            try:
                with self.app.app_context():
                    due_in = delivery.next_due_in()
                    if due_in is not None and due_in <= 0:
                        wake()
            except Exception:  # noqa: BLE001 - the database or Redis is away: try again soon
                log.warning("webhook safety sweep could not look at the deliveries")


class _ThreadSender:
    """A daemon thread that sweeps every few seconds, or at once when woken."""

    def __init__(self, app: Flask):
        self.app = app
        self.event = threading.Event()
        self.lock = threading.Lock()
        self.started = False
        app.extensions["webhook_sender"] = self

    def start(self) -> None:
        with self.lock:
            if self.started:
                return
            self.started = True
        threading.Thread(target=self._run, name="webhook-sender", daemon=True).start()

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
                    if due_in is not None:
                        wait = min(SWEEP_INTERVAL, max(0.05, due_in))
            except Exception:  # a bad sweep must not kill the sender; deliveries stay saved
                log.exception("webhook sweep failed")
