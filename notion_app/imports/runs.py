"""Sending an import through the outbox, and following it: counts, cancel, resume, results.

"Send" submits one row per valid line with a nonce made of the import id and the line number,
so a second "Send" creates nothing twice; the outbox then sends them at the connection's pace.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select, update

from .. import outbox
from ..data_sources import catalog
from ..extensions import db
from ..files.storage import NewLink
from ..models import Import, NotionConnection, RowSubmission, User, utcnow
from . import storage
from .drafts import check_rows


def nonce(import_id: int, row_number: int) -> str:
    return f"import-{import_id}-row-{row_number}"


def send(imp: Import, conn: NotionConnection, user: User, template: dict | None = None) -> bool:
    """Submit every valid row once (False: this import was already sent), each created with
    `template` when one is chosen (see `data_sources.templates`); the outbox does the rest.

    The state flip draft -> sending and the rows commit together: a double submit either finds
    the import already sending or loses on the nonces' unique constraint, and creates nothing.
    """
    checked = check_rows(imp, conn)
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
    rows = (
        _new_row(r.properties, nonce(imp.id, r.number), r.number, template, imp.copy_files or ())
        for r in checked if not r.errors
    )
    data_source = {"id": imp.data_source_id, "title": imp.data_source_title}
    try:
        outbox.submit_many(user, conn, data_source, schema_props, rows, import_id=imp.id)
    except outbox.AlreadySubmitted:
        return False
    db.session.refresh(imp)
    return True


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
    out["done"] = out["sent"] + out["failed"] + out["invalid"]
    return out


def status(imp: Import) -> dict:
    """The progress page's JSON: counts and the import's state (finished once nothing is due)."""
    found = counts(imp)
    if imp.state == "sending" and found["pending"] + found["unknown"] == 0:
        imp.state = "done"
        db.session.commit()
        storage.drop_finished_files()  # every row is done: the parsed file is not needed
    return {"id": imp.id, "state": imp.state, **found}


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
         "title": r.title_text or "", "error": r.last_error or ""}
        for r in db.session.scalars(query)
    ]
    found += [
        {"row": int(n), "state": "invalid", "url": "", "title": "", "error": message}
        for n, message in (imp.row_errors or {}).items()
    ]
    return sorted(found, key=lambda r: r["row"] or 0)


def safe_cell(value) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): prefix a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def results_csv(imp: Import) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "state", "title", "notion_url", "error"])
    for r in results(imp):
        cells = (safe_cell(r[k]) for k in ("title", "url", "error"))
        writer.writerow([r["row"], r["state"], *cells])
    return out.getvalue()


def user_imports(user: User, limit: int = 100) -> list[Import]:
    query = (
        select(Import).where(Import.user_id == user.id).order_by(Import.id.desc()).limit(limit)
    )
    return list(db.session.scalars(query))
