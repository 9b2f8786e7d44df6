"""The app served the way the README runs it (`flask db upgrade`, then `flask run` with the dev
sandbox), and Debian's chromium driven by Playwright against it.

Chromium only ever reaches loopback: its resolver maps every other host name to "not found", and
each test's browser context aborts (and records) any request to a host that is not this machine;
the `offline` assertion at the end of each test says none was attempted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from ops.support import ROOT, base_env, flask_db_upgrade, free_port

from browser.layout import DESKTOP, PHONE, PageChecks
from notion_app.sandbox.control import SandboxControl

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
LOOPBACK = {"localhost", "127.0.0.1", "[::1]", "::1"}
SCREENSHOTS = ROOT / "screenshots"


class LiveApp:
    """`flask --app app run` in a subprocess on a free port, as `make run` starts it."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        # Every journey signs up from this one machine: past the sign-up limit per address
        # (10 an hour, tests/accounts/test_abuse.py proves it) the later ones would be refused.
        env = base_env(tmp, NOTION_REDIRECT_URI=f"{self.url}/notion/callback",
                       SIGNUP_THROTTLE_LIMIT="1000")
        env.pop("NOTION_SANDBOX")  # no NOTION_CLIENT_ID: development turns the sandbox on
        self.env = env
        flask_db_upgrade(env)
        self.sandbox = SandboxControl(f"http://127.0.0.1:{env['NOTION_SANDBOX_PORT']}",
                                      secret=env["NOTION_SANDBOX_SECRET"])
        self.log = (tmp / "flask.log").open("w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"flask run exited:\n{self.output()}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).ok:
                    self.sandbox.health()
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"flask run did not become ready:\n{self.output()}")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.sandbox.close()
        self.log.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium; skipped with the reason when it is absent, except in CI."""
    if not CHROMIUM.exists():
        reason = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests, but {reason}")
        pytest.skip(reason)
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def live_app():
    with tempfile.TemporaryDirectory(prefix="browser-") as tmp:
        app = LiveApp(Path(tmp))
        try:
            app.wait_ready()
            yield app
        finally:
            app.stop()
        assert "Traceback" not in app.output(), app.output()


@pytest.fixture(scope="session")
def chromium(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_app, request):
    """A fresh browser context (no cookies) at desktop width; off-machine requests aborted;
    every page it loads checked at 1280 and 390 px for layout and accessibility at the end."""
    context = chromium.new_context(viewport=DESKTOP, base_url=live_app.url)
    context.set_default_timeout(10_000)
    off_machine: list[str] = []

    def guard(route):
        if on_machine(route.request.url):
            route.continue_()
        else:
            off_machine.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.checks = PageChecks()
    page.checks.watch(page)
    page.screenshots = Screenshots(page, request.node.name)
    yield page
    context.close()
    assert off_machine == [], f"the browser tried to leave the machine: {off_machine}"
    problems = page.checks.problems(chromium, on_machine)
    assert not problems, "pages visited by this journey:\n" + "\n".join(problems)


def on_machine(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK | {None}


class Screenshots:
    """Every page of a journey at desktop and at phone width, each checked for overflow."""

    def __init__(self, page, test_name: str):
        self.page = page
        self.folder = SCREENSHOTS / test_name.split("[")[0]
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def take(self, name: str) -> None:
        """Screenshot `name` at desktop width, then at 390×844 with no horizontal overflow."""
        page = self.page
        page.checks.add(page)  # also checked as it is now, after its scripts ran
        self.count += 1
        stem = f"{self.count:02d}-{name}"
        page.screenshot(path=self.folder / f"{stem}-desktop.png", full_page=True)
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=self.folder / f"{stem}-desktop-top.png")  # the first screenful
        page.set_viewport_size(PHONE)
        try:
            widths = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            page.screenshot(path=self.folder / f"{stem}-phone.png", full_page=True)
        finally:
            page.set_viewport_size(DESKTOP)
        assert widths[0] <= widths[1] + 1, f"{name}: the page overflows a phone's width {widths}"
