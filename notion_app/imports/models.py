"""What an import remembers beyond its file: how it writes (add, or update by a key) and, per
account, the last mapping used for a file with the same headers into the same data source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow


class ImportMode(db.Model):
    """How one import writes: `add` every row (no row of its own: the default), `upsert`
    (update the rows whose key matches one page, add the rest) or `update` (update only).

    The key is a CSV column matched for equality to a filterable property (`imports/keys.py`).
    `multi_select` says per multi-select property whether an update adds the row's options to
    the page's (`add`) or sets them (`replace`, Notion's own meaning of a PATCH). `skipped`
    keeps, from the send, the rows not written and why ({row number: {kind, message}})."""

    __tablename__ = "import_mode"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("import.id", ondelete="CASCADE"), unique=True
    )
    mode: Mapped[str] = mapped_column(String(16), default="add")
    key_column: Mapped[str | None] = mapped_column(String(255))
    key_property: Mapped[str | None] = mapped_column(String(255))
    multi_select: Mapped[dict[str, str] | None] = mapped_column(JSON)
    skipped: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SavedMapping(db.Model):
    """The last mapping (and mode) a person used for a file with these headers into this data
    source: the next such import starts from it. `headers` is a digest of the header row."""

    __tablename__ = "saved_mapping"
    __table_args__ = (UniqueConstraint("user_id", "data_source_id", "headers"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    data_source_id: Mapped[str] = mapped_column(String(64))
    headers: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
