"""Sending an import through the outbox, and following it: counts, cancel, resume, results.

"Send" submits one row per valid line with a nonce made of the import id and the line number,
so a second "Send" creates nothing twice; the outbox then sends them at the connection's pace.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math

from flask import current_app
from sqlalchemy import func, select, update

from .. import outbox, webhooks
from ..data_sources import catalog
from ..extensions import db
from ..files.storage import NewLink
from ..models import Import, NotionConnection, RowSubmission, User, utcnow
from . import keys, modes, remembered, storage
from .drafts import CheckedRow, check_rows


def nonce(import_id: int, row_number: int) -> str:
    return f"import-{import_id}-row-{row_number}"


def send(imp: Import, conn: NotionConnection, user: User, template: dict | None = None) -> bool:
    """Submit every valid row once (False: this import was already sent), each created with
    `template` when one is chosen (see `data_sources.templates`); the outbox does the rest.
    An import that updates rows looks its keys up again first (`keys.plan`): its rows are
    creates and updates (`target_page_id`), and the rows not written are kept with why.

    The state flip draft -> sending and the rows commit together: a double submit either finds
    the import already sending or loses on the nonces' unique constraint, and creates nothing.
    """
    if imp.state != "draft":
        return False
    checked, planned = prepare(imp, conn)  # an update's lookups: before anything is saved
    if planned is None and modes.mode_of(imp).mode != "add":
        return False  # an update without a usable key: never "add every row" instead
    schema_props = catalog.schema(conn, imp.data_source_id).get("properties") or {}
    won = db.session.execute(
        update(Import).where(Import.id == imp.id, Import.state == "draft")
        .values(state="sending", updated_at=utcnow())
    ).rowcount == 1
    if not won:
        db.session.rollback()
        return False
    invalid = {str(r.number): r.message[:500] for r in checked if r.errors}
    db.session.execute(
        update(Import).where(Import.id == imp.id)
        .values(invalid_rows=len(invalid), row_errors=invalid)
    )
    if planned is None:
        rows = (
            _new_row(r.properties, nonce(imp.id, r.number), r.number, template,
                     imp.copy_files or ())
            for r in checked if not r.errors
        )
    else:
        rows = _planned_rows(imp, planned, template)
    data_source = {"id": imp.data_source_id, "title": imp.data_source_title}
    try:
        outbox.submit_many(user, conn, data_source, schema_props, rows, import_id=imp.id)
    except outbox.AlreadySubmitted:
        return False
    db.session.refresh(imp)
    remembered.remember(imp)
    return True


def prepare(imp: Import, conn: NotionConnection) -> tuple[list[CheckedRow], keys.Plan | None]:
    """The checked rows and, for an import that updates rows, what each one does (Notion is
    asked which pages have their keys, now). A mode whose key is unusable plans nothing: the
    caller refuses to send it (`modes.key_errors`)."""
    found = modes.mode_of(imp)
    schema = catalog.schema(conn, imp.data_source_id)
    key = modes.key_of(imp, schema, found)
    checked = check_rows(imp, conn, require_title=found.mode == "add")
    if key is None:
        return checked, None
    planned = keys.plan(conn, imp.data_source_id, found.mode, key, imp.columns or [], checked,
                        found.multi_select or {}, schema)
    return checked, planned


def _planned_rows(imp: Import, planned: keys.Plan, template):
    """The rows to submit of a plan (creates with the template, updates with their page); the
    rows not written are kept with the reason, for the results."""
    found = modes.mode_of(imp)
    found.skipped = {str(p.number): {"kind": p.kind, "message": p.message, "url": p.url}
                     for p in planned.rows if p.kind in keys.NOT_WRITTEN}
    db.session.add(found)
    for p in planned.rows:
        if p.kind in ("new", "update"):
            row = _new_row(p.properties, nonce(imp.id, p.number), p.number,
                           template if p.kind == "new" else None, imp.copy_files or ())
            yield dataclasses.replace(row, target_page_id=p.target_page_id
                                      if p.kind == "update" else None)


def _new_row(properties: dict, row_nonce: str, number: int, template, copied) -> outbox.NewRow:
    """The row to submit; the links of a `files` property Notion copies become files to copy
    (external_url uploads) instead of links."""
    links = []
    for name in copied:
        value = properties.get(name)
        if not value:
            continue
        properties = {k: v for k, v in properties.items() if k != name}
        links += [NewLink(name, entry["name"], entry["external"]["url"])
                  for entry in value.get("files") or [] if entry.get("type") == "external"]
    return outbox.NewRow(properties, row_nonce, number, template=template, files=tuple(links))


def counts(imp: Import) -> dict:
    """Row counts by state, read from the database (so they survive reloads and restarts)."""
    query = (
        select(RowSubmission.state, func.count())
        .where(RowSubmission.import_id == imp.id)
        .group_by(RowSubmission.state)
    )
    by_state = dict(db.session.execute(query).all())
    out = {
        "sent": by_state.get("sent", 0),
        "pending": by_state.get("pending", 0) + by_state.get("sending", 0),
        "unknown": by_state.get("unknown", 0),
        "failed": by_state.get("failed", 0),
        "cancelled": by_state.get("cancelled", 0),
        "invalid": imp.invalid_rows,
        "total": imp.total_rows,
    }
    out["queued"] = sum(by_state.values())
    skipped = modes.mode_of(imp).skipped or {}
    out["updated"] = db.session.scalar(
        select(func.count()).where(RowSubmission.import_id == imp.id,
                                   RowSubmission.state == "sent",
                                   RowSubmission.target_page_id.is_not(None))
    ) or 0
    out["added"] = out["sent"] - out["updated"]
    out["not_written"] = len(skipped)
    out["done"] = out["sent"] + out["failed"] + out["invalid"] + out["not_written"]
    return out


def status(imp: Import) -> dict:
    """The progress page's JSON: counts and the import's state (finished once nothing is due)."""
    found = counts(imp)
    if imp.state == "sending" and found["pending"] + found["unknown"] == 0:
        # Only the request that moves it to done tells the webhooks (two pollers: one event).
        stmt = update(Import).where(Import.id == imp.id, Import.state == "sending")
        if db.session.execute(stmt.values(state="done")).rowcount == 1:
            imp.state = "done"
            webhooks.import_finished(imp, found)
        db.session.commit()
        db.session.refresh(imp)
        storage.drop_finished_files()  # every row is done: the parsed file is not needed
    return {"id": imp.id, "state": imp.state, **found, "seconds_left": _seconds_left(found)}


def _seconds_left(found: dict) -> int:
    """About how long the rows still on their way take at the connection's pace."""
    rate = float(current_app.config.get("NOTION_RATE") or 2.5)
    return math.ceil((found["pending"] + found["unknown"]) / max(rate, 0.1))


