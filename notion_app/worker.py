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

    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set: the worker needs Redis (see docs/deploy.md)", file=sys.stderr)
        return 2
    app = create_app()
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    connection = Redis.from_url(url, **redis_options(url))
    with app.app_context():
        worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
        worker.work(with_scheduler=True, burst="--burst" in (argv or sys.argv[1:]))
    return 0


def ping() -> str:
    """A job that only proves the worker runs jobs (`rq enqueue`-able, used by the tests)."""
    return "pong"


if __name__ == "__main__":
    sys.exit(main())
