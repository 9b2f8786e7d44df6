"""Background sending: an in-process thread by default, RQ jobs when REDIS_URL is set.

Either way the unit of work is `sending.sweep()`, and leases make it safe for any number of
threads, processes and workers to run it at once.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

log = logging.getLogger(__name__)
QUEUE = "notion"
SWEEP_INTERVAL = 2.0


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        from rq import Queue

        app.extensions["rq_queue"] = Queue(QUEUE, connection=app.extensions["redis"])
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
    """The RQ job: sweep due rows in an app built for the worker process."""
    from . import create_app, sending

    app = current_app._get_current_object() if _has_app() else create_app()
    with app.app_context():
        return sending.sweep()


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

        while True:
            self.wake.wait(SWEEP_INTERVAL)
            self.wake.clear()
            try:
                with self.app.app_context():
                    while sending.sweep():
                        pass
            except Exception:  # a bad sweep must not kill the sender; the rows stay saved
                log.exception("background sweep failed")
