"""A deployer's run: the Procfile's release, web (gunicorn) and worker lines on PostgreSQL and
Redis, the sandbox on its own at 3 requests/s (and the app's pacer at it), over real HTTP.

What it does, as people would: a row form row whose create gets a 429 with Retry-After 12 s (the
worker sends it after), a row whose create is made and then answered 502 (reconciled after
RECONCILE_SETTLE_SECONDS, not sent twice), two API posts with one Idempotency-Key (a token from
`flask api-token create`), and a 40-row CSV import on one connection while another connection
adds a row. Prints a JSON line: when each arrived, row states, pages, duplicates, and whether
the API token appears in the processes' output (it must not).

    python bench/deploy_run.py     # TEST_POSTGRES_URL, REDIS_URL (default DB 10, flushed)
"""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests

ROOT = str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, ROOT)
sys.path.insert(0, ROOT + "/tests")
from ops.support import free_port, post_form  # noqa: E402

from notion_app.sandbox.control import SandboxControl  # noqa: E402

PW = "correct horse battery"
SP, WP = free_port(), free_port()
BASE = f"http://localhost:{WP}"
name = f"dep_{secrets.token_hex(4)}"
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/10")
with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
    admin.execute(f'CREATE DATABASE "{name}"')
import redis  # noqa: E402

redis.Redis.from_url(REDIS_URL).flushdb()
secret = secrets.token_urlsafe(24)
env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "NOTION_"))}
env.update(
    APP_ENV="development",
    NOTION_SANDBOX="0",
    DATABASE_URL=ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
    REDIS_URL=REDIS_URL,
    SECRET_KEY=secrets.token_urlsafe(48),
    TOKEN_ENCRYPTION_KEY=secrets.token_hex(32),
    NOTION_CLIENT_ID="dep-client",
    NOTION_CLIENT_SECRET="dep-secret-" + secrets.token_hex(8),
    NOTION_REDIRECT_URI=f"{BASE}/notion/callback",
    NOTION_API_BASE_URL=f"http://127.0.0.1:{SP}",
    NOTION_RATE="3",
    NOTION_BURST="10",
    NOTION_WORKSPACE_RATE="3",
    NOTION_WORKSPACE_BURST="10",
    WEB_CONCURRENCY="2",
    GUNICORN_THREADS="4",
    PORT=str(WP),
    PYTHONUNBUFFERED="1",
    NOTION_SANDBOX_SECRET=secret,
    SIGNUP_THROTTLE_LIMIT="1000",
)
py = sys.executable
LOG = Path(tempfile.gettempdir()) / f"deploy_run_{name}.log"
logs = LOG.open("w")
procs = []


def start(args):
    p = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True
    )
    procs.append(p)
    return p


