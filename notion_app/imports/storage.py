"""What CSV data an account stores, its quota, and what is purged (T41).

An account stores the parsed files of its imports (`Import.stored_bytes`: the size of their
columns and rows as JSON, counted when the draft is made), the properties of its rows not
sent yet and their files (until Notion has them). A new upload past
`ACCOUNT_STORAGE_QUOTA_MB` is refused before anything is stored.
Drafts never sent and untouched for `DRAFT_RETENTION_DAYS` are purged; a sent import's parsed
file is dropped once none of its rows can still be sent (results come from its rows).
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import Text, and_, cast, delete, exists, func, null, select, update

from ..extensions import db
from ..files.storage import pending_bytes
from ..models import Import, RowState, RowSubmission, User, utcnow
from .parsing import ParsedCSV

MB = 1024 * 1024
# Rows that still hold their properties for a send to come (sent and discarded ones are history).
UNSENT = (RowState.PENDING, RowState.SENDING, RowState.UNKNOWN, RowState.FAILED,
          RowState.CANCELLED)
# An import's parsed file is needed while one of its rows may still be sent.
STILL_GOING = (RowState.PENDING, RowState.SENDING, RowState.UNKNOWN, RowState.CANCELLED)


class QuotaExceeded(ValueError):
    """The upload would take the account past its quota; the message says what to delete."""


def stored_size(parsed: ParsedCSV) -> int:
    """Bytes the parsed file takes in the database (its columns and rows as JSON)."""
    return len(json.dumps(parsed.columns).encode()) + len(json.dumps(parsed.rows).encode())


def quota_bytes() -> int:
    return int(float(current_app.config["ACCOUNT_STORAGE_QUOTA_MB"]) * MB)


def used_bytes(user: User) -> int:
    """The account's drafts' and imports' parsed files, its unsent rows' properties and the
    files waiting to go to Notion with them."""
    files = db.session.scalar(
        select(func.coalesce(func.sum(Import.stored_bytes), 0)).where(Import.user_id == user.id)
    )
    rows = db.session.scalar(
        select(func.coalesce(func.sum(func.length(cast(RowSubmission.properties, Text))), 0))
        .where(RowSubmission.user_id == user.id, RowSubmission.state.in_(UNSENT))
    )
    return int(files or 0) + int(rows or 0) + pending_bytes(user.id)


def check_quota(user: User, needed: int) -> None:
    """QuotaExceeded when storing `needed` more bytes would pass the account's quota."""
    used, quota = used_bytes(user), quota_bytes()
    if used + needed <= quota:
        return
    drafts = db.session.scalar(
        select(func.count()).select_from(Import)
        .where(Import.user_id == user.id, Import.state == "draft")
    )
    raise QuotaExceeded(
        f"This file needs {_mb(needed)} MB once read, and your imports already use "
        f"{_mb(used)} MB of your {quota / MB:g} MB. Delete drafts you will not send "
        f"(you have {drafts}, listed below), or wait until the imports being sent are done, "
        f"then upload again."
    )


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


def delete_draft(imp: Import) -> bool:
    """Delete a draft (never sent) and its parsed file; False when it is not a draft."""
    deleted = db.session.execute(
        delete(Import).where(Import.id == imp.id, Import.state == "draft")
    ).rowcount
    db.session.commit()
    return deleted == 1


def purge_old_drafts(now=None) -> int:
    """Delete drafts never sent and untouched for DRAFT_RETENTION_DAYS; returns how many."""
    days = int(current_app.config["DRAFT_RETENTION_DAYS"])
    cutoff = (now or utcnow()) - timedelta(days=days)
    deleted = db.session.execute(
        delete(Import).where(Import.state == "draft", Import.updated_at < cutoff)
    ).rowcount
    db.session.commit()
    return deleted


def drop_finished_files() -> int:
    """Drop the parsed file of every sent import none of whose rows can still be sent."""
    going = exists().where(
        RowSubmission.import_id == Import.id, RowSubmission.state.in_(STILL_GOING)
    )
    dropped = db.session.execute(
        update(Import)
        .where(and_(Import.state != "draft", Import.rows.is_not(None), ~going))
        .values(columns=null(), rows=null(), stored_bytes=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return dropped
