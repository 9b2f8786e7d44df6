"""The File Upload dance for one row, run by the outbox just before the row's create.

For each of the row's files: create a File Upload, send the bytes (one part up to 20 MB, else
parts of `PART_BYTES` read from the stored chunks), complete a multi-part upload, then name the
upload ids in the create. Every step is recorded as it happens (the upload id before the first
byte is sent), so a sender that crashes or times out picks up where it stopped:

- an upload made in an earlier attempt is retrieved first: `uploaded` is used as it is, `pending`
  gets its bytes (again: sending to the same upload replaces, never duplicates), `expired` or
  `failed` is made again;
- a send or complete whose answer was lost (timeout, 5xx) is followed by a retrieve, never by a
  blind second upload.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..extensions import db
from ..models import RowSubmission, utcnow
from ..notion import errors as nerr
from ..notion.client import NotionClient
from . import storage
from .models import PendingFile

MiB = 1024 * 1024
SINGLE_PART_MAX = 20 * MiB
PART_BYTES = 10 * MiB  # Notion recommends 10 MB parts (5–20 MB allowed, the last smaller)


def properties_to_send(client: NotionClient, row: RowSubmission) -> dict:
    """The row's properties with its stored files uploaded and attached."""
    files = storage.files_of(row.id)
    if not files:
        return row.properties
    for file in files:
        _ensure_uploaded(client, file)
    return with_uploads(row.properties, files)


def with_uploads(properties: Mapping, files: list[PendingFile]) -> dict:
    """`properties` with each file added to its property as Notion's `file_upload` entry
    (its name is the file's; reconciliation compares names, since Notion answers with a
    hosted URL of its own)."""
    out = {name: dict(value) if isinstance(value, Mapping) else value
           for name, value in properties.items()}
    for file in files:
        value = out.setdefault(file.property_name, {"files": []})
        value["files"] = [*value.get("files", []), {
            "type": "file_upload", "file_upload": {"id": file.upload_id or ""},
            "name": file.filename[:100],
        }]
    return out


def _ensure_uploaded(client: NotionClient, file: PendingFile) -> None:
    if file.upload_id and file.uploaded_at is not None:
        status = client.get_file_upload(file.upload_id).get("status")
        if status == "uploaded":
            return
        _forget(file)  # expired or failed: make it again
    elif file.upload_id:  # created, bytes maybe sent: see what Notion has
        upload = client.get_file_upload(file.upload_id)
        if upload.get("status") == "uploaded":
            return _uploaded(file)
        if upload.get("status") != "pending":
            _forget(file)
    if not file.upload_id:
        _create(client, file)
    _send(client, file)


def _parts(file: PendingFile) -> int | None:
    if file.size <= SINGLE_PART_MAX:
        return None
    return -(-file.size // PART_BYTES)


def _create(client: NotionClient, file: PendingFile) -> None:
    upload = client.create_file_upload(file.filename, file.content_type, _parts(file))
    file.upload_id = upload["id"]
    db.session.commit()  # known before a byte is sent


def _send(client: NotionClient, file: PendingFile) -> None:
    parts = _parts(file)
    try:
        if parts is None:
            _send_part(client, file, storage.Reader(file), None)
        else:
            for number in range(1, parts + 1):
                start = (number - 1) * PART_BYTES
                _send_part(client, file, storage.Reader(file, start, start + PART_BYTES), number)
            client.complete_file_upload(file.upload_id)
    except nerr.NotionOutcomeUnknown:
        # The bytes may have arrived: ask, and only go on when Notion says they did.
        if client.get_file_upload(file.upload_id).get("status") != "uploaded":
            raise
    except nerr.NotionValidationError as exc:
        raise nerr.NotionValidationError(
            f"{file.property_name}: Notion refused {file.filename}: {exc.message}",
            status=exc.status, code=exc.code, property_name=file.property_name,
        ) from None
    _uploaded(file)


def _send_part(client: NotionClient, file: PendingFile, part: storage.Reader,
               number: int | None) -> None:
    client.send_file_upload(file.upload_id, part, part.size, file.filename, file.content_type,
                            part_number=number)


def _uploaded(file: PendingFile) -> None:
    file.uploaded_at = utcnow()
    db.session.commit()


def _forget(file: PendingFile) -> None:
    file.upload_id, file.uploaded_at = None, None
    db.session.commit()
