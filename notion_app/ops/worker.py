"""The `worker:` process: an RQ worker on the outbox's queue of REDIS_URL, with a safety sweep.

Jobs (sending rows, imports, retries) are enqueued by whatever makes a row due; each runs in a
forked work horse inside an app context, so it uses the database and the Notion client like a
request does. The safety sweep (a thread of this process) wakes the sender whenever a row is due
and no job did: after a lost wake-up, a Redis restart, a worker killed mid-send.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from rq import Worker

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    from rq import Queue

    from .. import create_app
    from ..extensions import db, redis_client
    from ..outbox import sender
    from ..webhooks import sender as webhook_sender
    from . import housekeeping

    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set: the worker needs Redis (see docs/deploy.md)", file=sys.stderr)
        return 2
    app = create_app()
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    # No socket timeout: the worker blocks on Redis while it waits for jobs.
    connection = redis_client(url, socket_timeout=None)
    with app.app_context():
        # RQ runs each job in a forked "work horse": the child must not reuse the parent's
        # database connections (two processes on one socket), so it drops the inherited pool.
        engine = db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        queue = Queue(sender.queue_name(app.config), connection=connection)
        # Rows a crashed worker left behind (expired leases, due retries) go out on start.
        sender.wake()
        safety = sender.SafetySweep(app)
        safety.start()
        hooks_safety = webhook_sender.SafetySweep(app)  # saved webhook deliveries, the same way
        hooks_safety.start()
        # Expired login sessions, abandoned drafts, sent imports' parsed files (T40, T41).
        cleaner = housekeeping.Housekeeping(app)
        cleaner.start()
        burst = "--burst" in (argv or sys.argv[1:])
        run_until_stopped(lambda: _OutboxWorker([queue], connection=connection), burst)
        safety.stop()
        hooks_safety.stop()
        cleaner.stop()
    return 0


def run_until_stopped(make_worker, burst: bool, pause: float = 1.0) -> int:
    """Run RQ workers until a signal asks to stop (or a burst is done); returns how many ran.

    RQ's work loop quits on an unexpected error — such as Redis going away while a job's result
    is being recorded — and a worker process that exits leaves the outbox to the platform's
    restart policy. So a worker that stopped on its own is started again, after a pause.
    """
    started = 0
    while True:
        worker = make_worker()
        started += 1
        worker.work(with_scheduler=True, burst=burst)
        if burst or worker.stop_signalled:
            return started
        log.warning("the RQ worker stopped unexpectedly; starting it again in %.0f s", pause)
        time.sleep(pause)


class _OutboxWorker(Worker):
    """An RQ worker that remembers whether a signal (not an error) ended its loop."""

    stop_signalled = False

    def request_stop(self, signum, frame):
        self.stop_signalled = True
        super().request_stop(signum, frame)


def ping() -> str:
    """A job that only proves the worker runs jobs (`rq enqueue`-able, used by the tests)."""
    return "pong"


if __name__ == "__main__":
    sys.exit(main())
