"""Development mode: serve the built-in Notion sandbox and point the app at it.

The sandbox runs as its own HTTP server on its own port (NOTION_SANDBOX_PORT), so the app talks
to it over real HTTP and never waits on itself, whether it runs under `flask run`, gunicorn with
several workers or threads. The first process to bind the port serves it; the others use it.
"""

from __future__ import annotations

import logging

import requests
from flask import Flask

from ..config import DEV_REDIRECT_URI, SANDBOX_CLIENT_ID

log = logging.getLogger(__name__)


def start(app: Flask) -> None:
    cfg = app.config
    cfg.setdefault("NOTION_REDIRECT_URI", DEV_REDIRECT_URI)
    client = {
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": cfg["SANDBOX_CLIENT_SECRET"],
        "redirect_uris": [cfg["NOTION_REDIRECT_URI"]],
        "name": "Notion Rows (sandbox)",
    }
    url = _serve_or_reuse(cfg["NOTION_SANDBOX_PORT"], client)
    cfg.update(
        NOTION_API_BASE_URL=url,
        NOTION_CLIENT_ID=client["client_id"],
        NOTION_CLIENT_SECRET=client["client_secret"],
    )


def _serve_or_reuse(port: int, client: dict) -> str:
    from ..sandbox.control import SandboxControl
    from ..sandbox.server import SandboxServer

    server = SandboxServer(settings={"clients": [client]}, port=port)
    try:
        url = server.start()
        log.info("Notion sandbox serving at %s", url)
        return url
    except OSError:
        url = f"http://127.0.0.1:{port}"
        try:
            SandboxControl(url).register_client(**client)
        except requests.RequestException as exc:
            raise RuntimeError(
                f"Port {port} is taken by something that is not the Notion sandbox; "
                "set NOTION_SANDBOX_PORT to a free port"
            ) from exc
        return url
