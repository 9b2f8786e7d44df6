"""Development mode: serve the built-in Notion sandbox and point the app at it.

The sandbox runs as its own HTTP server on its own loopback port (NOTION_SANDBOX_PORT), so the app
talks to it over real HTTP and never waits on itself, whether it runs under `flask run`, gunicorn
with several workers or threads. The first process to bind the port serves it; the others reuse it
only once it proves it holds this checkout's NOTION_SANDBOX_SECRET (an HMAC of a fresh challenge),
so the client secret is never sent to whatever else listens there. The control API answers only
callers that send that secret.
"""

from __future__ import annotations

import logging

import click
import requests
from flask import Flask

from ..config import SANDBOX_CLIENT_ID, dev_redirect_uri

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"


class ForeignServer(RuntimeError):
    """Something that is not this app's sandbox answers on the sandbox's port."""


def serving() -> bool:
    """Whether this process serves requests: `flask run`, gunicorn or the worker start the
    sandbox; `flask db upgrade` and every other command start none (so they never fight a
    running `make run` for its port)."""
    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"


def start(app: Flask) -> None:
    cfg = app.config
    cfg.setdefault("NOTION_REDIRECT_URI", dev_redirect_uri(cfg["PORT"]))
    client = {
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": cfg["SANDBOX_CLIENT_SECRET"],
        "redirect_uris": [cfg["NOTION_REDIRECT_URI"]],
        "name": "Notion Rows (sandbox)",
    }
    port = cfg["NOTION_SANDBOX_PORT"]
    if serving():
        url = _serve_or_reuse(app, port, client, cfg["NOTION_SANDBOX_SECRET"])
    else:
        url = f"http://{LOOPBACK}:{port}"
    cfg.update(
        NOTION_API_BASE_URL=url,
        NOTION_CLIENT_ID=client["client_id"],
        NOTION_CLIENT_SECRET=client["client_secret"],
    )


def _serve_or_reuse(app: Flask, port: int, client: dict, secret: str) -> str:
    from ..sandbox.server import SandboxServer

    server = SandboxServer(settings={"clients": [client], "control_secret": secret},
                           host=LOOPBACK, port=port)
    try:
        url = server.start()
    except OSError:
        return _reuse(f"http://{LOOPBACK}:{port}", port, client, secret)
    app.extensions["dev_sandbox"] = server  # tests stop it; a server process keeps it
    log.info("Notion sandbox serving at %s", url)
    return url


def _reuse(url: str, port: int, client: dict, secret: str) -> str:
    """Register this app with the sandbox already on the port, once it proved it is ours."""
    from ..sandbox.control import SandboxControl

    with SandboxControl(url, timeout=5, secret=secret) as control:
        try:
            ours = control.holds(secret)
        except requests.RequestException:
            ours = False
        if not ours:
            raise ForeignServer(
                f"Port {port} (NOTION_SANDBOX_PORT) is taken by something that is not this "
                "app's Notion sandbox, so nothing was sent to it. Stop that program, or set "
                "NOTION_SANDBOX_PORT to a free port."
            )
        control.register_client(**client)
    return url