def cancel(imp: Import) -> int:
    """Stop sending: rows not yet sent are cancelled; sent rows stay in Notion."""
    if imp.state in ("sending", "done"):
        imp.state = "cancelled"
    cancelled = outbox.cancel_import(imp.id)
    if cancelled and imp.state != "cancelled":
        imp.state = "cancelled"
        db.session.commit()
    return cancelled


def resume(imp: Import) -> int:
    """Send the cancelled rows after all."""
    if imp.state == "cancelled":
        imp.state = "sending"
    return outbox.resume_import(imp.id)


def results(imp: Import) -> list[dict]:
    """Per-row results in file order: sent rows with their Notion link, errors, invalid rows."""
    query = (
        select(RowSubmission).where(RowSubmission.import_id == imp.id)
        .order_by(RowSubmission.row_number)
    )
    found = [
        {"row": r.row_number, "state": r.state, "url": r.notion_page_url or "",
         "title": r.title_text or "", "error": r.last_error or "",
         "action": ("updated" if r.target_page_id else "added") if r.state == "sent" else ""}
        for r in db.session.scalars(query)
    ]
    found += [
        {"row": int(n), "state": "invalid", "url": "", "title": "", "error": message,
         "action": ""}
        for n, message in (imp.row_errors or {}).items()
    ]
    found += [  # not written: ambiguous, unchanged, not found (update only)
        {"row": int(n), "state": why["kind"], "url": why.get("url") or "", "title": "",
         "error": why["message"], "action": ""}
        for n, why in (modes.mode_of(imp).skipped or {}).items()
    ]
    return sorted(found, key=lambda r: r["row"] or 0)


def safe_cell(value) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): prefix a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def results_csv(imp: Import) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "state", "title", "notion_url", "error", "action"])
    for r in results(imp):
        cells = (safe_cell(r[k]) for k in ("title", "url", "error"))
        writer.writerow([r["row"], r["state"], *cells, r["action"]])
    return out.getvalue()


def user_imports(user: User, limit: int = 100) -> list[Import]:
    query = (
        select(Import).where(Import.user_id == user.id).order_by(Import.id.desc()).limit(limit)
    )
    return list(db.session.scalars(query))
