"""The `worker:` process: an RQ worker on the "notion" queue of REDIS_URL.

Jobs (sending rows, imports, retries) are enqueued by the web process; each runs inside an app
context so it can use the database and the Notion client like a request does.
"""

from __future__ import annotations

import logging
import os
import sys

QUEUE_NAME = "notion"


def main(argv: list[str] | None = None) -> int:
    from redis import Redis
    from rq import Queue, Worker

    from . import create_app
    from .deployment import redis_options
    from .extensions import db

    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set: the worker needs Redis (see docs/deploy.md)", file=sys.stderr)
        return 2
    app = create_app()
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    connection = Redis.from_url(url, **redis_options(url))
    with app.app_context():
        # RQ runs each job in a forked "work horse": the child must not reuse the parent's
        # database connections (two processes on one socket), so it drops the inherited pool.
        engine = db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        queue = Queue(app.config.get("RQ_QUEUE") or QUEUE_NAME, connection=connection)
        # Rows a crashed worker left behind (expired leases, due retries) go out on start.
        queue.enqueue("notion_app.jobs.run_sweep", job_timeout=600)
        worker = Worker([queue], connection=connection)
        worker.work(with_scheduler=True, burst="--burst" in (argv or sys.argv[1:]))
    return 0


def ping() -> str:
    """A job that only proves the worker runs jobs (`rq enqueue`-able, used by the tests)."""
    return "pong"


if __name__ == "__main__":
    sys.exit(main())
