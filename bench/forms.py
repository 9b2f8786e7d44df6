"""Public forms under a spike (issue 15 point 7): many visitors, each on its own loopback address.

The app runs as the Procfile runs it: gunicorn (`gunicorn.conf.py`, the dev sandbox inside it)
and one `python -m notion_app.ops.worker` (RQ), on PostgreSQL (or SQLite) and Redis, the
sandbox limited to `--rate` requests/s and the app's pacer set to the same. An owner signs up,
is confirmed, connects, shares a form on Tasks and opens it. Then `--visitors` visitors, each
from its own address 127.0.0.x, send `--each` submissions: GET the form, wait the form's minimum
time (FORM_MIN_SECONDS), POST it; the GETs are spread so the POSTs arrive within about
`--spread` seconds. The per-address limit is set above `--each`.

Prints the submissions accepted (a 303 to the thank-you page), errors (anything else), POST
latency p50/p95/p99, then how long until every accepted row was in Notion (from the first POST),
rows lost and duplicated; one JSON line `{"forms": {...}}` at the end.

    python bench/forms.py                                  # 100 visitors x 10, Postgres (~6 min)
    python bench/forms.py --visitors 10 --each 3 --database sqlite     # quick (~30 s)

Needs Redis (`--redis`, default redis://127.0.0.1:6379/11) and, for Postgres,
TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import PASSWORD, database, free_port, wait_ready  # noqa: E402
from notion_app.sandbox.control import SandboxControl  # noqa: E402

TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Owner:
    """The form's owner, through the app's own pages (a requests session)."""

    def __init__(self, base: str, control: SandboxControl):
        import requests

        self.base, self.control, self.http = base, control, requests.Session()
        self.email = f"owner-{secrets.token_hex(3)}@example.com"

    def post(self, page: str, action: str | None = None, data: dict | None = None):
        html = self.http.get(self.base + page, timeout=30).text
        token = CSRF_RE.search(html)[1]
        return self.http.post(self.base + (action or page), data={"csrf_token": token,
                              **(data or {})}, allow_redirects=False, timeout=30)

    def share_a_form(self, database_url: str) -> str:
        signed_up = self.post("/auth/signup", data={"email": self.email, "password": PASSWORD,
                                                    "confirm": PASSWORD})
        assert signed_up.status_code == 302, f"sign-up refused: {signed_up.status_code}"
        confirm(database_url, self.email)
        authorize = self.post("/connections", "/connections/connect").headers["Location"]
        self.http.get(self.control.consent(authorize, workspace="acme", user="ada"), timeout=30)
        conn = re.search(r"/connections/(\d+)/databases",
                         self.http.get(self.base + "/connections", timeout=30).text)[1]
        ds = self.control.seed()["databases"]["tasks"]["data_sources"]["tasks"]
        made = self.post(f"/connections/{conn}/data-sources/{ds}/forms")
        builder = made.headers["Location"].replace(self.base, "")
        saved = self.post(builder, data={"title": "Spike", "is_open": "on",
                                         "p-title-label": "Name", "p-title-required": "on"})
        assert saved.status_code == 302, saved.text[:500]
        html = self.http.get(self.base + builder, timeout=30).text
        return re.search(r'id="public-link" value="[^"]*(/f/[A-Za-z0-9_-]+)"', html)[1]


def confirm(database_url: str, email: str) -> None:
    """The owner followed the confirmation link (the bench is not about mail)."""
    from sqlalchemy import create_engine, text

    from notion_app.config import normalize_database_url

    engine = create_engine(normalize_database_url(database_url))
    with engine.begin() as conn:
        conn.execute(text('UPDATE "user" SET email_confirmed_at = CURRENT_TIMESTAMP '
                          "WHERE email = :e"), {"e": email})
    engine.dispose()


class Visitors:
    """Submissions from many addresses: each one a GET, the minimum wait, a timed POST."""

    def __init__(self, port: int, path: str, min_seconds: float):
        self.port, self.path, self.min_seconds = port, path, min_seconds
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.first_post: float | None = None
        self.lock = threading.Lock()

    def _request(self, address: str, method: str, path: str, body: str | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                          source_address=(address, 0))
        try:
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def submit(self, address: str, title: str, get_at: float) -> None:
        time.sleep(max(0.0, get_at - time.monotonic()))
        try:
            status, html = self._request(address, "GET", self.path)
            token = TOKEN_RE.search(html)
            if status != 200 or token is None:
                raise RuntimeError(f"GET {status}")
            time.sleep(self.min_seconds + 0.05)
            body = urlencode({"token": token[1], "p-title": title, "website": ""})
            started = time.monotonic()
            with self.lock:
                self.first_post = self.first_post or started
            status, _ = self._request(address, "POST", self.path, body)
            elapsed = time.monotonic() - started
        except Exception as exc:  # noqa: BLE001 - every failure is counted and named
            with self.lock:
                self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            return
        with self.lock:
            self.latencies.append(elapsed)
            self.statuses[status] += 1
            if status != 303:
                self.errors.append(f"POST {status}")


def run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp, database(args.database, Path(tmp)) as url:
        port, sandbox_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "NOTION_"))}
        env.update(
            APP_ENV="development", NOTION_SANDBOX="1", NOTION_SANDBOX_PORT=str(sandbox_port),
            NOTION_SANDBOX_SECRET=secrets.token_urlsafe(32), PORT=str(port),
            NOTION_REDIRECT_URI=f"http://127.0.0.1:{port}/notion/callback", DATABASE_URL=url,
            SECRET_KEY=secrets.token_urlsafe(48), TOKEN_ENCRYPTION_KEY=secrets.token_hex(32),
            REDIS_URL=args.redis, RQ_QUEUE=f"bench-forms-{secrets.token_hex(3)}",
            WEB_CONCURRENCY=str(args.workers), GUNICORN_THREADS=str(args.threads),
            NOTION_RATE=str(args.rate), NOTION_BURST=str(args.burst),
            NOTION_WORKSPACE_RATE=str(args.rate), NOTION_WORKSPACE_BURST=str(args.burst),
            FORM_MIN_SECONDS=str(args.min_seconds), FORM_RATE_LIMIT=str(10 * args.each + 10),
            FORM_RATE_FORM_LIMIT=str(2 * args.visitors * args.each + 10), PYTHONUNBUFFERED="1",
            # Each run signs its owner up from 127.0.0.1, counted in the shared Redis for an
            # hour: past the sign-up limit a later run's owner would be refused.
            SIGNUP_THROTTLE_LIMIT="1000000",
        )
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        app = "notion_app:create_app({'PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000'})"
        logs = [Path(tmp) / "gunicorn.log", Path(tmp) / "worker.log"]
        with logs[0].open("w") as out:
            web = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
                [gunicorn, "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null", app],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        worker = None
        try:
            wait_ready(base, web)
            with logs[1].open("w") as out:
                worker = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                    [sys.executable, "-m", "notion_app.ops.worker"], cwd=ROOT, env=env,
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            control = SandboxControl(f"http://127.0.0.1:{sandbox_port}",
                                     secret=env["NOTION_SANDBOX_SECRET"], timeout=30)
            path = Owner(base, control).share_a_form(url)
            control.settings(rate_limit={"rate": args.rate, "burst": args.burst})
            visitors = Visitors(port, path, args.min_seconds)
            window = max(0.0, args.spread - args.min_seconds)
            total = args.visitors * args.each
            start = time.monotonic() + 1.0
            titles = []
            with ThreadPoolExecutor(max_workers=min(total, args.concurrency)) as pool:
                for k in range(args.each):
                    for n in range(args.visitors):
                        slot = (k * args.visitors + n) / max(1, total - 1)
                        title = f"visitor {n} #{k} {secrets.token_hex(2)}"
                        titles.append(title)
                        pool.submit(visitors.submit, f"127.0.{1 + n // 250}.{1 + n % 250}",
                                    title, start + slot * window)
            accepted = visitors.statuses[303]
            delivered_at = None
            deadline = time.monotonic() + args.deliver_timeout
            while time.monotonic() < deadline:
                made = Counter(p["request_properties"]["Name"]["title"][0]["text"]["content"]
                               for p in control.pages())
                if sum(1 for t in titles if made[t]) >= accepted:
                    delivered_at = time.monotonic()
                    break
                time.sleep(1.0)
            made = Counter(p["request_properties"]["Name"]["title"][0]["text"]["content"]
                           for p in control.pages())
        finally:
            for proc in (worker, web):
                if proc is not None and proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(30)
        server_log = "".join(p.read_text(errors="replace") for p in logs if p.exists())
    lat = sorted(visitors.latencies)

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

    return {
        "database": args.database, "visitors": args.visitors, "submitted": total,
        "accepted": accepted, "errors": len(visitors.errors),
        "error_kinds": sorted(set(visitors.errors))[:5],
        "accept_p50_ms": pct(0.50), "accept_p95_ms": pct(0.95), "accept_p99_ms": pct(0.99),
        "delivered_s": round(delivered_at - visitors.first_post, 1) if delivered_at else None,
        "lost": sum(1 for t in titles if not made[t]) - (total - accepted),
        "duplicates": sum(made[t] - 1 for t in titles if made[t] > 1),
        "server_tracebacks": server_log.count("Traceback"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--each", type=int, default=10, help="submissions per visitor")
    parser.add_argument("--spread", type=float, default=20.0, help="seconds the POSTs span")
    parser.add_argument("--min-seconds", type=float, default=3.0, help="FORM_MIN_SECONDS")
    parser.add_argument("--rate", type=float, default=3.0, help="the sandbox's and the pacer's")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=8, help="GUNICORN_THREADS")
    parser.add_argument("--concurrency", type=int, default=200, help="visitor threads")
    parser.add_argument("--deliver-timeout", type=float, default=900.0)
    args = parser.parse_args()
    result = run(args)
    print(f"{result['database']}: {result['submitted']} submitted by {result['visitors']} "
          f"visitors, {result['accepted']} accepted, {result['errors']} errors, POST p50 "
          f"{result['accept_p50_ms']} ms, p95 {result['accept_p95_ms']} ms, p99 "
          f"{result['accept_p99_ms']} ms; all in Notion after {result['delivered_s']} s; "
          f"lost {result['lost']}, duplicates {result['duplicates']}", flush=True)
    keys = ("submitted", "accepted", "errors", "accept_p50_ms", "accept_p95_ms",
            "accept_p99_ms", "delivered_s", "lost", "duplicates")
    print(json.dumps({"forms": {k: result[k] for k in keys}, "detail": result}))
    bad = result["errors"] or result["lost"] or result["duplicates"] or not result["delivered_s"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
