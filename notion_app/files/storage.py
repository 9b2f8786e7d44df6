"""Keeping a row's files: store them in chunks, read them back in ranges, count and drop them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete, func, insert, select, update

from ..extensions import db
from ..models import utcnow
from .checks import content_type as accepted_type
from .models import CHUNK_BYTES, PendingFile, PendingFileChunk


@dataclass(frozen=True)
class NewFile:
    """A file a person attached to a `files` property, not yet saved."""

    property_name: str
    filename: str
    content_type: str
    stream: BinaryIO


@dataclass(frozen=True)
class NewLink:
    """A file Notion copies from a public `https://` link (CSV: "Notion keeps a copy")."""

    property_name: str
    filename: str
    url: str


def store_all(row_id: int, user_id: int, files) -> list[PendingFile]:
    positions: dict[str, int] = {}
    stored = []
    for new in files:
        position = positions.get(new.property_name, 0)
        positions[new.property_name] = position + 1
        if isinstance(new, NewLink):
            file = PendingFile(row_id=row_id, user_id=user_id, property_name=new.property_name,
                               position=position, filename=new.filename,
                               content_type=accepted_type(new.filename) or "", size=0, sha256="",
                               source_url=new.url)
            db.session.add(file)
        else:
            file = store(row_id, user_id, new.property_name, position, new.filename,
                         new.content_type, new.stream)
        stored.append(file)
    return stored


def store(row_id: int, user_id: int, property_name: str, position: int, filename: str,
          content_type: str, stream: BinaryIO) -> PendingFile:
    """Copy `stream` into the database, one chunk at a time (not committed: the caller commits
    the row and its files together)."""
    file = PendingFile(row_id=row_id, user_id=user_id, property_name=property_name,
                       position=position, filename=filename, content_type=content_type,
                       size=0, sha256="")
    db.session.add(file)
    db.session.flush()
    digest, size, seq = hashlib.sha256(), 0, 0
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
        # A Core insert: no ORM object keeps the chunk in the session (memory stays flat).
        db.session.execute(insert(PendingFileChunk).values(file_id=file.id, seq=seq, data=chunk))
        seq += 1
    file.size, file.sha256 = size, digest.hexdigest()
    return file


def files_of(row_id: int) -> list[PendingFile]:
    return list(db.session.scalars(
        select(PendingFile).where(PendingFile.row_id == row_id)
        .order_by(PendingFile.property_name, PendingFile.position, PendingFile.id)
    ))


def of_rows(row_ids: list[int]) -> dict[int, list[PendingFile]]:
    """Each row's files (names and sizes, for the history), in their order."""
    found: dict[int, list[PendingFile]] = {}
    if row_ids:
        query = select(PendingFile).where(PendingFile.row_id.in_(row_ids)).order_by(
            PendingFile.row_id, PendingFile.property_name, PendingFile.position)
        for file in db.session.scalars(query):
            found.setdefault(file.row_id, []).append(file)
    return found


def read(file: PendingFile, start: int = 0, end: int | None = None) -> bytes:
    """Bytes `start`..`end` of the file, whole (small files and tests; sending uses Reader)."""
    end = file.size if end is None else min(end, file.size)
    return read_range(file.id, start, end)


def read_range(file_id: int, start: int, end: int) -> bytes:
    return b"".join(_chunks_between(file_id, start, end))


def _chunks_between(file_id: int, start: int, end: int) -> Iterator[bytes]:
    first, last = start // CHUNK_BYTES, max(start, end - 1) // CHUNK_BYTES
    rows = db.session.execute(
        select(PendingFileChunk.seq, PendingFileChunk.data)
        .where(PendingFileChunk.file_id == file_id, PendingFileChunk.seq.between(first, last))
        .order_by(PendingFileChunk.seq)
    )
    for seq, data in rows:
        offset = seq * CHUNK_BYTES
        yield data[max(0, start - offset):max(0, end - offset)]


class Reader:
    """Bytes `start`..`end` of a stored file as a stream, fetched one chunk at a time while it
    is read (a 20 MB part never sits in memory whole); `seek(0)` starts over."""

    def __init__(self, file: PendingFile, start: int = 0, end: int | None = None):
        self.file_id, self.start = file.id, start
        self.end = file.size if end is None else min(end, file.size)
        self.size = max(0, self.end - self.start)
        self.seek(0)

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise OSError("a stored file is read from its start only")
        self._at, self._buffer = self.start, b""
        return 0

    def read(self, size: int = -1) -> bytes:
        want = self.end - self._at + len(self._buffer) if size < 0 else size
        while len(self._buffer) < want and self._at < self.end:
            chunk_end = min(self.end, (self._at // CHUNK_BYTES + 1) * CHUNK_BYTES)
            self._buffer += read_range(self.file_id, self._at, chunk_end)
            self._at = chunk_end
        out, self._buffer = self._buffer[:want], self._buffer[want:]
        return out


def kept(row_id: int, user_id: int) -> list[PendingFile]:
    """A row's files that can still be sent: their bytes are here, or Notion copies them from
    a link (a refused row's, offered again on the form that corrects it)."""
    return [file for file in files_of(row_id) if file.user_id == user_id
            and (file.bytes_deleted_at is None or file.source_url)]


def move(file_ids: Iterable[int], from_row: int, to_row: int) -> int:
    """Give a corrected row the files of the row it replaces, bytes and any upload made for
    them (not committed). Only that row's files move; the count moved."""
    ids = list(file_ids)
    if not ids:
        return 0
    result = db.session.execute(
        update(PendingFile).where(PendingFile.id.in_(ids), PendingFile.row_id == from_row)
        .values(row_id=to_row))
    return result.rowcount


def drop_bytes(row_id: int) -> None:
    """Notion has the files (or the row was given up): delete the bytes, keep names and sizes."""
    ids = select(PendingFile.id).where(PendingFile.row_id == row_id,
                                       PendingFile.bytes_deleted_at.is_(None))
    db.session.execute(delete(PendingFileChunk).where(PendingFileChunk.file_id.in_(ids)))
    db.session.execute(update(PendingFile).where(PendingFile.row_id == row_id,
                                                 PendingFile.bytes_deleted_at.is_(None))
                       .values(bytes_deleted_at=utcnow()))


def pending_bytes(user_id: int) -> int:
    """What this account's files still waiting for Notion take (the storage quota)."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(PendingFile.size), 0))
        .where(PendingFile.user_id == user_id, PendingFile.bytes_deleted_at.is_(None))
    ))
