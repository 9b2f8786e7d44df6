"""The files people attach to a row: kept in the database with the row until Notion has them.

A dyno's disk does not survive a restart, so the bytes live in the database, in chunks of
`CHUNK_BYTES` (memory stays flat while a file is stored or sent). `PendingFile` keeps the name,
size and digest after the bytes are gone, for the history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import utcnow

CHUNK_BYTES = 1024 * 1024


class PendingFile(db.Model):
    """One file of one row's `files` property, and where its upload to Notion stands."""

    __tablename__ = "pending_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(
        ForeignKey("row_submission.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    property_name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # A link Notion copies the file from (an `external_url` upload; no bytes are kept here).
    source_url: Mapped[str | None] = mapped_column(Text)
    # The Notion File Upload this file went into (NULL: none yet), and when it was uploaded.
    upload_id: Mapped[str | None] = mapped_column(String(64))
    uploaded_at: Mapped[datetime | None]
    # NULL while the bytes are kept; set once Notion has them (or the row was discarded).
    bytes_deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    chunks: Mapped[list[PendingFileChunk]] = relationship(
        back_populates="file", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PendingFileChunk.seq",
        lazy="raise",  # read in ranges (storage.read), never all at once
    )


class PendingFileChunk(db.Model):
    __tablename__ = "pending_file_chunk"
    __table_args__ = (UniqueConstraint("file_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("pending_file.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    file: Mapped[PendingFile] = relationship(back_populates="chunks")
