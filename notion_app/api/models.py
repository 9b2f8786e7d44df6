"""API tokens and idempotency keys.

A token is stored as its SHA-256 only: 256 random bits need no slow password hash (nothing to
guess), and every API call looks the token up by that digest in one indexed query.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow


class ApiToken(db.Model):
    """A personal API token: its name, its owner, an optional scope (one connection, or one data
    source of one connection), the SHA-256 of its secret, when it was last used, revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Scope: NULL connection = every connection of the user; a data source implies its connection.
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("notion_connection.id", ondelete="CASCADE"), index=True
    )
    data_source_id: Mapped[str | None] = mapped_column(String(64))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so a person can tell their tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotencyKey(db.Model):
    """One `Idempotency-Key` of one token: the request it came with (a digest) and, once done,
    the answer to give again. The unique (token, key) is what makes 20 concurrent posts one row:
    only one insert wins, the others find it."""

    __tablename__ = "api_idempotency_key"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_sha256: Mapped[str] = mapped_column(String(64))
    # The nonce of the row this key's request saves (the outbox's own once-only guard): random,
    # so a key used again after it expired never finds the old row.
    row_nonce: Mapped[str] = mapped_column(String(64), default=lambda: "api-" + uuid.uuid4().hex)
    # NULL while the first request is still being saved; then the answer it got.
    status: Mapped[int | None]
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    row_id: Mapped[int | None] = mapped_column(
        ForeignKey("row_submission.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
