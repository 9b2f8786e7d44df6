"""The rows API under load (issue 16.6): C clients post N rows to K connections through
`POST /api/v1/data-sources/{id}/rows` with idempotency keys, half of the rows posted twice (a
client retrying), against gunicorn (as the Procfile runs it) and the built-in sandbox.

    python bench/api.py                                     # 20 clients, 2,000 rows, Postgres
    python bench/api.py --rows 200 --database sqlite        # a quick check

K people sign up, each connects acme as its own Notion person (its own bot, its own rate
limit) and gets a token from `flask api-token create` (their addresses are confirmed in the
database first: the bench has no mailbox). API_RATE_LIMIT is set above the load, and the app's
pacer to the sandbox's limit (`--rate` per connection). Prints, then one JSON line:
accepted/s (202s of first posts per second of posting), p50/p95/p99 of every post, 409s (a
retry that overtook its first post: retried after Retry-After), 5xx, then the time until every
row is sent, and lost (rows not in Notion) and duplicates (a row in Notion twice) - both must
be 0. Goal on 2 cores with Postgres: >= 200 accepted/s, p95 <= 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from load import PASSWORD, ROOT, database, free_port, wait_ready  # bench/load.py

from notion_app.sandbox.control import SandboxControl  # importable: load.py set the path


class Person:
    """One account with one connection and one API token."""

    def __init__(self, n: int, base: str, person: str):
        self.base, self.person = base, person
        self.email = f"api{n}-{secrets.token_hex(3)}@example.com"
        self.http = requests.Session()
        self.token = ""
        self.data_source = ""

    def form(self, page: str, action: str | None = None, data: dict | None = None):
        html = self.http.get(self.base + page, timeout=30).text
        token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        return self.http.post(self.base + (action or page), allow_redirects=False, timeout=30,
                              data={"csrf_token": token, **(data or {})})

    def sign_up_and_connect(self, control: SandboxControl) -> None:
        self.form("/auth/signup", data={"email": self.email, "password": PASSWORD,
                                        "confirm": PASSWORD})
        resp = self.form("/connections", "/connections/connect")
        callback = control.consent(resp.headers["Location"], workspace="acme", user=self.person)
        self.http.get(callback, timeout=30)
        self.data_source = control.seed()["databases"]["tasks"]["data_sources"]["tasks"]


def confirm_all(url: str, emails: list[str]) -> None:
    """The bench's people confirm their address (as the mailed link would)."""
    from sqlalchemy import create_engine, text

    from notion_app.config import normalize_database_url

    engine = create_engine(normalize_database_url(url))
    with engine.begin() as conn:
        for email in emails:
            conn.execute(text('UPDATE "user" SET email_confirmed_at = CURRENT_TIMESTAMP '
                              "WHERE email = :email"), {"email": email})
    engine.dispose()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.accepted: dict[str, int] = {}  # key -> row id of its first 202
        self.changed_answers = 0  # a repeat whose row id differs from the first's
        self.errors: list[str] = []

    def add(self, seconds: float, status: int | None, key: str, row_id: int | None, err=""):
        with self.lock:
            self.latencies.append(seconds)
            if status is not None:
                self.statuses[status] += 1
            if err:
                self.errors.append(err)
            if status == 202 and row_id is not None:
                first = self.accepted.setdefault(key, row_id)
                self.changed_answers += first != row_id


def client(work: queue.Queue, stats: Stats, base: str) -> None:
    http = requests.Session()
    while True:
        try:
            person, key, body = work.get_nowait()
        except queue.Empty:
            return
        url = f"{base}/api/v1/data-sources/{person.data_source}/rows"
        headers = {"Authorization": f"Bearer {person.token}", "Idempotency-Key": key}
        for _ in range(30):
            start = time.perf_counter()
            try:
                resp = http.post(url, json=body, headers=headers, timeout=30)
            except requests.RequestException as exc:
                stats.add(time.perf_counter() - start, None, key, None, type(exc).__name__)
                break
            row_id = resp.json().get("id") if resp.status_code == 202 else None
            stats.add(time.perf_counter() - start, resp.status_code, key, row_id)
            if resp.status_code != 409:
                break
            time.sleep(float(resp.headers.get("Retry-After", "1")))


