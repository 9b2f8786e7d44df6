"""What a page costs: logged-in users on gunicorn (as the Procfile runs it) against the sandbox.

Each bench user signs up and connects a Notion workspace of its own (Notion paces per connection),
then, phase after phase, all users hit one page for `--duration` seconds:

    dashboard     GET  /connections                          (no Notion call)
    list          GET  /connections/<id>/databases            (cached Notion answers)
    data_source   GET  /connections/<id>/data-sources/<ds>    (the latest rows: a Notion query)
    append        POST the row form                           (one Notion page created)

once with the sandbox answering at once (latency 0 ms) and once at `--latency` ms (200). The
floor is a bare Flask route (bench/bare.py) under the same gunicorn configuration, in the same run.

    python bench/pages.py                                 # 50 users, 20 s a phase
    python bench/pages.py --users 10 --duration 5 --latencies 0

Per phase: requests/s, p50/p95/p99, errors, Notion calls per request (the sandbox's request log)
and RSS per gunicorn worker (/proc); then one JSON line with it all and the goals:
  * at the highest latency the data-source page p95 <= 2x the Notion time it needs (its Notion
    calls per request x latency), with 0 errors;
  * the cached pages (dashboard, list) reach >= 40% of the bare route's requests/s.
The users of the Notion-bound phases think `--think` seconds between requests (a person does not
reload a page five times a second, and Notion allows about 3 requests/s per connection); the
cached pages and the bare route are hit without pause, to measure throughput.
"""

from __future__ import annotations

import argparse
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
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import database, free_port, wait_ready  # noqa: E402

from notion_app.sandbox.control import SandboxControl  # noqa: E402

PASSWORD = "correct horse battery"
CLIENT_ID, CLIENT_SECRET = "bench-integration", "bench-client-secret"
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PHASES = ("dashboard", "list", "data_source", "append")
NOTION_BOUND = {"data_source", "append"}


