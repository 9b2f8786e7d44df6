"""The RQ path of a CSV import: real `python -m notion_app.worker` processes on the local Redis.

The web side (this test's app, with REDIS_URL) enqueues; worker subprocesses with the same
database file, Redis and sandbox send. Two workers share one Redis token bucket per connection,
so together they stay under the sandbox's rate limit. Not RQ's synchronous mode: real forks.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import build_app, make_config
from helpers import connect, send_import, signup, start_import, titles_in_notion

from notion_app.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        reason = f"Redis at {url} does not answer ({type(exc).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test the RQ path, but {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture
def rq_app(tmp_path, sandbox_server, sandbox):
    url = redis_url()
    queue = f"test-import-{secrets.token_hex(4)}"
    config = make_config(
        tmp_path, sandbox_server.url, REDIS_URL=url, RQ_QUEUE=queue,
        NOTION_RATE=10.0, NOTION_BURST=2,
    )
    app = build_app(config)
    yield app
    import redis

    conn = redis.Redis.from_url(url)
    for key in conn.scan_iter(f"*{queue}*"):
        conn.delete(key)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def start_worker(app, log: Path) -> subprocess.Popen:
    cfg = app.config
    env = {
        **os.environ,
        "REDIS_URL": cfg["REDIS_URL"], "RQ_QUEUE": cfg["RQ_QUEUE"],
        "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": cfg["SECRET_KEY"],
        "TOKEN_ENCRYPTION_KEY": cfg["TOKEN_ENCRYPTION_KEY"],
        "NOTION_CLIENT_ID": cfg["NOTION_CLIENT_ID"],
        "NOTION_CLIENT_SECRET": cfg["NOTION_CLIENT_SECRET"],
        "NOTION_REDIRECT_URI": cfg["NOTION_REDIRECT_URI"],
        "NOTION_API_BASE_URL": cfg["NOTION_API_BASE_URL"], "NOTION_SANDBOX": "0",
        "NOTION_RATE": str(cfg["NOTION_RATE"]), "NOTION_BURST": str(cfg["NOTION_BURST"]),
        "NOTION_WORKSPACE_RATE": str(cfg["NOTION_WORKSPACE_RATE"]),
        "NOTION_WORKSPACE_BURST": str(cfg["NOTION_WORKSPACE_BURST"]),
        "APP_ENV": "development", "LOG_LEVEL": "WARNING",
    }
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "notion_app.ops.worker"], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
