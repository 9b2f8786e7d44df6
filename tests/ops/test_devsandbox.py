"""The development sandbox: its control API needs the per-checkout secret, a sandbox already on
the port is reused only once it proves it holds that secret, anything else on the port is refused
without being sent the client secret, and only a serving process starts it (13.7, 12.1)."""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from notion_app import create_app
from notion_app.ops.devsandbox import ForeignServer
from notion_app.sandbox.control import SECRET_HEADER, SandboxControl
from notion_app.sandbox.server import SandboxServer
from ops.support import ROOT, base_env, free_port


def dev_config(tmp_path, port: int, secret: str, **extra) -> dict:
    return {
        "APP_ENV": "development",
        "NOTION_SANDBOX": True,
        "NOTION_SANDBOX_PORT": port,
        "NOTION_SANDBOX_SECRET": secret,
        "SANDBOX_CLIENT_SECRET": "client-secret-canary-" + secrets.token_hex(4),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEY": "QmFzZTY0LWVuY29kZWQtMzItYnl0ZS1mZXJuZXQta2V5PT0=",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        **extra,
    }


@pytest.fixture
def dev_apps():
    """Apps made by a test; the sandbox one of them serves is stopped afterwards."""
    made = []
    yield made
    for app in made:
        server = app.extensions.get("dev_sandbox")
        if server is not None:
            server.stop()


class Recorder(BaseHTTPRequestHandler):
    """Another program on the sandbox's port: answers 200 {"sandbox": true} to everything and
    keeps every request line, header and body it got."""

    seen: list[str]

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace")
        self.seen.append(f"{self.requestline}\n{self.headers}\n{body}")
        payload = b'{"sandbox": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def foreign_server():
    handler = type("Handler", (Recorder,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], handler.seen
    server.shutdown()
    server.server_close()


def test_the_control_api_answers_only_with_the_secret():
    secret = secrets.token_urlsafe(16)
    with SandboxServer(settings={"control_secret": secret}) as server:
        for headers in ({}, {SECRET_HEADER: "wrong"}):
            for method, path in (("GET", "/_sandbox/settings"), ("GET", "/_sandbox/requests"),
                                 ("POST", "/_sandbox/reset")):
                resp = requests.request(method, server.url + path, headers=headers, timeout=5)
                assert resp.status_code == 403, (method, path, headers)
                assert "access_token" not in resp.text
        with SandboxControl(server.url, secret=secret) as control:
            assert "rate_limit" in control.settings()
            assert secret not in str(control.settings())  # the secret is never a setting
        # the health check stays open and proves the secret without showing it
        health = requests.get(server.url + "/_sandbox/health", params={"challenge": "abc"},
                              timeout=5).json()
        assert health["sandbox"] is True and secret not in str(health)
        assert SandboxControl(server.url).holds(secret)
        assert not SandboxControl(server.url).holds("another checkout's secret")


def test_a_second_process_reuses_its_own_sandbox(tmp_path, dev_apps):
    port, secret = free_port(), secrets.token_urlsafe(16)
    first = create_app(dev_config(tmp_path, port, secret))
    dev_apps.append(first)
    second = create_app(dev_config(
        tmp_path, port, secret, NOTION_REDIRECT_URI="http://localhost:5999/notion/callback"))
    dev_apps.append(second)
    assert "dev_sandbox" in first.extensions and "dev_sandbox" not in second.extensions
    assert second.config["NOTION_API_BASE_URL"] == first.config["NOTION_API_BASE_URL"]
    state = first.extensions["dev_sandbox"].state
    client = state.clients[second.config["NOTION_CLIENT_ID"]]
    assert "http://localhost:5999/notion/callback" in client["redirect_uris"]


def test_anything_else_on_the_port_is_refused_and_never_sent_the_client_secret(
        tmp_path, foreign_server):
    port, seen = foreign_server
    config = dev_config(tmp_path, port, secrets.token_urlsafe(16))
    with pytest.raises(ForeignServer, match=f"Port {port} .*NOTION_SANDBOX_PORT"):
        create_app(config)
    assert seen, "the app asked who is there"
    everything = "\n".join(seen)
    assert config["SANDBOX_CLIENT_SECRET"] not in everything
    assert config["NOTION_SANDBOX_SECRET"] not in everything


def test_another_checkouts_sandbox_is_refused(tmp_path):
    theirs = SandboxServer(settings={"control_secret": "their secret"})
    theirs.start()
    try:
        config = dev_config(tmp_path, theirs.port, "our secret")
        with pytest.raises(ForeignServer):
            create_app(config)
        assert all(c["client_secret"] != config["SANDBOX_CLIENT_SECRET"]
                   for c in theirs.state.clients.values())
    finally:
        theirs.stop()


def test_commands_other_than_run_start_no_sandbox(tmp_path, foreign_server):
    """`flask db upgrade` while something holds the sandbox's port (`make run`'s sandbox, or any
    other program) works, and does not even knock on that port: only serving starts it."""
    port, seen = foreign_server
    env = base_env(tmp_path, NOTION_SANDBOX_PORT=str(port))
    env.pop("NOTION_SANDBOX")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "in use" not in done.stderr and seen == []
