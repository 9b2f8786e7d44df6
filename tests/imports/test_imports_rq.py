"""The RQ path of a CSV import: real `python -m notion_app.ops.worker` processes on the local Redis.

The web side (this test's app, with REDIS_URL) enqueues; worker subprocesses with the same
database file, Redis and sandbox send. Two workers share one Redis token bucket per connection,
so together they stay under the sandbox's rate limit. Not RQ's synchronous mode: real forks.
"""

from __future__ import annotations

import time

import pytest
from helpers import connect, send_import, signup, start_import, titles_in_notion
from workers import rq_app as make_rq_app
from workers import start_worker, stop


@pytest.fixture
def rq_app(tmp_path, sandbox_server, sandbox):
    with make_rq_app(tmp_path, sandbox_server.url, prefix="test-import",
                     NOTION_RATE=10.0, NOTION_BURST=2) as app:
        yield app


def test_import_through_rq_workers_paced_by_redis(rq_app, sandbox, tmp_path):
    app, client = rq_app, rq_app.test_client()
    sandbox.settings(rate_limit={"rate": 10, "burst": 3})
    signup(client)
    connect(client, sandbox)
    rows = 24
    data = "Name\n" + "".join(f"RQ row {i}\n" for i in range(rows))
    preview = start_import(client, app, sandbox, data.encode())
    sandbox.clear_requests()
    progress = send_import(client, preview).headers["Location"]
    began = time.monotonic()
    workers = [start_worker(app, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        deadline = time.monotonic() + 30
        status = {}
        while time.monotonic() < deadline:
            status = client.get(progress + "/status").get_json()
            if status["sent"] == rows:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - began
        logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
        assert status["sent"] == rows, (status, logs)
    finally:
        for proc in workers:
            stop(proc)
    created = titles_in_notion(sandbox)
    assert created == {f"RQ row {i}": 1 for i in range(rows)}
    posts = sandbox.requests(path="/v1/pages", method="POST")
    assert [r for r in posts if r["status"] == 429] == []
    # Two workers, one shared bucket: 10/s with a burst of 2 cannot send 24 rows in < 2.2 s.
    assert elapsed >= (rows - 2) / 10
