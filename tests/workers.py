"""Real RQ workers for tests: `python -m notion_app.ops.worker` subprocesses on a test Redis.

- `redis_url()`: TEST_REDIS_URL (default db 15 of the machine's Redis) when it answers; skip
  otherwise, fail under CI=true.
- `rq_app(...)`: an app with REDIS_URL and a queue of its own; deletes the queue's keys after.
- `start_worker(app, log, **env)`: a worker configured like `app` (database, secrets, Notion,
  pacing, OUTBOX_* timings), in a session of its own so `kill_worker` also kills its work horse.
- `PrivateRedis`: a `redis-server` of the test's own on a free port, for tests that restart it
  (never the machine's shared one).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import build_app, make_config

from notion_app.extensions import db

ROOT = Path(__file__).resolve().parents[1]
# What a worker takes from the app's configuration, so both sides agree.
_COPIED = (
    "REDIS_URL", "RQ_QUEUE", "SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "NOTION_CLIENT_ID",
    "NOTION_CLIENT_SECRET", "NOTION_REDIRECT_URI", "NOTION_API_BASE_URL", "NOTION_RATE",
    "NOTION_BURST", "NOTION_WORKSPACE_RATE", "NOTION_WORKSPACE_BURST",
    "OUTBOX_JOB_BUDGET_SECONDS", "OUTBOX_SAFETY_SWEEP_SECONDS",
    "OUTBOX_LEASE_SECONDS",
)


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test the RQ path, but {reason}")
    pytest.skip(reason)


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        _unavailable(f"Redis at {url} does not answer ({type(exc).__name__})")
    return url


@contextlib.contextmanager
def rq_app(tmp_path: Path, notion_url: str, url: str | None = None, prefix: str = "test",
           **config):
    """An app on a fresh database that enqueues on its own queue of `url` (default: the test
    Redis); the queue's keys are deleted afterwards."""
    url = url or redis_url()
    queue = f"{prefix}-{secrets.token_hex(4)}"
    app = build_app(make_config(tmp_path, notion_url, REDIS_URL=url, RQ_QUEUE=queue, **config))
    try:
        yield app
    finally:
        import redis

        with contextlib.suppress(redis.exceptions.ConnectionError):
            conn = redis.Redis.from_url(url, socket_connect_timeout=1)
            for key in conn.scan_iter(f"*{queue}*"):
                conn.delete(key)
            conn.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def worker_env(app, **extra) -> dict:
    cfg = app.config
    env = {**os.environ, **{name: str(cfg[name]) for name in _COPIED if cfg.get(name)}}
    env.update({
        "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"], "NOTION_SANDBOX": "0",
        "APP_ENV": "development", "LOG_LEVEL": "WARNING",
    })
    env.update({name: str(value) for name, value in extra.items()})
    return env


def start_worker(app, log: Path, **env) -> subprocess.Popen:
    """`python -m notion_app.ops.worker` for `app`'s queue; `env` overrides its environment."""
    with log.open("a") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "notion_app.ops.worker"], cwd=ROOT,
            env=worker_env(app, **env), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the work horse goes with it
        )


def stop(proc: subprocess.Popen) -> None:
    """Ask the worker to stop (warm shutdown); kill it and its work horse if it does not."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        kill_worker(proc)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # a work horse left behind


def kill_worker(proc: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group (worker, work horse, scheduler): a crash."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll until `predicate()` is truthy; returns its value (AssertionError after timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A `redis-server` on a free loopback port, no persistence: a restart comes back empty."""

    def __init__(self, directory: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            _unavailable("redis-server is not installed")
        self.binary = binary
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        with (self.directory / "redis.log").open("a") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - the installed server, fixed arguments
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers():
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                assert self.proc.poll() is None, (self.directory / "redis.log").read_text()
                return False

        wait_for(answers, 10, what="private redis-server answering")
        client.close()
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self) -> None:
        """A crash and a restart: everything it held (queues, scheduled jobs) is gone."""
        self.kill()
        self.start()
