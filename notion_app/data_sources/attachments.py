"""The row form's files: what the pickers say (the workspace's limit, the kinds Notion takes)
and the files a submitted form carries, checked before anything is stored."""

from __future__ import annotations

from flask import current_app, request

from ..connections.tokens import NeedsReconnect
from ..extensions import db
from ..files import checks, picked, storage
from ..imports.storage import quota_bytes, used_bytes
from ..models import RowState, RowSubmission
from ..notion.errors import NotionError
from . import catalog


def _has_files(fields) -> bool:
    return any(f.type == "files" and f.writable for f in fields)


def upload_limit(conn, fields) -> int | None:
    """The workspace's per-file limit (cached with the connection; asked only for a data source
    with a files property). None when Notion cannot tell now: a free plan's 5 MB is assumed."""
    if not _has_files(fields):
        return None
    try:
        return catalog.upload_limit(conn)
    except (NotionError, NeedsReconnect):
        return None


def body_limit() -> int:
    return int(float(current_app.config["ROW_UPLOAD_MAX_MB"]) * 1024 * 1024)


def body_limit_text() -> str:
    return checks.size_text(body_limit())


def picker(limit: int | None) -> dict:
    """What each file picker shows and checks in the browser before sending: each file against
    the workspace's limit, all of them against the app's (ROW_UPLOAD_MAX_MB)."""
    limit = limit or checks.DEFAULT_LIMIT
    return {"limit_bytes": limit, "limit_text": checks.size_text(limit),
            "accept": checks.ACCEPT_ATTRIBUTE, "body_bytes": body_limit(),
            "body_text": body_limit_text()}


def from_form(conn, fields, user) -> tuple[tuple, dict[str, str]]:
    """(the files to save with the row, {property name: what is wrong with its files})."""
    if not _has_files(fields) or not request.files:
        return (), {}
    files, errors, total = picked.collect(fields, request.files, upload_limit(conn, fields))
    if files and not errors:
        used, quota = used_bytes(user), quota_bytes()
        if used + total > quota:
            errors[files[0].property_name] = (
                f"These files need {checks.size_text(total)}, and your account already keeps "
                f"{checks.size_text(used)} of its {checks.size_text(quota)} (rows waiting to "
                f"be sent, their files, CSV imports). Nothing was saved: delete CSV drafts you "
                f"will not send or wait for waiting rows to go out, then pick the files again.")
    return (tuple(files) if not errors else ()), errors


def kept(replaces: int | None, user) -> dict[str, list[dict]]:
    """The files of a refused row that the form correcting it offers to keep, by property:
    nobody picks the same files twice because Notion refused another value."""
    row = db.session.get(RowSubmission, replaces) if replaces else None
    if row is None or row.user_id != user.id or row.state != RowState.FAILED:
        return {}
    offered: dict[str, list[dict]] = {}
    for file in storage.kept(row.id, user.id):
        size = checks.size_text(file.size) if file.size else "copied from its link"
        offered.setdefault(file.property_name, []).append(
            {"id": file.id, "name": file.filename, "size": size})
    return offered


def ticked(form, offered: dict[str, list[dict]]) -> list[int]:
    """The offered files a submitted form keeps; all of them before the form was sent."""
    ids = [file["id"] for files in offered.values() for file in files]
    if "keep-offered" not in form:
        return ids
    chosen = set(form.getlist("keep-file", type=int))
    return [file_id for file_id in ids if file_id in chosen]
