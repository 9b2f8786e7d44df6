"""The sandbox runs on its own and from its factory without seed data."""

import socket
import subprocess
import sys
from pathlib import Path

import requests

from notion_app.sandbox import create_sandbox_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_m_runs_the_sandbox_and_prints_its_url():
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "notion_app.sandbox", "--port", str(port),
         "--client-id", "cli", "--client-secret", "cli-secret",
         "--redirect-uri", "http://127.0.0.1:9/cb"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        cwd=Path(__file__).resolve().parents[2])
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"Notion sandbox running at http://127.0.0.1:{port}"
        assert requests.get(f"http://127.0.0.1:{port}/_sandbox/health",
                            timeout=5).json() == {"sandbox": True}
        consent = requests.get(f"http://127.0.0.1:{port}/v1/oauth/authorize", timeout=5, params={
            "client_id": "cli", "redirect_uri": "http://127.0.0.1:9/cb",
            "response_type": "code", "owner": "user"})
        assert consent.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        proc.stdout.close()


def test_factory_without_seed_has_an_empty_world():
    app = create_sandbox_app({"seed": False, "clients": [
        {"client_id": "c", "client_secret": "s", "redirect_uris": ["http://x/cb"]}]})
    client = app.test_client()
    assert client.get("/_sandbox/seed").json["databases"] == {}
    resp = client.get("/v1/oauth/authorize?client_id=c&redirect_uri=http://x/cb"
                      "&response_type=code&owner=user")
    assert resp.status_code == 400


def test_switches_can_be_set_at_start():
    import argparse

    from notion_app.sandbox.__main__ import start_settings
    from notion_app.sandbox.control import SandboxControl
    from notion_app.sandbox.server import SandboxServer

    args = argparse.Namespace(latency_ms=25, rate=1.5, burst=2, no_rate_limit=False,
                              workspace_rate=4.0, workspace_burst=8, fault_probability=0.1)
    with SandboxServer(start_settings(args, [])) as server:
        settings = SandboxControl(server.url).settings()
    assert settings["latency_ms"] == 25
    assert settings["rate_limit"] == {"rate": 1.5, "burst": 2,
                                      "workspace": {"rate": 4.0, "burst": 8}}
    assert settings["random_faults"]["probability"] == 0.1
