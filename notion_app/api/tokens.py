"""Creating, finding, listing and revoking API tokens, and what a token may see.

A token is `nrapi_` followed by `secrets.token_urlsafe(32)` (256 random bits). The prefix lets
people and secret scanners recognise one, and lets the log redaction (notion_app/redaction.py)
mask it wherever it appears. Only its SHA-256 is stored; the token itself is shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import ConnectionState, NotionConnection, User, utcnow
from ..notion.ids import canonical_id
from .models import ApiToken

PREFIX = "nrapi_"
MAX_NAME = 100
# last_used_at is written at most this often: a busy token must not cost a write per call.
LAST_USED_PRECISION = timedelta(seconds=60)


class ScopeRefused(ValueError):
    """The scope asked for is not one of the user's connections (the message says why)."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create(user: User, name: str, connection_id: int | None = None,
           data_source_id: str | None = None) -> NewToken:
    """A new token for `user`, limited to a connection or one of its data sources when given.
    The connection must be the user's own (ScopeRefused otherwise)."""
    name = " ".join((name or "").split())[:MAX_NAME] or "API token"
    if data_source_id is not None:
        data_source_id = canonical_id(data_source_id)
        if data_source_id is None or connection_id is None:
            raise ScopeRefused("Choose the connection of the data source, and a data source id.")
    if connection_id is not None:
        conn = db.session.get(NotionConnection, connection_id)
        if conn is None or conn.user_id != user.id:
            raise ScopeRefused("That connection is not one of yours.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, connection_id=connection_id,
                     data_source_id=data_source_id, token_sha256=digest(secret),
                     hint=secret[: len(PREFIX) + 4])
    db.session.add(token)
    db.session.commit()
    return NewToken(token, secret)


@dataclass(frozen=True)
class Caller:
    """What a request's token says about it, read once: the commits a request makes (the rate
    counter, its key, its row) would otherwise reload the token from the database each time."""

    id: int
    user_id: int
    name: str
    connection_id: int | None
    data_source_id: str | None


def authenticate(secret: str | None) -> Caller | None:
    """The live token `secret` is, or None (unknown, malformed or revoked); notes its use."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    wanted = digest(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == wanted))
    # The lookup is by digest; compare again in constant time so no timing tells a near miss.
    if token is None or not hmac.compare_digest(token.token_sha256, wanted):
        return None
    if token.revoked_at is not None:
        return None
    caller = Caller(token.id, token.user_id, token.name, token.connection_id,
                    token.data_source_id)
    _note_use(token)
    return caller


def _note_use(token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.commit()


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, live ones first, newest first."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(
        ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    return list(db.session.scalars(query))


def revoke(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's tokens (kept, listed as revoked); None when it is not theirs."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def owner(token: ApiToken) -> User:
    return db.session.get(User, token.user_id)


def connections(token: ApiToken) -> list[NotionConnection]:
    """The connections a token sees: the user's (not disconnected), or its scope's one."""
    query = select(NotionConnection).where(
        NotionConnection.user_id == token.user_id,
        NotionConnection.state != ConnectionState.DISCONNECTED,
    ).order_by(NotionConnection.id)
    if token.connection_id is not None:
        query = query.where(NotionConnection.id == token.connection_id)
    return list(db.session.scalars(query))


def connection(token: ApiToken, connection_id: int) -> NotionConnection | None:
    return next((c for c in connections(token) if c.id == connection_id), None)


def allows_data_source(token: ApiToken, data_source_id: str) -> bool:
    return token.data_source_id is None or token.data_source_id == data_source_id


def scope_label(token: ApiToken) -> str:
    """The scope as the account page says it."""
    if token.data_source_id:
        return "One data source"
    if token.connection_id:
        conn = db.session.get(NotionConnection, token.connection_id)
        return f"One workspace: {conn.workspace_name or 'Notion'}" if conn else "One workspace"
    return "All your workspaces"
