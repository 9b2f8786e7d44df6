"""File Upload objects: their lifecycle (pending → uploaded, or expired, or failed), the bytes
that arrived (kept as sizes and SHA-256 digests, so tests can tell Notion got the exact file) and
the checks Notion makes when one is attached to a page.

The endpoints are in `uploads.py`; this module holds the rules, so page validation can use them
without importing the HTTP layer.
"""

import hashlib
import mimetypes
from datetime import UTC, datetime, timedelta

from .errors import NotionError, validation
from .ids import new_id, normalize_id

MiB = 1024 * 1024
SINGLE_PART_MAX = 20 * MiB  # a single_part upload, and every part of a multi_part one
PART_MIN = 5 * MiB  # every part of a multi_part upload but the last
MAX_PARTS = 1000
MAX_FILENAME_BYTES = 900
MODES = ("single_part", "multi_part", "external_url")
STATUSES = ("pending", "uploaded", "expired", "failed")

# What Notion's "supported file types" page lists, by extension (one place, easy to change).
SUPPORTED_TYPES = {
    # audio
    ".aac": "audio/aac", ".mid": "audio/midi", ".midi": "audio/midi", ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4", ".oga": "audio/ogg", ".ogg": "audio/ogg", ".wav": "audio/wav",
    ".wma": "audio/x-ms-wma",
    # documents
    ".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv",
    ".json": "application/json", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    # images
    ".gif": "image/gif", ".heic": "image/heic", ".jpeg": "image/jpeg", ".jpg": "image/jpeg",
    ".png": "image/png", ".svg": "image/svg+xml", ".tif": "image/tiff", ".tiff": "image/tiff",
    ".webp": "image/webp", ".ico": "image/vnd.microsoft.icon",
    # video
    ".avi": "video/x-msvideo", ".flv": "video/x-flv", ".m4v": "video/x-m4v", ".mp4": "video/mp4",
    ".mkv": "video/x-matroska", ".webm": "video/webm", ".mov": "video/quicktime",
    ".mpeg": "video/mpeg", ".wmv": "video/x-ms-wmv",
}
SUPPORTED_MIME = set(SUPPORTED_TYPES.values())


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{dt.microsecond // 1000:03d}Z"


def _extension(filename: str | None) -> str:
    if not filename or "." not in filename:
        return ""
    return "." + filename.rsplit(".", 1)[1].lower()


def content_type_for(filename: str | None, given: str | None) -> str | None:
    """The content type Notion records: the one given, else the extension's."""
    if given:
        return given.split(";")[0].strip().lower()
    ext = _extension(filename)
    return SUPPORTED_TYPES.get(ext) or (mimetypes.guess_type(filename)[0] if filename else None)


def check_type(filename: str | None, content_type: str | None, where: str) -> None:
    """Notion accepts the file types it lists; anything else is a validation_error."""
    ext = _extension(filename)
    if ext and ext not in SUPPORTED_TYPES:
        raise validation(f"{where}: the file extension `{ext}` is not a supported file type.")
    if content_type and content_type not in SUPPORTED_MIME:
        raise validation(f"{where}: the content type `{content_type}` is not a supported file "
                         f"type.")
    # A close type is fine (.wav sent as audio/x-wav); a PDF claimed to be an image is not.
    if ext and content_type and SUPPORTED_TYPES[ext].split("/")[0] != content_type.split("/")[0]:
        raise validation(f"{where}: the content type `{content_type}` does not match the file "
                         f"extension `{ext}`.")


def new_upload(st, bot: dict, mode: str, filename, content_type, parts, external_url) -> dict:
    stamp = _now()
    expiry = float(st.settings.get("upload_expiry_seconds", 3600))
    up = {"id": new_id(), "bot_id": bot["bot_id"], "workspace_id": bot["workspace_id"],
          "mode": mode, "filename": filename,
          "content_type": content_type_for(filename, content_type),
          "content_length": None, "created_time": stamp, "last_edited_time": stamp,
          "expires_at": stamp + timedelta(seconds=expiry), "status": "pending",
          "attached": False, "total_parts": parts, "parts": {}, "sent": set(), "sha256": None,
          "external_url": external_url, "import_result": None}
    if mode == "external_url":  # the sandbox cannot fetch: imported at once, or failed
        if st.settings.get("external_import_fails"):
            up["status"] = "failed"
            up["import_result"] = {
                "imported_time": _stamp(stamp), "type": "error",
                "error": {"type": "download_error", "code": "download_failed",
                          "message": "The file could not be downloaded from the URL.",
                          "parameter": None, "status_code": None}}
        else:
            up["status"] = "uploaded"
            up["import_result"] = {"imported_time": _stamp(stamp), "type": "success",
                                   "success": {}}
    st.uploads[up["id"]] = up
    return up


def refresh(up: dict, now: datetime | None = None) -> dict:
    """An upload not attached by its expiry time is expired, whatever it was."""
    if not up["attached"] and up["status"] in ("pending", "uploaded") and \
            (now or _now()) >= up["expires_at"]:
        up["status"] = "expired"
        up["parts"].clear()
    return up


def expire(up: dict) -> None:
    """The control API's switch: this upload's hour is over now."""
    if not up["attached"]:
        up["expires_at"] = _now()
        refresh(up)


def render(up: dict, base_url: str) -> dict:
    refresh(up)
    pending = up["status"] == "pending"
    out = {"object": "file_upload", "id": up["id"], "created_time": _stamp(up["created_time"]),
           "created_by": {"id": up["bot_id"], "type": "bot"},
           "last_edited_time": _stamp(up["last_edited_time"]), "archived": False,
           "expiry_time": None if up["attached"] else _stamp(up["expires_at"]),
           "status": up["status"], "filename": up["filename"],
           "content_type": up["content_type"], "content_length": up["content_length"]}
    if up["mode"] != "external_url":
        out["upload_url"] = f"{base_url}/v1/file_uploads/{up['id']}/send" if pending else None
    if up["mode"] == "multi_part":
        out["complete_url"] = f"{base_url}/v1/file_uploads/{up['id']}/complete" \
            if pending else None
        out["number_of_parts"] = {"total": up["total_parts"], "sent": len(up["sent"])}
    if up["mode"] == "external_url":
        out["file_import_result"] = up["import_result"]
    return out


def visible(st, bot: dict, oid: str) -> dict:
    """The upload `oid` if this integration made it in this workspace, else a 404."""
    up = st.uploads.get(oid)
    if up is None or up["bot_id"] != bot["bot_id"]:
        raise NotionError(404, "object_not_found",
                          f"Could not find file_upload with ID: {oid}.")
    return refresh(up)


def _must_be_pending(up: dict) -> None:
    if up["status"] != "pending":
        raise validation(f"File upload {up['id']} should be in status `pending`, instead was "
                         f"`{up['status']}`.")


def _limit(st) -> int:
    return int(st.settings.get("max_file_upload_size_in_bytes", 5 * MiB))


def _too_big(size: int, limit: int) -> NotionError:
    return validation(f"The file is {size} bytes, which exceeds this workspace's file upload "
                      f"size limit of {limit} bytes.")


def receive(st, up: dict, data: bytes, part_number: str | None, filename, content_type) -> None:
    """The bytes of a send: the whole file (single_part) or one part (multi_part)."""
    if up["mode"] == "external_url":
        raise validation("File uploads with mode `external_url` cannot be sent to: Notion "
                         "imports them from their URL.")
    _must_be_pending(up)
    digest = hashlib.sha256(data).hexdigest()
    if up["mode"] == "single_part":
        if part_number is not None:
            raise validation("body failed validation: body.part_number should be not present "
                             "for a single_part upload.")
        if len(data) > SINGLE_PART_MAX:
            raise validation(f"The file is {len(data)} bytes; a single_part upload takes at "
                             f"most {SINGLE_PART_MAX} bytes (use multi_part).")
        if len(data) > _limit(st):
            raise _too_big(len(data), _limit(st))
        up["filename"] = up["filename"] or filename
        up["content_type"] = up["content_type"] or content_type_for(filename, content_type)
        check_type(up["filename"], up["content_type"], "body.file")
        up.update(status="uploaded", content_length=len(data), sha256=digest)
        number = None
    else:
        number = _part_number(part_number, up["total_parts"])
        last = number == up["total_parts"]
        if len(data) > SINGLE_PART_MAX or (not last and len(data) < PART_MIN):
            raise validation(f"Part {number} is {len(data)} bytes; every part but the last "
                             f"must be {PART_MIN} to {SINGLE_PART_MAX} bytes, the last at most "
                             f"{SINGLE_PART_MAX}.")
        total = len(data) + sum(len(p) for n, p in up["parts"].items() if n != number)
        if total > _limit(st):
            raise _too_big(total, _limit(st))
        up["parts"][number] = data
        up["sent"].add(number)
    up["last_edited_time"] = _now()
    st.received.append({"upload_id": up["id"], "part_number": number, "bytes": len(data),
                        "sha256": digest, "at": _stamp(_now())})


def _part_number(raw, total: int) -> int:
    if raw is None or not str(raw).isdigit() or not 1 <= int(raw) <= total:
        shown = "undefined" if raw is None else f'"{raw}"'
        raise validation(f"body failed validation: body.part_number should be a number from "
                         f"1 to {total}, instead was `{shown}`.")
    return int(raw)


def complete(up: dict) -> None:
    """A multi_part upload whose parts have all arrived becomes one file."""
    if up["mode"] != "multi_part":
        raise validation(f"File upload {up['id']} is a {up['mode']} upload: only multi_part "
                         f"uploads are completed.")
    _must_be_pending(up)
    if len(up["parts"]) != up["total_parts"]:
        raise validation(f"File upload {up['id']} expected {up['total_parts']} parts, "
                         f"{len(up['parts'])} were sent.")
    whole = hashlib.sha256()
    size = 0
    for number in sorted(up["parts"]):
        whole.update(up["parts"][number])
        size += len(up["parts"][number])
    up["parts"].clear()
    up.update(status="uploaded", content_length=size, sha256=whole.hexdigest(),
              last_edited_time=_now())


def attachable(st, bot: dict, raw_id, path: str) -> dict:
    """The upload a `files` value names, if it can be attached: this integration's, uploaded
    (or imported) and not expired."""
    oid = normalize_id(raw_id)
    up = st.uploads.get(oid or "")
    if up is None or up["bot_id"] != bot["bot_id"]:
        raise validation(f"body failed validation: {path}.file_upload.id should be the id of a "
                         f"file upload of this integration, instead was `\"{raw_id}\"`.")
    refresh(up)
    if up["status"] != "uploaded":
        raise validation(f"File upload {up['id']} cannot be attached: its status is "
                         f"`{up['status']}`, expected `uploaded`.")
    return up


def attach(up: dict) -> None:
    """Attached to a page: it no longer expires."""
    up["attached"] = True
    up["last_edited_time"] = _now()


def hosted_file(up: dict, name: str | None) -> dict:
    """How the page shows an attached upload: a Notion-hosted file with an expiring URL."""
    expires = _now() + timedelta(hours=1)
    url = (f"https://prod-files-secure.s3.us-west-2.amazonaws.com/{up['workspace_id']}/"
           f"{up['id']}/{up['filename'] or 'file'}?X-Amz-Expires=3600")
    return {"name": name or up["filename"] or "file", "type": "file",
            "file": {"url": url, "expiry_time": _stamp(expires)}}


def summary(up: dict) -> dict:
    """What the control API shows of an upload (never the bytes)."""
    refresh(up)
    return {"id": up["id"], "bot_id": up["bot_id"], "mode": up["mode"], "status": up["status"],
            "filename": up["filename"], "content_type": up["content_type"],
            "content_length": up["content_length"], "sha256": up["sha256"],
            "attached": up["attached"], "parts_received": sorted(up["sent"]),
            "total_parts": up["total_parts"], "external_url": up["external_url"]}
