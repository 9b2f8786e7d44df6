"""T31 load test: N concurrent users against gunicorn (as the Procfile runs it) and the sandbox.

Each user signs up, connects a workspace as its own Notion person through the sandbox's consent
page, then loops until the time is up: dashboard, the data-source list, the Tasks data source page
(schema, latest rows and the row form), appending a row, front page, health check, log out and in
again, and reconnect (an upsert of its connection row). Every app request is timed; afterwards the
pages the sandbox received are counted against the rows submitted (duplicates must be 0).

    python bench/load.py                       # 50 users, 60 s, SQLite then Postgres
    python bench/load.py --duration 10 --database sqlite
    TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test python bench/load.py

Prints, per database: requests/s, p50/p95/p99 latency, errors (exceptions and 5xx), and the number
of "database is locked" messages in responses and server logs; then one JSON line with it all.
Password hashing is made cheap with `--fast-hash` (default): the bench measures the app and the
database, not PBKDF2 (1,000,000 iterations cost ~0.2 s of CPU per login).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "correct horse battery"  # the bench users' password
LOCKED = "database is locked"

from notion_app.sandbox.control import SandboxControl  # noqa: E402 - after the path setup


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def database(kind: str, tmp: Path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    import psycopg

    base = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"bench_{secrets.token_hex(5)}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.sandbox_errors: list[str] = []
        self.statuses: dict[int, int] = {}
        self.locked = 0

    def add(self, seconds: float, status: int | None, body: str = "", error: str = ""):
        with self.lock:
            self.latencies.append(seconds)
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if error or (status is not None and status >= 500):
                self.errors.append(error or f"HTTP {status}")
            if LOCKED in body:
                self.locked += 1


class User:
    def __init__(self, n: int, base: str, sandbox_url: str, secret: str, stats: Stats,
                 person: str = "ada"):
        self.base, self.stats = base, stats
        self.http = requests.Session()
        self.sandbox = SandboxControl(sandbox_url, timeout=30, secret=secret)
        self.email = f"user{n}-{secrets.token_hex(3)}@example.com"
        self.person = person  # each app user connects as its own Notion person (own bot_id)
        self.data_source_page: str | None = None
        self.rows = 0

    def call(self, method: str, path: str, **kw) -> requests.Response | None:
        url = path if path.startswith("http") else self.base + path
        start = time.perf_counter()
        try:
            resp = self.http.request(method, url, allow_redirects=False, timeout=30, **kw)
        except requests.RequestException as exc:
            self.stats.add(time.perf_counter() - start, None, error=type(exc).__name__)
            return None
        self.stats.add(time.perf_counter() - start, resp.status_code, resp.text)
        return resp

    def form(self, page: str, action: str | None = None, data: dict | None = None):
        resp = self.call("GET", page)
        if resp is None or 'name="csrf_token"' not in resp.text:
            return None
        token = resp.text.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        return self.call("POST", action or page, data={"csrf_token": token, **(data or {})})

    def connect(self) -> None:
        resp = self.form("/connections", "/connections/connect")
        if resp is None or resp.status_code != 302:
            return
        try:
            callback = self.sandbox.consent(resp.headers["Location"], workspace="acme",
                                            user=self.person)
        except (AssertionError, requests.RequestException) as exc:
            with self.stats.lock:  # the sandbox (the test double), not the app under test
                self.stats.sandbox_errors.append(f"{type(exc).__name__}: {exc}"[:300])
            return
        self.call("GET", callback)

    def find_tasks(self) -> None:
        """The Tasks data source page of this user's connection (for the page and append mix)."""
        resp = self.call("GET", "/connections")
        found = re.search(r"/connections/(\d+)/databases", resp.text if resp else "")
        if found:
            ds = self.sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"]
            self.data_source_page = f"/connections/{found[1]}/data-sources/{ds}"

    def append(self) -> None:
        resp = self.call("GET", self.data_source_page)
        if resp is None or 'name="nonce"' not in resp.text:
            return
        token = re.search(r'name="csrf_token" value="([^"]+)"', resp.text)
        nonce = re.search(r'name="nonce" value="([0-9a-f]{32})"', resp.text)
        if token and nonce:
            self.rows += 1
            self.call("POST", self.data_source_page, data={
                "csrf_token": token[1], "nonce": nonce[1], "p-title": f"{self.email} #{self.rows}",
            })

    def run(self, deadline: float) -> None:
        self.form("/auth/signup", data={"email": self.email, "password": PASSWORD,
                                        "confirm": PASSWORD})
        self.connect()
        self.find_tasks()
        if self.data_source_page:
            self.append()  # one row each, however long a busy machine took to get here
        rnd = random.Random()
        while time.monotonic() < deadline:
            roll = rnd.random()
            if roll < 0.35:
                self.call("GET", "/connections")
            elif roll < 0.5 and self.data_source_page:
                self.call("GET", self.data_source_page.split("/data-sources/")[0] + "/databases")
            elif roll < 0.65 and self.data_source_page:
                self.call("GET", self.data_source_page)
            elif roll < 0.75 and self.data_source_page:
                self.append()
            elif roll < 0.8:
                self.call("GET", "/")
            elif roll < 0.85:
                self.call("GET", "/healthz")
            elif roll < 0.93:
                self.form("/connections", "/auth/logout")
                self.form("/auth/login", data={"email": self.email, "password": PASSWORD})
            else:
                self.connect()


