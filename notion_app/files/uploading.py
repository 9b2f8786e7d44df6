"""The File Upload dance for one row, run by the outbox just before the row's create.

For each of the row's files: create a File Upload, send the bytes (one part up to 20 MB, else
parts of `PART_BYTES` read from the stored chunks), complete a multi-part upload, then name the
upload ids in the create. Every step is recorded as it happens (the upload id before the first
byte is sent), so a sender that crashes or times out picks up where it stopped:

- an upload made in an earlier attempt is retrieved first: `uploaded` is used as it is, `pending`
  gets its bytes (again: sending to the same upload replaces, never duplicates), `expired` is
  made again;
- a file Notion copies from a link (`source_url`, an `external_url` upload) is asked about until
  Notion says `uploaded` (the row waits meanwhile, like after a 429) or `failed` (the row fails
  at its property with Notion's reason);
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
COPY_WAIT_SECONDS = 5.0  # between looks at a file Notion copies from a link


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
    if file.upload_id:  # made in an earlier attempt, or its answer was lost: ask Notion first
        upload = client.get_file_upload(file.upload_id)
        status = upload.get("status")
        if status == "uploaded":
            return _uploaded(file) if file.uploaded_at is None else None
        if status == "pending":
            return _still_copying(file) if file.source_url else _send(client, file)
        if status == "failed":
            raise _not_copied(file, upload)
        _forget(file)  # expired: make it again
    upload = _create(client, file)
    if not file.source_url:
        return _send(client, file)
    if upload.get("status") == "uploaded":
        return _uploaded(file)
    if upload.get("status") == "failed":
        raise _not_copied(file, upload)
    _still_copying(file)


def _parts(file: PendingFile) -> int | None:
    if file.source_url or file.size <= SINGLE_PART_MAX:
        return None
    return -(-file.size // PART_BYTES)


def _create(client: NotionClient, file: PendingFile) -> dict:
    upload = client.create_file_upload(file.filename, file.content_type, _parts(file),
                                       external_url=file.source_url)
    file.upload_id = upload["id"]
    db.session.commit()  # known before a byte is sent
    return upload


def _still_copying(file: PendingFile) -> None:
    """Notion copies a link's file in its own time: the row waits a few seconds and asks."""
    raise nerr.NotionRateLimited(
        f"Notion is still copying {file.filename} from its link; sending the row shortly.",
        code="file_import_pending", retry_after=COPY_WAIT_SECONDS,
    )


def _not_copied(file: PendingFile, upload: dict) -> nerr.NotionValidationError:
    result = upload.get("file_import_result") or {}
    why = (result.get("error") or {}).get("message") or "the link could not be read"
    return nerr.NotionValidationError(
        f"{file.property_name}: Notion could not copy {file.filename} from "
        f"{file.source_url}: {why}", code="file_import_failed",
        property_name=file.property_name,
    )


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
