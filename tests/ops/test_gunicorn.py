"""gunicorn as the Procfile runs it: the smoke journey over real HTTP, and T18 (login throttling
counted across 3 workers)."""

from __future__ import annotations

import re
import shlex
import threading
from collections import Counter
from urllib.parse import urlsplit

import pytest
import requests

from notion_app.sandbox.control import SandboxControl
from ops.support import (
    ROOT,
    Gunicorn,
    base_env,
    flask_db_upgrade,
    free_port,
    fresh_postgres_database,
    post_form,
    postgres_url_or_skip,
)

PASSWORD = "correct horse battery"


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: shlex.split(cmd) for name, cmd in (ln.split(":", 1) for ln in lines if ln)}


def test_procfile_lines():
    proc = procfile()
    assert proc["web"] == ["gunicorn", "--config", "gunicorn.conf.py", "app:app"]
    assert proc["release"] == ["flask", "--app", "app", "db", "upgrade"]
    assert proc["worker"] == ["python", "-m", "notion_app.ops.worker"]


def test_smoke_signup_connect_append_under_gunicorn(tmp_path):
    """Start gunicorn exactly as the Procfile's web line, after the release line's migrations."""
    port = free_port()
    env = base_env(
        tmp_path,
        NOTION_REDIRECT_URI=f"http://127.0.0.1:{port}/notion/callback",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
    )
    flask_db_upgrade(env)
    web = procfile()["web"]
    server = Gunicorn(web[1:], env, port)
    try:
        server.wait_ready()
        http = requests.Session()
        base = server.url
        data = {"email": "smoke@example.com", "password": PASSWORD, "confirm": PASSWORD}
        resp = post_form(http, base, "/auth/signup", data=data)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/connections")

        resp = post_form(http, base, "/connections", "/connections/connect")
        assert resp.status_code == 302
        authorize_url = resp.headers["Location"]
        sandbox = SandboxControl(f"http://127.0.0.1:{env['NOTION_SANDBOX_PORT']}",
                                 secret=env["NOTION_SANDBOX_SECRET"])
        assert authorize_url.startswith(sandbox.base_url + "/v1/oauth/authorize")
        callback = sandbox.consent(authorize_url, workspace="acme", user="ada")
        assert callback.startswith(f"{base}/notion/callback?") and "code=" in callback

        resp = http.get(callback, allow_redirects=False, timeout=20)
        assert resp.status_code == 302 and urlsplit(resp.headers["Location"]).query == ""
        dashboard = http.get(base + "/connections", timeout=10)
        assert dashboard.status_code == 200
        assert "Connected <strong>Acme Corp</strong>" in dashboard.text
        assert "Ada Lovelace" in dashboard.text
        append_a_row(http, base, sandbox, dashboard.text)
        assert http.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
    finally:
        server.stop()
    log = server.output()
    assert "GET /notion/callback HTTP/1.1\" 302" in log  # the access log has the path...
    assert "code=" not in log and "state=" not in log  # ...never the query string
    assert "Traceback" not in log


def append_a_row(http: requests.Session, base: str, sandbox: SandboxControl, dashboard: str):
    """Open Tasks from the connection's list and add a row: it reaches the sandbox once."""
    conn_id = re.search(r'/connections/(\d+)/databases', dashboard)[1]
    listing = http.get(f"{base}/connections/{conn_id}/databases", timeout=20)
    assert listing.status_code == 200 and "Tasks" in listing.text
    ds = sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"]
    page = f"/connections/{conn_id}/data-sources/{ds}"
    html = http.get(base + page, timeout=20).text
    fields = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1],
        "nonce": re.search(r'name="nonce" value="([0-9a-f]{32})"', html)[1],
        "p-title": "Smoke-test row",
    }
    resp = http.post(base + page, data=fields, allow_redirects=False, timeout=20)
    assert resp.status_code == 302
    assert "Row added" in http.get(base + resp.headers["Location"], timeout=20).text
    again = http.post(base + page, data=fields, allow_redirects=False, timeout=20)
    assert again.status_code == 302
    titles = [p["request_properties"]["Name"]["title"][0]["text"]["content"]
              for p in sandbox.pages()]
    assert titles == ["Smoke-test row"]


def wrong_password_attempts(base: str, attempts: int, sessions: int = 12) -> list[int]:
    """Open `sessions` keep-alive connections at once (so the 3 workers each hold some), then
    send the wrong passwords one after the other, round-robin over them."""
    clients = [requests.Session() for _ in range(sessions)]
    tokens: list[str | None] = [None] * sessions
    barrier = threading.Barrier(sessions)

    def open_session(i):
        barrier.wait()
        html = clients[i].get(base + "/auth/login", timeout=10).text
        tokens[i] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]

    threads = [threading.Thread(target=open_session, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = []
    for n in range(attempts):
        i = n % sessions
        form = {"csrf_token": tokens[i], "email": "victim@example.com", "password": f"wrong-{n}"}
        resp = clients[i].post(base + "/auth/login", data=form, allow_redirects=False, timeout=10)
        statuses.append(resp.status_code)
    return statuses


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_t18_login_throttle_is_shared_by_three_workers(tmp_path, database):
    """T18: 50 wrong passwords spread over 3 gunicorn workers are throttled after exactly
    LOGIN_THROTTLE_LIMIT (10) failures, whichever worker answers."""
    extra = {}
    if database == "postgres":
        pg = fresh_postgres_database(postgres_url_or_skip())
        extra["DATABASE_URL"] = pg.__enter__()
    port = free_port()
    env = base_env(
        tmp_path, NOTION_SANDBOX="0", NOTION_CLIENT_ID="t18", NOTION_CLIENT_SECRET="t18-secret",
        NOTION_API_BASE_URL="http://127.0.0.1:9", WEB_CONCURRENCY="3", GUNICORN_THREADS="4",
        **extra,
    )
    flask_db_upgrade(env)
    # Fast password hashing for the test (the production default costs ~0.2 s a hash).
    app = "notion_app:create_app({'PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000'})"
    server = Gunicorn(["--config", "gunicorn.conf.py", app], env, port)
    try:
        server.wait_ready()
        server.wait_workers(3)
        signup = {"email": "victim@example.com", "password": PASSWORD, "confirm": PASSWORD}
        assert post_form(requests.Session(), server.url, "/auth/signup", data=signup).status_code \
            == 302
        statuses = wrong_password_attempts(server.url, 50)
        right = post_form(requests.Session(), server.url, "/auth/login",
                          data={"email": "victim@example.com", "password": PASSWORD})
    finally:
        server.stop()
        if database == "postgres":
            pg.__exit__(None, None, None)
    assert statuses[:10] == [400] * 10, statuses
    assert statuses[10:] == [429] * 40, statuses
    assert right.status_code == 429  # even the right password waits out the window
    served_by = r'"POST /auth/login HTTP/1.1" \d+ .* pid=<(\d+)>'
    pids = Counter(m[1] for m in re.finditer(served_by, server.output()))
    assert len(pids) >= 2, f"the attempts did not reach several workers: {pids}"