class Gunicorn:
    """gunicorn as the Procfile's web line, plus `extra` arguments; its workers' RSS."""

    def __init__(self, app: str, env: dict, log: Path, extra: tuple[str, ...] = ()):
        binary = str(Path(sys.executable).with_name("gunicorn"))
        self.out = log.open("w")
        self.proc = subprocess.Popen(
            [binary, "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null", *extra,
             app], cwd=ROOT, env=env, stdout=self.out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (the master's children), in MB."""
        sizes = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) != self.proc.pid:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            kb = int(re.search(r"VmRSS:\s+(\d+)", status)[1])
            sizes.append(round(kb / 1024, 1))
        return sorted(sizes)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.out.close()


class User:
    """One logged-in person with a connection of its own."""

    def __init__(self, n: int, base: str):
        self.n, self.base = n, base
        self.http = requests.Session()
        self.email = f"pages{n}-{secrets.token_hex(3)}@example.com"
        self.connection_id = self.csrf = None

    def setup(self, sandbox: SandboxControl, ds_id: str) -> None:
        html = self.http.get(self.base + "/auth/signup", timeout=30).text
        form = {"csrf_token": CSRF_RE.search(html)[1], "email": self.email,
                "password": PASSWORD, "confirm": PASSWORD}
        self.http.post(self.base + "/auth/signup", data=form, timeout=60)
        html = self.http.get(self.base + "/connections", timeout=30).text
        self.csrf = CSRF_RE.search(html)[1]
        resp = self.http.post(self.base + "/connections/connect", data={"csrf_token": self.csrf},
                              allow_redirects=False, timeout=30)
        callback = sandbox.consent(resp.headers["Location"], workspace="acme",
                                   user=f"bench{self.n}", pages=["tasks", "projects"])
        self.http.get(callback, timeout=30)
        html = self.http.get(self.base + "/connections", timeout=30).text
        self.connection_id = int(re.search(r"/connections/(\d+)/databases", html)[1])
        # Warm the cache the way a person's first visits do.
        self.http.get(f"{self.base}/connections/{self.connection_id}/databases", timeout=30)
        self.ds_path = f"/connections/{self.connection_id}/data-sources/{ds_id}"
        self.http.get(self.base + self.ds_path, timeout=30)

    def request(self, phase: str) -> requests.Response:
        if phase == "bare":
            return self.http.get(self.base + "/", timeout=30)
        if phase == "dashboard":
            return self.http.get(self.base + "/connections", timeout=30)
        if phase == "list":
            return self.http.get(f"{self.base}/connections/{self.connection_id}/databases",
                                 timeout=30)
        if phase == "data_source":
            return self.http.get(self.base + self.ds_path, timeout=30)
        form = {"csrf_token": self.csrf, "nonce": uuid.uuid4().hex,
                "p-title": f"Bench row {uuid.uuid4().hex[:8]}"}
        return self.http.post(self.base + self.ds_path, data=form, allow_redirects=False,
                              timeout=30)


def ok(phase: str, resp: requests.Response) -> bool:
    if phase == "append":
        return resp.status_code == 302 and "/auth/login" not in resp.headers.get("Location", "")
    return resp.status_code == 200


def run_phase(phase: str, users: list[User], duration: float, think: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def loop(user: User) -> None:
        mine, bad = [], []
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                resp = user.request(phase)
                if not ok(phase, resp):
                    bad.append(f"HTTP {resp.status_code}")
            except requests.RequestException as exc:
                bad.append(type(exc).__name__)
            mine.append(time.perf_counter() - start)
            if think:
                time.sleep(think)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

    return {"page": phase, "users": len(users), "duration_s": round(elapsed, 1),
            "think_s": think, "requests": len(lat),
            "requests_per_s": round(len(lat) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "errors": len(errors), "error_kinds": sorted(set(errors))[:5]}


def app_env(tmp: Path, url: str, port: int, sandbox_url: str, workers, threads) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "NOTION_"))}
    for name in ("REDIS_URL", "DYNO", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        env.pop(name, None)
    env.update(
        APP_ENV="development", NOTION_SANDBOX="0", NOTION_CLIENT_ID=CLIENT_ID,
        NOTION_CLIENT_SECRET=CLIENT_SECRET, NOTION_API_BASE_URL=sandbox_url,
        NOTION_REDIRECT_URI=f"http://127.0.0.1:{port}/notion/callback", DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(48), TOKEN_ENCRYPTION_KEY=secrets.token_hex(32),
        PORT=str(port),
    )
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    return env


def run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp_, database(args.database, Path(tmp_)) as url:
        tmp = Path(tmp_)
        port, sandbox_port = free_port(), free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        env = app_env(tmp, url, port, sandbox_url, args.workers, args.threads)
        sandbox_proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "sandbox_people.py"), str(sandbox_port),
             str(args.users), CLIENT_ID, CLIENT_SECRET, env["NOTION_REDIRECT_URI"]],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        app = Gunicorn("app:app", env, tmp / "app.log")
        base = f"http://127.0.0.1:{port}"
        sandbox = SandboxControl(sandbox_url, timeout=30)
        phases, memory = [], {}
        try:
            wait_ready(base, app.proc)
            deadline = time.monotonic() + 30
            while True:
                try:
                    sandbox.health()
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            sandbox.settings(rate_limit=None, latency_ms=0)
            ds_id = sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"]
            users = [User(n, base) for n in range(args.users)]
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda u: u.setup(sandbox, ds_id), users))
            memory["after_setup"] = app.worker_rss_mb()
            # Appends last: every row they add lands in the one Tasks data source all users
            # share, and the sandbox sorts it whole for each query (Notion would not).
            order = [(lat, p) for lat in args.latencies for p in args.pages if p != "append"]
            order += [(lat, p) for lat in args.latencies for p in args.pages if p == "append"]
            for latency, phase in order:
                sandbox.settings(latency_ms=latency)
                sandbox.clear_requests()
                think = args.think if phase in NOTION_BOUND else 0.0
                result = run_phase(phase, users, args.duration, think)
                calls = len(sandbox.requests(path="/v1/"))
                result.update(
                    latency_ms=latency,
                    notion_calls_per_request=round(calls / max(1, result["requests"]), 2),
                    worker_rss_mb=app.worker_rss_mb(),
                )
                phases.append(result)
                report(result)
        finally:
            app.stop()
            sandbox.close()
            os.killpg(sandbox_proc.pid, signal.SIGTERM)
            sandbox_proc.wait(10)
        server_log = (tmp / "app.log").read_text(errors="replace")

        bare_port = free_port()
        bare_env = {**env, "PORT": str(bare_port)}
        bare = Gunicorn("bare:app", bare_env, tmp / "bare.log", ("--pythonpath", "bench"))
        try:
            wait_ready(f"http://127.0.0.1:{bare_port}", bare.proc)
            floor = run_phase("bare", [User(n, f"http://127.0.0.1:{bare_port}")
                                       for n in range(args.users)], args.duration, 0.0)
            floor.update(latency_ms=None, notion_calls_per_request=0.0,
                         worker_rss_mb=bare.worker_rss_mb())
            report(floor)
        finally:
            bare.stop()
    return {"phases": phases, "bare": floor, "memory": memory,
            "server_tracebacks": server_log.count("Traceback"),
            "workers": env.get("WEB_CONCURRENCY", "gunicorn.conf.py default"),
            "threads": env.get("GUNICORN_THREADS", "gunicorn.conf.py default")}


