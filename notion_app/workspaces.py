"""Notion connections: save an authorization, refresh, flag for reconnect, disconnect."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import requests
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from . import crypto
from .extensions import db
from .models import NotionConnection, User, utcnow
from .notion import oauth

log = logging.getLogger(__name__)
T = TypeVar("T")


class LinkedToAnotherAccount(Exception):
    """This Notion authorization (bot_id) already belongs to another local account."""


class NeedsReconnect(Exception):
    """Notion no longer accepts this connection's tokens; the user has to reconnect."""

    def __init__(self, connection_id: int):
        super().__init__(f"connection {connection_id} needs to be reconnected")
        self.connection_id = connection_id


def _insert(dialect: str):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(NotionConnection)


def save_authorization(user: User, token: dict) -> NotionConnection:
    """Upsert by bot_id: one row however many callbacks race; never take another user's row."""
    dialect = db.session.get_bind().dialect.name
    stmt = _insert(dialect).values(
        user_id=user.id,
        bot_id=token["bot_id"],
        workspace_id=token.get("workspace_id") or "",
        state="active",
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["bot_id"]))
    query = select(NotionConnection).where(NotionConnection.bot_id == token["bot_id"])
    if dialect == "postgresql":
        query = query.with_for_update()
    conn = db.session.scalar(query)
    if conn.user_id != user.id:
        db.session.rollback()
        raise LinkedToAnotherAccount(token["bot_id"])
    _apply_token(conn, token)
    db.session.commit()
    return conn


def _apply_token(conn: NotionConnection, token: dict) -> None:
    owner = token.get("owner") if isinstance(token.get("owner"), dict) else None
    person = (owner or {}).get("user") or {}
    conn.workspace_id = token.get("workspace_id") or conn.workspace_id
    conn.workspace_name = token.get("workspace_name")
    conn.workspace_icon = token.get("workspace_icon")
    conn.owner = owner
    conn.notion_user_id = person.get("id")
    conn.notion_user_name = person.get("name")
    conn.notion_user_email = (person.get("person") or {}).get("email")
    conn.duplicated_template_id = token.get("duplicated_template_id")
    conn.token_type = token.get("token_type")
    _store_tokens(conn, token)
    conn.state = "active"


def _store_tokens(conn: NotionConnection, token: dict) -> None:
    conn.access_token_encrypted = crypto.encrypt(token["access_token"])
    # A refresh token may be a string, null or absent; keep the old one only when it is absent.
    if "refresh_token" in token:
        conn.refresh_token_encrypted = crypto.encrypt(token["refresh_token"])


def user_connections(user: User) -> list[NotionConnection]:
    query = select(NotionConnection).where(NotionConnection.user_id == user.id)
    return list(db.session.scalars(query.order_by(NotionConnection.id)))


def access_token(conn: NotionConnection) -> str:
    token = crypto.decrypt(conn.access_token_encrypted)
    if not token or conn.state != "active":
        raise NeedsReconnect(conn.id)
    return token


def mark_needs_reconnect(conn: NotionConnection) -> None:
    conn.state = "needs_reconnect"
    db.session.commit()


def call_with_token(conn: NotionConnection, call: Callable[[str], T], unauthorized: type) -> T:
    """Run `call(access_token)`; on a 401 refresh once (serialized) and try again once."""
    used = access_token(conn)
    try:
        return call(used)
    except unauthorized:
        fresh = refresh_after_401(conn, used)
    try:
        return call(fresh)
    except unauthorized:
        mark_needs_reconnect(conn)
        raise NeedsReconnect(conn.id) from None


def refresh_after_401(conn: NotionConnection, rejected: str) -> str:
    """One refresh at a time per connection, across threads and processes.

    The row is locked (Postgres: SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE takes the write
    lock). Whoever gets the lock second sees the token already changed and uses the new one.
    """
    conn_id = conn.id
    db.session.commit()
    with _locked(conn_id) as locked:
        current = crypto.decrypt(locked.access_token_encrypted)
        if locked.state == "active" and current and current != rejected:
            return current
        refresh = crypto.decrypt(locked.refresh_token_encrypted)
        if not refresh:
            locked.state = "needs_reconnect"
            raise NeedsReconnect(conn_id)
        try:
            token = oauth.refresh_token(refresh)
        except oauth.TokenResponseError as exc:
            if exc.status is not None and exc.status >= 500:
                raise
            locked.state = "needs_reconnect"
            raise NeedsReconnect(conn_id) from None
        _store_tokens(locked, token)
        locked.state = "active"
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


def disconnect(conn: NotionConnection) -> bool:
    """Revoke at Notion, then delete locally. False when Notion could not be reached."""
    revoked = True
    token = crypto.decrypt(conn.access_token_encrypted)
    if token:
        try:
            oauth.revoke_token(token)
        except requests.RequestException:
            log.warning("could not revoke the token of connection %s at Notion", conn.id)
            revoked = False
    db.session.delete(conn)
    db.session.commit()
    return revoked


def disconnect_all(user: User) -> None:
    for conn in user_connections(user):
        disconnect(conn)