def run_one(kind: str, users: int, duration: float, workers: int, threads: int,
            fast_hash: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        port, sandbox_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "NOTION_"))}
        env.pop("REDIS_URL", None)
        env.update(
            APP_ENV="development", NOTION_SANDBOX="1", NOTION_SANDBOX_PORT=str(sandbox_port),
            NOTION_REDIRECT_URI=f"http://127.0.0.1:{port}/notion/callback", DATABASE_URL=url,
            SECRET_KEY=secrets.token_urlsafe(48), TOKEN_ENCRYPTION_KEY=secrets.token_hex(32),
            WEB_CONCURRENCY=str(workers), GUNICORN_THREADS=str(threads), PORT=str(port),
            NOTION_SANDBOX_SECRET=secrets.token_urlsafe(32),
        )
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        app = "app:app"
        if fast_hash:
            app = "notion_app:create_app({'PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000'})"
        log = Path(tmp) / "gunicorn.log"
        with log.open("w") as out:
            gunicorn = str(Path(sys.executable).with_name("gunicorn"))
            server = subprocess.Popen(
                [gunicorn, "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null", app],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, server)
            stats = Stats()
            deadline = time.monotonic() + duration
            sandbox_url = f"http://127.0.0.1:{sandbox_port}"
            control = SandboxControl(sandbox_url, secret=env["NOTION_SANDBOX_SECRET"])
            people = control.add_people("acme", users, prefix="load")
            crowd = [User(n, base, sandbox_url, env["NOTION_SANDBOX_SECRET"], stats,
                          person=people[n]["key"])
                     for n in range(users)]
            started = time.monotonic()
            threads_ = [threading.Thread(target=u.run, args=(deadline,)) for u in crowd]
            for t in threads_:
                t.start()
            for t in threads_:
                t.join()
            elapsed = time.monotonic() - started
            time.sleep(2)  # rows that waited on Notion's pace go out in the background
            titles = Counter(
                p["request_properties"]["Name"]["title"][0]["text"]["content"]
                for p in control.pages()
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        server_log = log.read_text(errors="replace")
    lat = sorted(stats.latencies)

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

    return {
        "database": kind, "users": users, "duration_s": round(elapsed, 1),
        "workers": workers, "threads": threads, "requests": len(lat),
        "requests_per_s": round(len(lat) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
        "mean_ms": round(1000 * statistics.fmean(lat), 1) if lat else 0.0,
        "errors": len(stats.errors), "error_kinds": sorted(set(stats.errors))[:10],
        "sandbox_errors": len(stats.sandbox_errors),
        "sandbox_error_kinds": sorted(set(stats.sandbox_errors))[:5],
        "status_5xx": sum(c for s, c in stats.statuses.items() if s >= 500),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "database_is_locked": stats.locked + server_log.count(LOCKED),
        "server_tracebacks": server_log.count("Traceback"),
        "rows_submitted": sum(u.rows for u in crowd),
        "pages_created": sum(titles.values()),
        "duplicate_pages": sum(c - 1 for c in titles.values() if c > 1),
    }


def wait_ready(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it was ready")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per database")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=8, help="GUNICORN_THREADS")
    parser.add_argument("--slow-hash", dest="fast_hash", action="store_false",
                        help="keep the production password hashing cost")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for kind in kinds:
        result = run_one(kind, args.users, args.duration, args.workers, args.threads,
                         args.fast_hash)
        results.append(result)
        print(f"{kind}: {result['users']} users, {result['duration_s']} s, "
              f"{result['requests']} requests, {result['requests_per_s']} req/s, "
              f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
              f"errors {result['errors']} (5xx {result['status_5xx']}), "
              f"'database is locked' {result['database_is_locked']}, "
              f"rows {result['rows_submitted']} -> pages {result['pages_created']} "
              f"(duplicates {result['duplicate_pages']})", flush=True)
    print(json.dumps({"t31": results}))
    failed = any(r["errors"] or r["database_is_locked"] or r["duplicate_pages"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
