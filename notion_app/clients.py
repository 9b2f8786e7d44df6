"""NotionClient instances for a connection: this app's base URL, version, timeouts and pacer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app

from . import workspaces
from .models import NotionConnection
from .notion.client import NotionClient
from .notion.errors import NotionUnauthorized
from .notion.pacing import MemoryPacer, RedisPacer

T = TypeVar("T")


def init_app(app: Flask) -> None:
    """One pacer per app: in memory for one process, in Redis when several share the budget."""
    redis = app.extensions.get("redis")
    rate = app.config.get("NOTION_RATE", 2.5)
    burst = app.config.get("NOTION_BURST", 4)
    pacer = (
        RedisPacer(redis, rate=rate, burst=burst) if redis else MemoryPacer(rate=rate, burst=burst)
    )
    app.extensions["notion_pacer"] = pacer


def client_for(conn: NotionConnection, token: str, max_wait: float = 5.0) -> NotionClient:
    cfg = current_app.config
    return NotionClient(
        token,
        base_url=cfg["NOTION_API_BASE_URL"],
        version=cfg["NOTION_VERSION"],
        timeout=(cfg["NOTION_CONNECT_TIMEOUT"], cfg["NOTION_READ_TIMEOUT"]),
        pacer=current_app.extensions["notion_pacer"],
        pace_key=conn.bot_id,
        max_wait=max_wait,
    )


def with_client(
    conn: NotionConnection, call: Callable[[NotionClient], T], max_wait: float = 5.0
) -> T:
    """Run `call(client)` with the connection's token; a 401 refreshes once (see workspaces)."""
    return workspaces.call_with_token(
        conn, lambda token: call(client_for(conn, token, max_wait)), NotionUnauthorized
    )
