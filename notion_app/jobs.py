"""Background sending: an in-process thread by default, RQ jobs when REDIS_URL is set.

Either way the unit of work is `sending.sweep()`, and leases make it safe for any number of
threads, processes and workers to run it at once.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, current_app

log = logging.getLogger(__name__)
QUEUE = "notion"
SWEEP_INTERVAL = 2.0
# An RQ job sweeps for at most this long, then hands over to a fresh job (job_timeout is 600 s).
JOB_BUDGET = 240.0
# Rows waiting longer than this (a reconnect, a long backoff) are left to the next kick.
FOLLOW_UP_HORIZON = 3600.0


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        from rq import Queue

        queue = app.config.get("RQ_QUEUE") or QUEUE
        app.extensions["rq_queue"] = Queue(queue, connection=app.extensions["redis"])
    elif app.config.get("BACKGROUND_SENDER", True):
        # Started by the first request, so CLI commands (migrations, check-deploy) start none.
        sender = _Sender(app)
        app.before_request(sender.start)


def kick() -> None:
    """Ask for a sweep soon (after a reconnect, a retry, or new rows)."""
    queue = current_app.extensions.get("rq_queue")
    if queue is not None:
        queue.enqueue("notion_app.jobs.run_sweep", job_timeout=600)
        return
    sender = current_app.extensions.get("notion_sender")
    if sender is not None:
        sender.wake.set()


def run_sweep() -> int:
    """The RQ job: send due rows until none is due (or the job's budget is spent), then make
    sure another job runs when the next row becomes due (a Retry-After, a backoff, a lease).

    So a long import keeps going under RQ without any web request: each job sweeps for a few
    minutes at the connection's pace and hands over to the next one.
    """
    from . import create_app, sending

    app = current_app._get_current_object() if _has_app() else create_app()
    started = time.monotonic()
    tried = 0
    with app.app_context():
        while time.monotonic() - started < JOB_BUDGET:
            done = sending.sweep()
            tried += done
            if not done:
                break
        _follow_up(app, sending.next_due_in())
    return tried


def _follow_up(app: Flask, due_in: float | None) -> None:
    """Enqueue the next sweep for when a row becomes due (at most one such job waits)."""
    queue = app.extensions.get("rq_queue")
    if queue is None or due_in is None or due_in > FOLLOW_UP_HORIZON:
        return
    delay = max(0.2, due_in)
    marker = f"{queue.name}:sweep-scheduled"
    # One pending follow-up is enough: the marker lives until that job is due.
    if not queue.connection.set(marker, "1", nx=True, px=int(delay * 1000)):
        return
    if due_in <= 0:
        queue.enqueue("notion_app.jobs.run_sweep", job_timeout=600)
    else:
        queue.enqueue_in(timedelta(seconds=delay), "notion_app.jobs.run_sweep", job_timeout=600)


def _has_app() -> bool:
    try:
        current_app.name  # noqa: B018 - touching it tells whether an app context exists
    except RuntimeError:
        return False
    return True


class _Sender:
    """A daemon thread that sweeps every few seconds, or at once when woken."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
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
        from . import sending

        wait = SWEEP_INTERVAL
        while True:
            self.wake.wait(wait)
            self.wake.clear()
            wait = SWEEP_INTERVAL
            try:
                with self.app.app_context():
                    while sending.sweep():
                        pass
                    due_in = sending.next_due_in()
                    # Wake when the next row is due (e.g. after a Retry-After), not 2 s later.
                    if due_in is not None:
                        wait = min(SWEEP_INTERVAL, max(0.05, due_in))
            except Exception:  # a bad sweep must not kill the sender; the rows stay saved
                log.exception("background sweep failed")
