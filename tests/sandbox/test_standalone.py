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
    from notion_app.sandbox.__main__ import build_parser, start_settings
    from notion_app.sandbox.control import SandboxControl
    from notion_app.sandbox.server import SandboxServer

    args = build_parser().parse_args([
        "--latency-ms", "25", "--rate", "1.5", "--burst", "2", "--workspace-rate", "4.0",
        "--workspace-burst", "8", "--fault-probability", "0.1"])
    with SandboxServer(start_settings(args, [])) as server:
        settings = SandboxControl(server.url).settings()
    assert settings["latency_ms"] == 25
    assert settings["rate_limit"] == {"rate": 1.5, "burst": 2,
                                      "workspace": {"rate": 4.0, "burst": 8}}
    assert settings["random_faults"]["probability"] == 0.1
    assert (settings["search_index_delay"], settings["users_forbidden"],
            settings["oversize_status"], settings["select_new_options"]) == (0, False, 413, True)


def test_python_m_takes_the_real_notion_switches():
    """Issue 11's switches from the command line, and the sandbox behaves by them."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "notion_app.sandbox", "--port", str(port),
         "--client-id", "cli", "--client-secret", "cli-secret",
         "--redirect-uri", "http://127.0.0.1:9/cb", "--workspace-rate", "0.001",
         "--workspace-burst", "1", "--workspace-retry-after", "90",
         "--search-index-delay", "30", "--users-forbidden", "--oversize-status", "400",
         "--no-select-new-options"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        cwd=Path(__file__).resolve().parents[2])
    try:
        assert proc.stdout.readline().startswith("Notion sandbox running at")
        settings = requests.get(f"{base}/_sandbox/settings", timeout=5).json()
        assert settings["rate_limit"]["workspace"] == {"rate": 0.001, "burst": 1,
                                                       "retry_after": 90}
        assert settings["search_index_delay"] == 30 and settings["users_forbidden"] is True
        assert settings["oversize_status"] == 400 and settings["select_new_options"] is False
        from notion_app.sandbox.control import SandboxControl

        with SandboxControl(base) as ctl:
            location = ctl.consent(f"{base}/v1/oauth/authorize?client_id=cli&redirect_uri="
                                   "http://127.0.0.1:9/cb&response_type=code&owner=user")
        code = location.split("code=")[1].split("&")[0]
        token = requests.post(f"{base}/v1/oauth/token", auth=("cli", "cli-secret"), timeout=5,
                              json={"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": "http://127.0.0.1:9/cb"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}",
                   "Notion-Version": "2025-09-03"}
        users = requests.get(f"{base}/v1/users", headers=headers, timeout=5)
        assert users.status_code == 403  # the workspace's one request of its budget
        again = requests.post(f"{base}/v1/search", headers=headers, json={}, timeout=5)
        assert again.status_code == 429 and again.headers["Retry-After"] == "90"
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        proc.stdout.close()
