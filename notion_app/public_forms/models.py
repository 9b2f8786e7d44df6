"""A public form: a link anyone can open to add a row to one of its owner's data sources.

The form keeps a copy of the data source's schema (`schema`) taken when its owner last opened
the builder: visitors are served from it without a Notion call, so the form keeps taking rows
while Notion is slow, rate-limited or the workspace needs reconnecting (the outbox holds them).
The builder compares it with Notion's schema as it is now (see `settings.reconcile`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import NotionConnection, User, utcnow


class PublicForm(db.Model):
    __tablename__ = "public_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id in the public link /f/<public_id>: secrets.token_urlsafe, at least 128 bits (T43).
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("notion_connection.id", ondelete="CASCADE"), index=True
    )
    data_source_id: Mapped[str] = mapped_column(String(64))
    data_source_title: Mapped[str | None] = mapped_column(String(255))
    # The data source's properties ({name: property}) as the builder last saw them in Notion.
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The fields shown, in order: [{"id": property id, "label", "help", "required", "default",
    # "prefill", "hidden"}]; a hidden field sends its `default` as a fixed value.
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Properties removed in Notion since (names), told to the owner until the next save.
    dropped: Mapped[list[str] | None] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    thank_you: Mapped[str | None] = mapped_column(Text)
    redirect_url: Mapped[str | None] = mapped_column(Text)
    is_open: Mapped[bool] = mapped_column(default=False)
    closes_at: Mapped[datetime | None]
    max_submissions: Mapped[int | None]
    # Rows accepted so far, counted in the transaction that saves each row (the maximum holds
    # across workers).
    submission_count: Mapped[int] = mapped_column(default=0)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    # The Notion template new pages get (data_sources/templates.py's stored choice); NULL: none.
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Mail the owner on each submission (notion_app/mail.py: MAIL_URL; in dev, /_dev/mailbox).
    notify_each: Mapped[bool] = mapped_column(default=False)
    # Mail the owner when Notion refuses a row sent through the form (failures.py).
    notify_failures: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The largest file a visitor may send (bytes), at or below the workspace's limit when the
    # owner saved it; NULL: the workspace's own limit (uploads.py).
    file_limit_bytes: Mapped[int | None]
    # People and relation pickers, off by default: they show visitors workspace member names
    # and page titles. `picker_choices` ({property id: [{"id", "label"}]}) is what visitors pick
    # from, taken from Notion when the owner last opened or saved the builder (choices.py).
    offer_people: Mapped[bool] = mapped_column(default=False, server_default=false())
    offer_relations: Mapped[bool] = mapped_column(default=False, server_default=false())
    picker_choices: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Origins (https://host[:port]) whose pages may show the form in an <iframe>.
    embed_origins: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    connection: Mapped[NotionConnection] = relationship()