try:
    start(
        [
            py,
            "-m",
            "notion_app.sandbox",
            "--port",
            str(SP),
            "--client-id",
            env["NOTION_CLIENT_ID"],
            "--client-secret",
            env["NOTION_CLIENT_SECRET"],
            "--redirect-uri",
            env["NOTION_REDIRECT_URI"],
        ]
    )
    subprocess.run(
        [py, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    start([str(Path(py).parent / "gunicorn"), "--config", "gunicorn.conf.py", "app:app"])
    start([py, "-m", "notion_app.ops.worker"])
    sandbox = SandboxControl(f"http://127.0.0.1:{SP}", secret=secret)
    for _ in range(100):
        try:
            if requests.get(BASE + "/healthz", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.3)

    def account(email, user):
        http = requests.Session()
        assert (
            post_form(
                http, BASE, "/auth/signup", data={"email": email, "password": PW, "confirm": PW}
            ).status_code
            == 302
        )
        authorize = post_form(http, BASE, "/connections", "/connections/connect").headers[
            "Location"
        ]
        callback = sandbox.consent(
            authorize, workspace="acme" if user == "ada" else "globex", user=user
        )
        http.get(callback, allow_redirects=False, timeout=20)
        dash = http.get(BASE + "/connections", timeout=20).text
        return http, re.search(r"/connections/(\d+)/databases", dash)[1]

    def add_row(http, conn, ds, title):
        page = f"/connections/{conn}/data-sources/{ds}"
        html = http.get(BASE + page, timeout=30).text
        fields = {
            "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1],
            "nonce": re.search(r'name="nonce" value="([0-9a-f]{32})"', html)[1],
            "p-title": title,
        }
        t0 = time.monotonic()
        resp = http.post(BASE + page, data=fields, allow_redirects=False, timeout=30)
        return resp.status_code, time.monotonic() - t0

    ada, ada_conn = account("ada@example.com", "ada")
    hedy, hedy_conn = account("hedy@example.com", "hedy")
    seed = sandbox.seed()["databases"]
    tasks = seed["tasks"]["data_sources"]["tasks"]
    ledger = seed["ledger_001"]["data_sources"]["ledger_001"]

    def titles():
        out = {}
        for p in sandbox.pages():
            props = p["request_properties"]
            key = next(iter(props))
            t = props[key]["title"][0]["text"]["content"]
            out[t] = out.get(t, 0) + 1
        return out

    def wait(title, timeout=90):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if title in titles():
                return time.monotonic() - t0
            time.sleep(0.2)
        return None

    results = {}
    sandbox.fail_next(429, count=1, path="/v1/pages", method="POST", retry_after=12)
    status, took = add_row(ada, ada_conn, tasks, "After a 12 s Retry-After")
    results["retry_after_post"] = (status, round(took, 2))
    results["retry_after_arrived_s"] = wait("After a 12 s Retry-After")
    sandbox.ambiguous(count=1, mode="status", status=502)
    status, took = add_row(ada, ada_conn, tasks, "Made then 502")
    results["ambiguous_post"] = (status, round(took, 2))
    time.sleep(15)  # the worker's reconcile after RECONCILE_SETTLE_SECONDS
    # A 40-row CSV import on Ada's connection; Hedy adds one row while it is sent.
    page = f"/connections/{ada_conn}/data-sources/{tasks}/import"
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', ada.get(BASE + page, timeout=20).text
    )[1]
    csv = "Name\n" + "".join(f"batch {i}\n" for i in range(40))
    resp = ada.post(
        BASE + page,
        data={"csrf_token": token},
        files={"file": ("b.csv", csv.encode())},
        allow_redirects=False,
        timeout=30,
    )
    preview = resp.headers["Location"]
    html = ada.get(BASE + preview if preview.startswith("/") else preview, timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]
    send_url = (BASE + preview if preview.startswith("/") else preview) + "/send"
    ada.post(send_url, data={"csrf_token": token}, allow_redirects=False, timeout=30)
    time.sleep(3)
    status, took = add_row(hedy, hedy_conn, ledger, "Hedy's single row")
    results["single_post"] = (status, round(took, 2))
    results["single_arrived_s"] = wait("Hedy's single row", 60)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as c:
        c.execute("update \"user\" set email_confirmed_at = now() where email = 'ada@example.com'")
    out = subprocess.run(
        [
            py,
            "-m",
            "flask",
            "--app",
            "app",
            "api-token",
            "create",
            "ada@example.com",
            "--name",
            "deployer",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    token = out.stdout.strip().splitlines()[-1]
    hdr = {"Authorization": f"Bearer {token}", "Idempotency-Key": "dep-1"}
    body = {"values": {"Name": "From the API"}}
    a1 = requests.post(
        f"{BASE}/api/v1/data-sources/{tasks}/rows", json=body, headers=hdr, timeout=20
    )
    a2 = requests.post(
        f"{BASE}/api/v1/data-sources/{tasks}/rows", json=body, headers=hdr, timeout=20
    )
    results["api_posts"] = [
        a1.status_code,
        a2.status_code,
        a1.json().get("id") == a2.json().get("id"),
    ]
    results["api_arrived_s"] = wait("From the API", 60)
    results["token_in_logs"] = token in LOG.read_text()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120 and sum(1 for t in titles() if t.startswith("batch ")) < 40:
        time.sleep(0.5)
    found = titles()
    results["batch_in_notion"] = sum(1 for t in found if t.startswith("batch "))
    results["duplicates"] = sum(n - 1 for n in found.values())
    results["page_posts"] = len(sandbox.requests(path="/v1/pages", method="POST"))
    results["pages"] = len(found)
    with psycopg.connect(env["DATABASE_URL"]) as c:
        rows = c.execute("select state, count(*) from row_submission group by state").fetchall()
        results["row_states"] = dict(rows)
        results["ambiguous_row"] = c.execute(
            "select state, attempts, last_attempt_at < sent_at from row_submission"
            " where title_text = 'Made then 502'"
        ).fetchone()
    print(json.dumps({"deploy_run": results}, default=str))
finally:
    for p in procs:
        try:
            os.killpg(p.pid, 15)
        except ProcessLookupError:
            pass
    time.sleep(2)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"process output: {LOG}", file=sys.stderr)
