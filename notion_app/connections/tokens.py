"""A connection's Notion tokens: use, refresh once on a 401 (serialized), flag for reconnect; the
NotionClient every Notion call of the app goes through (base URL, version, timeouts, pacer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import select

from .. import crypto
from ..extensions import db
from ..models import ConnectionState, NotionConnection
from ..notion import oauth
from ..notion.client import NotionClient
from ..notion.errors import NotionUnauthorized
from ..notion.pacing import LayeredPacer, MemoryPacer, RedisPacer

T = TypeVar("T")


class NeedsReconnect(Exception):
    """Notion no longer accepts this connection's tokens; the user has to reconnect."""

    def __init__(self, connection_id: int):
        super().__init__(f"connection {connection_id} needs to be reconnected")
        self.connection_id = connection_id


def init_app(app: Flask) -> None:
    """One pacer per app: in memory for one process, in Redis when several share the budget.

    Two levels, like Notion's limits: per connection (NOTION_RATE / NOTION_BURST) and per
    workspace, shared by every connection to it (NOTION_WORKSPACE_RATE / NOTION_WORKSPACE_BURST).
    """
    redis = app.extensions.get("redis")
    cfg = app.config

    def bucket(rate, burst, prefix):
        if redis:
            return RedisPacer(redis, rate=rate, burst=burst, prefix=prefix)
        return MemoryPacer(rate=rate, burst=burst)

    app.extensions["notion_pacer"] = LayeredPacer(
        bucket(cfg.get("NOTION_RATE", 2.5), cfg.get("NOTION_BURST", 4), "notion:pace:"),
        bucket(cfg.get("NOTION_WORKSPACE_RATE", 3.0), cfg.get("NOTION_WORKSPACE_BURST", 10),
               "notion:pace-ws:"),
    )


def client_for(
    conn: NotionConnection, token: str, max_wait: float = 5.0, *, background: bool = False
) -> NotionClient:
    """The connection's client. Inside a web request the read timeout is NOTION_READ_TIMEOUT
    (the platform's router cuts requests at 30 s); a `background` caller (the outbox sweep)
    waits NOTION_BACKGROUND_READ_TIMEOUT, which covers Notion's own 60 s server limit."""
    cfg = current_app.config
    read = cfg["NOTION_BACKGROUND_READ_TIMEOUT"] if background else cfg["NOTION_READ_TIMEOUT"]
    return NotionClient(
        token,
        base_url=cfg["NOTION_API_BASE_URL"],
        version=cfg["NOTION_VERSION"],
        timeout=(cfg["NOTION_CONNECT_TIMEOUT"], read),
        pacer=current_app.extensions["notion_pacer"],
        pace_key=(conn.bot_id, conn.workspace_id or None),
        max_wait=max_wait,
    )


def with_client(
    conn: NotionConnection, call: Callable[[NotionClient], T], max_wait: float = 5.0, *,
    background: bool = False,
) -> T:
    """Run `call(client)` with the connection's token; a 401 refreshes once, then tries again."""
    used = access_token(conn)
    try:
        return call(client_for(conn, used, max_wait, background=background))
    except NotionUnauthorized:
        fresh = refresh_after_401(conn, used)
    try:
        return call(client_for(conn, fresh, max_wait, background=background))
    except NotionUnauthorized:
        mark_needs_reconnect(conn)
        raise NeedsReconnect(conn.id) from None


def store_tokens(conn: NotionConnection, token: dict) -> None:
    conn.access_token_encrypted = crypto.encrypt(token["access_token"])
    # A refresh token may be a string, null or absent; keep the old one only when it is absent.
    if "refresh_token" in token:
        conn.refresh_token_encrypted = crypto.encrypt(token["refresh_token"])


def access_token(conn: NotionConnection) -> str:
    token = crypto.decrypt(conn.access_token_encrypted)
    if not token or conn.state != ConnectionState.ACTIVE:
        raise NeedsReconnect(conn.id)
    return token


def mark_needs_reconnect(conn: NotionConnection) -> None:
    conn.state = ConnectionState.NEEDS_RECONNECT
    db.session.commit()


def refresh_after_401(conn: NotionConnection, rejected: str) -> str:
    """One refresh at a time per connection, across threads and processes.

    The row is locked (Postgres: SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE takes the write
    lock). Whoever gets the lock second sees the token already changed and uses the new one.
    Only `invalid_grant` flags the connection for a reconnect. Everything else leaves it as it
    is and raises: a network failure, timeout, 429 or 5xx `oauth.TokenEndpointUnavailable`
    (temporary), `invalid_client` `oauth.ClientMisconfigured` (the operator's settings, which a
    reconnect cannot fix), any other refusal `oauth.TokenResponseError`.
    """
    conn_id = conn.id
    db.session.commit()
    with _locked(conn_id) as locked:
        current = crypto.decrypt(locked.access_token_encrypted)
        if locked.state == ConnectionState.ACTIVE and current and current != rejected:
            return current
        refresh = crypto.decrypt(locked.refresh_token_encrypted)
        if not refresh:
            locked.state = ConnectionState.NEEDS_RECONNECT
            raise NeedsReconnect(conn_id)
        try:
            token = oauth.refresh_token(refresh)
        except oauth.TokenGrantRejected:
            locked.state = ConnectionState.NEEDS_RECONNECT
            raise NeedsReconnect(conn_id) from None
        store_tokens(locked, token)
        locked.state = ConnectionState.ACTIVE
        return token["access_token"]


class _locked:
    """A context manager holding the connection row locked; commits on exit (also on raise)."""

    def __init__(self, conn_id: int):
        self.conn_id = conn_id

    def __enter__(self) -> NotionConnection:
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            db.session.expire_all()
            return db.session.get(NotionConnection, self.conn_id)
        query = select(NotionConnection).where(NotionConnection.id == self.conn_id)
        return db.session.scalar(query.with_for_update().execution_options(populate_existing=True))

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or issubclass(exc_type, NeedsReconnect):
            db.session.commit()
        else:
            db.session.rollback()
        return False
