"""The data model: users, their Notion connections, the rows they send, their imports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    """Naive UTC now: both SQLite and Postgres store it the same way."""
    return datetime.now(UTC).replace(tzinfo=None)


class ConnectionState(StrEnum):
    """A Notion connection's state; a disconnected one keeps its rows (its tokens are wiped)."""

    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"


class RowState(StrEnum):
    """Every state of a row in the outbox; only `notion_app.outbox` writes one.

    pending: due at next_attempt_at (NULL: waiting for a reconnect); sending: leased by one
    sender; sent; failed: Notion refused it (fix and retry); unknown: the create may have reached
    Notion (reconcile before any resend); cancelled: its import was cancelled before it was sent
    (it can be resumed); discarded: the person gave up on it (kept in the history, never sent).
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"
    DISCARDED = "discarded"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the owner followed the link mailed to this address (accounts/confirmation.py); None
    # until then. Public forms and API tokens wait for it.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # An IANA zone the person chose for the times the app shows; None: the browser's, else UTC.
    time_zone: Mapped[str | None] = mapped_column(String(64))

    connections: Mapped[list[NotionConnection]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="NotionConnection.id"
    )

    # Set by the login code and the user loader: which server-side login session this is.
    def get_id(self) -> str:
        return f"{self.id}:{getattr(self, 'login_session_key', None)}"


class LoginSession(db.Model):
    """A server-side record of one login; logout deletes it, so an old cookie stops working."""

    __tablename__ = "login_session"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginThrottle(db.Model):
    """Throttle counters shared by every worker (accounts/throttle.py: hashed keys per (email,
    client address), per address, per sign-up address); `window_started_at` holds the time of
    the last failure counted (a counter is forgotten a window after it)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotionConnection(db.Model):
    """One authorization of the integration in one workspace (Notion's `bot_id`)."""

    __tablename__ = "notion_connection"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    bot_id: Mapped[str] = mapped_column(String(64), unique=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    workspace_name: Mapped[str | None] = mapped_column(String(255))
    workspace_icon: Mapped[str | None] = mapped_column(String(2048))
    owner: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notion_user_id: Mapped[str | None] = mapped_column(String(64))
    notion_user_name: Mapped[str | None] = mapped_column(String(255))
    notion_user_email: Mapped[str | None] = mapped_column(String(254))
    duplicated_template_id: Mapped[str | None] = mapped_column(String(64))
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    token_type: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32), default=ConnectionState.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="connections")

    @property
    def needs_reconnect(self) -> bool:
        return self.state == ConnectionState.NEEDS_RECONNECT

    @property
    def disconnected(self) -> bool:
        return self.state == ConnectionState.DISCONNECTED


class Import(db.Model):
    """A CSV import: one RowSubmission per row."""

    __tablename__ = "import"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("notion_connection.id", ondelete="CASCADE"), index=True
    )
    data_source_id: Mapped[str] = mapped_column(String(64))
    data_source_title: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(255))
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The `files` properties whose links Notion copies (a File Upload in `external_url` mode,
    # "Notion keeps a copy") instead of attaching them as links.
    copy_files: Mapped[list[str] | None] = mapped_column(JSON)
    # The parsed file, kept server-side until it is sent: header and rows (lists of strings);
    # dropped (SQL NULL) once none of the sent import's rows can still be sent.
    columns: Mapped[list[str] | None] = mapped_column(JSON)
    rows: Mapped[list[list[str]] | None] = mapped_column(JSON)
    # The bytes columns and rows take as JSON, counted against the account's storage quota.
    stored_bytes: Mapped[int] = mapped_column(default=0, server_default="0")
    encoding: Mapped[str | None] = mapped_column(String(32))
    delimiter: Mapped[str | None] = mapped_column(String(8))
    total_rows: Mapped[int] = mapped_column(default=0)
    invalid_rows: Mapped[int] = mapped_column(default=0)
    # At send time: {row number: why it was not sent} for the rows that failed validation.
    row_errors: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # draft (uploaded, mapping), sending, cancelled, done
    state: Mapped[str] = mapped_column(String(32), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RowSubmission(db.Model):
    """The outbox and the history: a row is saved here before any Notion call."""

    __tablename__ = "row_submission"
    __table_args__ = (
        UniqueConstraint("user_id", "client_nonce"),
        Index("ix_row_submission_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("notion_connection.id", ondelete="SET NULL"), index=True
    )
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int | None]
    data_source_id: Mapped[str] = mapped_column(String(64))
    data_source_title: Mapped[str | None] = mapped_column(String(255))
    title_property: Mapped[str | None] = mapped_column(String(255))
    title_text: Mapped[str | None] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The template Notion applies after the create: {"type": "default"} or {"type":
    # "template_id", "template_id"}, with its "name" when chosen (for the history); NULL: none.
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client_nonce: Mapped[str] = mapped_column(String(64), default=lambda: uuid.uuid4().hex)
    state: Mapped[str] = mapped_column(String(16), default=RowState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # Reconciliation looks only at pages the app's own bots created since the first attempt.
    first_attempt_at: Mapped[datetime | None]
    # When the latest create was sent: its page may not show in a query for a few seconds.
    last_attempt_at: Mapped[datetime | None]
    attempt_bot_ids: Mapped[list[str] | None] = mapped_column(JSON)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    error_property: Mapped[str | None] = mapped_column(String(255))
    notion_page_id: Mapped[str | None] = mapped_column(String(64))
    # Text: a page URL carries a slug of the title, which can be long.
    notion_page_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # The rows API (notion_app/api): the token that posted this row (the history names it);
    # NULL for rows people typed or imported. A deleted token leaves its rows.
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="SET NULL"), index=True
    )
    # Imports that update rows (issue 17): the Notion page this row updates with a PATCH of its
    # `properties` only; NULL: the row creates a page.
    target_page_id: Mapped[str | None] = mapped_column(String(64))
    # Public forms (notion_app/public_forms): the form a visitor sent this row through; no
    # foreign key, so the history keeps a deleted form's rows (wording.row_source names it).
    form_id: Mapped[int | None] = mapped_column(index=True)


class NotionCache(db.Model):
    """Short-lived copies of Notion answers per connection, shared by every worker."""

    __tablename__ = "notion_cache"
    __table_args__ = (UniqueConstraint("connection_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique (connection_id, key) index also serves lookups by connection.
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("notion_connection.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(128))
    value: Mapped[Any] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class FieldOrder(db.Model):
    """The order its owner gave a data source's fields (property ids): the row form and the public
    form builder show them in it. Properties added in Notion later go last; removed ones drop."""

    __tablename__ = "field_order"
    __table_args__ = (UniqueConstraint("connection_id", "data_source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique (connection_id, data_source_id) index also serves lookups by connection.
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("notion_connection.id", ondelete="CASCADE")
    )
    data_source_id: Mapped[str] = mapped_column(String(64))
    property_ids: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
