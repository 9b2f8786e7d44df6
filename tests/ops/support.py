"""Helpers for the deployment tests: free ports, throwaway Postgres databases, gunicorn runs."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url_or_skip() -> str:
    """TEST_POSTGRES_URL when the server answers; skip otherwise (fail in CI)."""
    url = os.environ.get("TEST_POSTGRES_URL")
    reason = None
    if not url:
        reason = "TEST_POSTGRES_URL is not set"
    else:
        try:
            import psycopg

            psycopg.connect(url, connect_timeout=3).close()
        except Exception as exc:  # noqa: BLE001 - any failure means "not available"
            reason = f"PostgreSQL at TEST_POSTGRES_URL does not answer ({type(exc).__name__})"
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the Postgres tests, but {reason}")
    if reason:
        pytest.skip(reason)
    return url


@contextlib.contextmanager
def fresh_postgres_database(base_url: str):
    """CREATE DATABASE migr_<random> for the test, DROP it afterwards; yields its URL."""
    import psycopg

    name = f"migr_{secrets.token_hex(6)}"
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base_url)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        with psycopg.connect(base_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_env(tmp_path: Path, **extra: str) -> dict:
    """A development environment for a subprocess: sandbox on a free port, SQLite in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "NOTION_"))}
    for name in ("DATABASE_URL", "SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "REDIS_URL", "DYNO"):
        env.pop(name, None)
    env.update(
        APP_ENV="development",
        NOTION_SANDBOX="1",
        NOTION_SANDBOX_PORT=str(free_port()),
        NOTION_SANDBOX_SECRET=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        SECRET_KEY=secrets.token_urlsafe(48),
        TOKEN_ENCRYPTION_KEY=secrets.token_hex(32),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def flask_db_upgrade(env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=60,
    )


class Gunicorn:
    """gunicorn in a subprocess, its output captured to a file; stopped with SIGTERM."""

    def __init__(self, args: list[str], env: dict, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        cmd = [str(Path(sys.executable).with_name("gunicorn")), *args]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**env, "PORT": str(port)}, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.output()}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not become ready:\n{self.output()}")

    def wait_workers(self, count: int, timeout: float = 30.0) -> None:
        """Until `count` different workers have answered (a busy machine boots them slowly)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = set(re.findall(r'"GET /healthz HTTP/1.1" \d+ .* pid=<(\d+)>', self.output()))
            if len(pids) >= count:
                return
            try:
                requests.get(self.url + "/healthz", timeout=2, headers={"Connection": "close"})
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"fewer than {count} workers answered:\n{self.output()}")

    def output(self) -> str:
        if self.proc.poll() is not None and hasattr(self, "_text"):
            return self._text
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._text = Path(self.log.name).read_text(errors="replace")
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(http: requests.Session, base: str, page: str, action: str | None = None,
              data: dict | None = None) -> requests.Response:
    """GET `page`, POST its CSRF token and `data` to `action` without following redirects."""
    token = csrf(http.get(base + page, timeout=10).text)
    return http.post(base + (action or page), data={"csrf_token": token, **(data or {})},
                     allow_redirects=False, timeout=20)