def run(kind: str, clients: int, rows: int, connections: int, workers: int, threads: int,
        rate: float, wait_s: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        port, sandbox_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "NOTION_"))}
        env.pop("REDIS_URL", None)
        env.update(
            APP_ENV="development", NOTION_SANDBOX="1", NOTION_SANDBOX_PORT=str(sandbox_port),
            NOTION_REDIRECT_URI=f"http://127.0.0.1:{port}/notion/callback", DATABASE_URL=url,
            SECRET_KEY=secrets.token_urlsafe(48), TOKEN_ENCRYPTION_KEY=secrets.token_hex(32),
            WEB_CONCURRENCY=str(workers), GUNICORN_THREADS=str(threads), PORT=str(port),
            NOTION_SANDBOX_SECRET=secrets.token_urlsafe(32), API_RATE_LIMIT="1000000/minute",
            NOTION_RATE=str(rate), NOTION_BURST=str(int(rate)),
            NOTION_WORKSPACE_RATE=str(rate * connections * 2),
            NOTION_WORKSPACE_BURST=str(int(rate * connections * 2)),
        )
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=120)
        app = "notion_app:create_app({'PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000'})"
        log = Path(tmp) / "gunicorn.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [str(Path(sys.executable).with_name("gunicorn")), "--config", "gunicorn.conf.py",
                 "--access-logfile", "/dev/null", app],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, server)
            control = SandboxControl(f"http://127.0.0.1:{sandbox_port}",
                                     secret=env["NOTION_SANDBOX_SECRET"])
            control.settings(rate_limit={"rate": rate, "burst": int(rate)})
            names = control.add_people("acme", connections, prefix="api")
            people = [Person(n, base, names[n]["key"]) for n in range(connections)]
            for p in people:
                p.sign_up_and_connect(control)
            confirm_all(url, [p.email for p in people])
            for p in people:
                made = subprocess.run([*flask, "api-token", "create", p.email], cwd=ROOT,
                                      env=env, check=True, capture_output=True, text=True,
                                      timeout=60)
                p.token = made.stdout.strip()
            work, items = queue.Queue(), []
            for n in range(rows):
                person = people[n % connections]
                body = {"values": {"Name": f"api-bench {n}", "Estimate": n % 13}}
                items.append((person, f"row-{n}", body))
            retries = random.Random(7).sample(items, rows // 2)
            mixed = items + retries
            random.Random(11).shuffle(mixed)
            for item in mixed:
                work.put(item)
            stats = Stats()
            started = time.monotonic()
            pool = [threading.Thread(target=client, args=(work, stats, base))
                    for _ in range(clients)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            posting = time.monotonic() - started
            delivered_s = wait_delivered(control, rows, started, wait_s)
            titles = Counter(p["request_properties"]["Name"]["title"][0]["text"]["content"]
                             for p in control.pages())
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        server_log = log.read_text(errors="replace")
    lat = sorted(stats.latencies)

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

    wanted = {f"api-bench {n}" for n in range(rows)}
    return {
        "database": kind, "clients": clients, "rows": rows, "connections": connections,
        "retried_rows": rows // 2, "workers": workers, "threads": threads, "rate": rate,
        "posts": len(lat), "posting_s": round(posting, 2),
        "accepted_per_s": round(len(stats.accepted) / posting, 1) if posting else 0.0,
        "posts_per_s": round(len(lat) / posting, 1) if posting else 0.0,
        "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
        "mean_ms": round(1000 * statistics.fmean(lat), 1) if lat else 0.0,
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "status_409": stats.statuses.get(409, 0),
        "status_5xx": sum(c for s, c in stats.statuses.items() if s >= 500),
        "errors": len(stats.errors), "changed_answers": stats.changed_answers,
        "accepted_rows": len(stats.accepted),
        "all_delivered_s": delivered_s,
        "lost": len(wanted - set(titles)),
        "duplicates": sum(c - 1 for c in titles.values() if c > 1),
        "server_tracebacks": server_log.count("Traceback"),
    }


def wait_delivered(control: SandboxControl, rows: int, started: float, wait_s: float):
    """Seconds from the first post until the sandbox holds every row (None: it did not)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if len(control.pages()) >= rows:
            return round(time.monotonic() - started, 1)
        time.sleep(0.5)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=8, help="GUNICORN_THREADS")
    parser.add_argument("--rate", type=float, default=30.0,
                        help="the sandbox's limit per connection, and the app's pacer")
    parser.add_argument("--wait", type=float, default=600.0, help="seconds to wait for delivery")
    args = parser.parse_args()
    result = run(args.database, args.clients, args.rows, args.connections, args.workers,
                 args.threads, args.rate, args.wait)
    print(f"{result['database']}: {result['clients']} clients, {result['rows']} rows "
          f"({result['retried_rows']} posted twice) to {result['connections']} connections: "
          f"{result['accepted_per_s']} accepted/s ({result['posts_per_s']} posts/s), "
          f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; "
          f"409 {result['status_409']}, 5xx {result['status_5xx']}, errors {result['errors']}; "
          f"all sent after {result['all_delivered_s']} s; lost {result['lost']}, "
          f"duplicates {result['duplicates']}", flush=True)
    print(json.dumps({"api": result}))
    bad = (result["lost"] or result["duplicates"] or result["status_5xx"] or result["errors"]
           or result["changed_answers"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