def goals(result: dict) -> dict:
    """The issue's two goals, checked on this run's figures."""
    bare_rps = result["bare"]["requests_per_s"] or 1.0
    top = max(p["latency_ms"] for p in result["phases"])
    ds = next(p for p in result["phases"]
              if p["page"] == "data_source" and p["latency_ms"] == top)
    notion_ms = ds["notion_calls_per_request"] * top
    ratios = {f"{p['page']}@{p['latency_ms']}ms": round(p["requests_per_s"] / bare_rps, 2)
              for p in result["phases"] if p["page"] in ("dashboard", "list")}
    return {
        "data_source_latency_ms": top,
        "data_source_p95_ms": ds["p95_ms"],
        "data_source_notion_ms": notion_ms,
        "data_source_p95_over_notion": round(ds["p95_ms"] / notion_ms, 2) if notion_ms else None,
        "data_source_ok": bool(notion_ms) and ds["p95_ms"] <= 2 * notion_ms
        and ds["errors"] == 0,
        "cached_over_bare": ratios,
        "cached_ok": all(r >= 0.4 for r in ratios.values()),
    }


def report(r: dict) -> None:
    latency = "bare route" if r["latency_ms"] is None else f"sandbox {r['latency_ms']} ms"
    print(f"{r['page']:<12} {latency:<16} {r['users']} users  {r['requests']:>6} requests  "
          f"{r['requests_per_s']:>7} req/s  p50 {r['p50_ms']} / p95 {r['p95_ms']} / "
          f"p99 {r['p99_ms']} ms  errors {r['errors']}  "
          f"Notion calls/request {r['notion_calls_per_request']}  "
          f"worker RSS {r['worker_rss_mb']} MB", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--latencies", default="0,200",
                        help="sandbox latency_ms values, comma-separated")
    parser.add_argument("--think", type=float, default=0.5,
                        help="seconds between a user's requests in the Notion-bound phases")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default: gunicorn.conf.py)")
    parser.add_argument("--pages", default=",".join(PHASES),
                        help=f"phases to run, comma-separated (default {','.join(PHASES)})")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    args.latencies = [int(v) for v in args.latencies.split(",")]
    args.pages = [p for p in args.pages.split(",") if p]
    if not set(args.pages) <= set(PHASES):
        parser.error(f"--pages takes {', '.join(PHASES)}")
    result = run(args)
    result["goals"] = goals(result)
    g = result["goals"]
    print(f"goal: data-source p95 {g['data_source_p95_ms']} ms <= 2 x {g['data_source_notion_ms']}"
          f" ms of Notion time: {'met' if g['data_source_ok'] else 'NOT met'}; cached pages / "
          f"bare route {g['cached_over_bare']}: {'met' if g['cached_ok'] else 'NOT met'}",
          flush=True)
    print(json.dumps({"pages": result}))
    errors = sum(p["errors"] for p in result["phases"]) + result["bare"]["errors"]
    return 1 if errors or result["server_tracebacks"] else 0


if __name__ == "__main__":
    sys.exit(main())
