"""Notion authorizations: save one (upsert by bot_id), list a person's, disconnect.

Disconnect never deletes: the connection stays, `disconnected` with its tokens wiped, so its
unsent rows and imports keep their place and go out when the same person reconnects the same
workspace (a reconnect may bring a new bot_id; the workspace_id tells it is the same one).
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import crypto
from ..extensions import db
from ..models import (
    ConnectionState,
    Import,
    NotionCache,
    NotionConnection,
    RowSubmission,
    User,
    utcnow,
)
from ..notion import oauth
from ..notion.ids import canonical_id
from .tokens import store_tokens

log = logging.getLogger(__name__)


class LinkedToAnotherAccount(Exception):
    """This Notion authorization (bot_id) already belongs to another local account."""


def _insert(dialect: str):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(NotionConnection)


def save_authorization(user: User, token: dict) -> NotionConnection:
    """Upsert by bot_id: one row however many callbacks race; never take another user's row.

    A new bot_id for a workspace this person disconnected takes over that connection, so the
    rows that waited for it are this connection's again.
    """
    _adopt_disconnected(user, token)
    dialect = db.session.get_bind().dialect.name
    stmt = _insert(dialect).values(
        user_id=user.id,
        bot_id=token["bot_id"],
        workspace_id=token.get("workspace_id") or "",
        state=ConnectionState.ACTIVE,
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


def _adopt_disconnected(user: User, token: dict) -> None:
    """Give the new bot_id to this person's connection to the same workspace that lost its
    access (disconnected, or waiting for a reconnect), so the rows waiting for it go out."""
    workspace = token.get("workspace_id")
    if not workspace:
        return
    taken = db.session.scalar(
        select(NotionConnection.id).where(NotionConnection.bot_id == token["bot_id"])
    )
    old = db.session.scalars(
        select(NotionConnection).where(
            NotionConnection.user_id == user.id,
            NotionConnection.workspace_id == workspace,
            NotionConnection.state.in_(
                (ConnectionState.DISCONNECTED, ConnectionState.NEEDS_RECONNECT)
            ),
            NotionConnection.bot_id != token["bot_id"],
        ).order_by(NotionConnection.id)
    ).first()
    if old is None:
        return
    if taken is None:
        old.bot_id = token["bot_id"]
    else:  # the new authorization already has a row of its own: move the waiting work there
        for model in (RowSubmission, Import):
            db.session.execute(
                update(model).where(model.connection_id == old.id).values(connection_id=taken)
            )
    db.session.flush()


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
    # Only the connect that duplicated the template names it; a later reconnect keeps it.
    conn.duplicated_template_id = (
        canonical_id(token.get("duplicated_template_id")) or conn.duplicated_template_id
    )
    conn.token_type = token.get("token_type")
    store_tokens(conn, token)
    conn.state = ConnectionState.ACTIVE


def user_connections(user: User) -> list[NotionConnection]:
    query = select(NotionConnection).where(NotionConnection.user_id == user.id)
    return list(db.session.scalars(query.order_by(NotionConnection.id)))


def disconnect(conn: NotionConnection) -> list[str]:
    """Revoke both tokens at Notion, wipe them here, keep the connection and its rows.

    Returns what Notion did not confirm (empty: both revokes were confirmed). The access token
    and the refresh token are revoked one by one: whether revoking one kills the other is not
    documented, and a live refresh token is a way back in.
    """
    unconfirmed = []
    tokens = (("access token", conn.access_token_encrypted),
              ("refresh token", conn.refresh_token_encrypted))
    for kind, encrypted in tokens:
        token = crypto.decrypt(encrypted)
        if not token:
            continue
        try:
            oauth.revoke_token(token)
        except oauth.RevokeNotConfirmed as exc:
            log.warning("notion did not confirm revoking the %s of connection %s: %s",
                        kind, conn.id, exc)
            unconfirmed.append(kind)
    conn.access_token_encrypted = None
    conn.refresh_token_encrypted = None
    conn.state = ConnectionState.DISCONNECTED
    # What was cached of the workspace goes too: nothing of it is shown until it is back.
    db.session.execute(delete(NotionCache).where(NotionCache.connection_id == conn.id))
    db.session.commit()
    return unconfirmed


def disconnect_all(user: User) -> None:
    for conn in user_connections(user):
        if not conn.disconnected:
            disconnect(conn)
