"""CSV import: parse a file, map its columns to properties, validate every row, send them.

The parsed file is kept on the Import row (never in the session). Sending creates one
RowSubmission per valid row, with a nonce made of the import id and the row number, so a second
"Send" creates nothing twice; the outbox (sending.py) then sends them at the connection's pace.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from . import catalog, jobs
from .extensions import db
from .models import Import, NotionConnection, RowSubmission, User, utcnow
from .notion import properties

MAX_ROWS = 10_000
MAX_COLUMNS = 200
PREVIEW_ROWS = 20
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
IGNORE = ""
BUSY = ("pending", "sending", "unknown")


class CSVProblem(ValueError):
    """The file cannot be imported; the message says why, in words for the person."""


@dataclass
class ParsedCSV:
    columns: list[str]
    rows: list[list[str]]
    encoding: str
    delimiter: str


# -- parsing -----------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if b"\x00" in data[:SNIFF_BYTES]:
        raise CSVProblem(
            "This does not look like a CSV file (it holds binary data). Export the sheet as "
            "CSV and upload that."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise CSVProblem("The file starts like UTF-8 but is not valid UTF-8.") from None
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CSVProblem("The file's text encoding is not UTF-8 or Latin-1.")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def parse(data: bytes) -> ParsedCSV:
    """The header and the non-blank rows of an uploaded file, or CSVProblem."""
    if not data.strip():
        raise CSVProblem("The file is empty.")
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise CSVProblem(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    if not lines:
        raise CSVProblem("The file is empty.")
    columns = [cell.strip() for cell in lines[0]]
    _check_header(columns)
    rows = lines[1:]
    if not rows:
        raise CSVProblem("The file has a header row but no rows below it.")
    if len(rows) > MAX_ROWS:
        raise CSVProblem(f"The file has {len(rows):,} rows; import at most {MAX_ROWS:,} at once.")
    return ParsedCSV(columns, rows, encoding, delimiter)


def _check_header(columns: list[str]) -> None:
    if len(columns) > MAX_COLUMNS:
        raise CSVProblem(f"The file has {len(columns)} columns; at most {MAX_COLUMNS} are allowed.")
    if not any(columns):
        raise CSVProblem("The first row must be a header that names the columns.")
    for i, name in enumerate(columns, 1):
        if not name:
            raise CSVProblem(f"Column {i} has no name in the header row.")
    seen: dict[str, str] = {}
    for name in columns:
        if name.casefold() in seen:
            raise CSVProblem(
                f'Two columns are called "{name}": rename one in the header row.'
            )
        seen[name.casefold()] = name


# -- mapping -----------------------------------------------------------------------------------


def _loose(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).casefold()


def writable_properties(schema: dict) -> list[str]:
    return [
        name for name, prop in properties.ordered_properties(schema.get("properties") or {})
        if properties.is_writable(prop)
    ]


def guess_mapping(columns: list[str], schema: dict) -> dict[str, str]:
    """column -> property: exact name first, then ignoring case and spaces; else ignored."""
    names = writable_properties(schema)
    mapping = {c: IGNORE for c in columns}
    taken: set[str] = set()
    for column in columns:
        if column in names and column not in taken:
            mapping[column] = column
            taken.add(column)
    loose = {_loose(n): n for n in reversed(names)}
    for column in columns:
        name = loose.get(_loose(column))
        if not mapping[column] and name and name not in taken:
            mapping[column] = name
            taken.add(name)
    return mapping


def clean_mapping(columns: list[str], schema: dict, chosen: dict[str, str]) -> dict[str, str]:
    """The mapping a person chose, keeping only real columns and writable properties."""
    names = set(writable_properties(schema))
    return {c: chosen.get(c) if chosen.get(c) in names else IGNORE for c in columns}


def save_mapping(imp: Import, mapping: dict[str, str]) -> None:
    imp.mapping = mapping
    db.session.commit()


def duplicate_targets(mapping: dict[str, str]) -> list[str]:
    targets = [p for p in mapping.values() if p]
    return sorted({p for p in targets if targets.count(p) > 1})


# -- drafts, validation ------------------------------------------------------------------------


def create_draft(user: User, conn: NotionConnection, ds: dict, filename: str, parsed: ParsedCSV):
    schema = catalog.schema(conn, ds["id"])
    imp = Import(
        user_id=user.id, connection_id=conn.id, data_source_id=ds["id"],
        data_source_title=(ds.get("title") or "")[:255] or None,
        filename=(filename or "upload.csv")[:255], columns=parsed.columns, rows=parsed.rows,
        encoding=parsed.encoding, delimiter=parsed.delimiter,
        mapping=guess_mapping(parsed.columns, schema), total_rows=len(parsed.rows),
        state="draft",
    )
    db.session.add(imp)
    db.session.commit()
    return imp


@dataclass
class CheckedRow:
    number: int  # 1 = the first row below the header
    cells: list[str]
    properties: dict
    errors: dict[str, str]

    @property
    def message(self) -> str:
        return "; ".join(f"{name}: {text}" for name, text in self.errors.items())


def check_rows(imp: Import, conn: NotionConnection) -> list[CheckedRow]:
    """Validate every row against the schema with the saved mapping (no page is created)."""
    schema = catalog.schema(conn, imp.data_source_id)
    schema_props = schema.get("properties") or {}
    mapping = {c: p for c, p in (imp.mapping or {}).items() if p}
    people = any((schema_props.get(p) or {}).get("type") == "people" for p in mapping.values())
    users = catalog.workspace_users(conn) if people else None
    width = len(imp.columns or [])
    checked = []
    for number, cells in enumerate(imp.rows or [], 1):
        record = dict(zip(imp.columns or [], cells, strict=False))
        props, errors = properties.parse_row(
            schema_props, mapping, record,
            known_user_ids=[u["id"] for u in users] if users is not None else None, users=users,
        )
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors = {"Row": f"It has {len(cells)} cells; the header names {width}.", **errors}
        checked.append(CheckedRow(number, cells, props, errors))
    return checked


# -- sending -----------------------------------------------------------------------------------


def nonce(import_id: int, row_number: int) -> str:
    return f"import-{import_id}-row-{row_number}"


def send(imp: Import, conn: NotionConnection, user: User) -> bool:
    """Queue every valid row once (False: this import was already sent); the sender does the rest.

    The state flip draft -> sending and the rows commit together: a double submit either finds
    the import already sending or loses on the nonces' unique constraint, and creates nothing.
    """
    checked = check_rows(imp, conn)
    schema_props = catalog.schema(conn, imp.data_source_id).get("properties") or {}
    title_property = next(
        (n for n, p in schema_props.items() if (p or {}).get("type") == "title"), None
    )
    won = db.session.execute(
        update(Import).where(Import.id == imp.id, Import.state == "draft")
        .values(state="sending", updated_at=utcnow())
    ).rowcount == 1
    if not won:
        db.session.rollback()
        return False
    now = utcnow()
    invalid = {}
    for row in checked:
        if row.errors:
            invalid[str(row.number)] = row.message[:500]
            continue
        title = properties.value_text({"type": "title", **row.properties.get(title_property, {})})
        db.session.add(RowSubmission(
            user_id=user.id, connection_id=conn.id, import_id=imp.id, row_number=row.number,
            data_source_id=imp.data_source_id, data_source_title=imp.data_source_title,
            properties=row.properties, title_property=(title_property or "")[:255] or None,
            title_text=title, client_nonce=nonce(imp.id, row.number), state="pending",
            next_attempt_at=now,
        ))
    db.session.execute(
        update(Import).where(Import.id == imp.id)
        .values(invalid_rows=len(invalid), row_errors=invalid)
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    db.session.refresh(imp)
    jobs.kick()
    return True


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
    return {"id": imp.id, "state": imp.state, **found}


def cancel(imp: Import) -> int:
    """Stop sending: rows not yet sent are marked cancelled; sent rows stay in Notion."""
    stmt = (
        update(RowSubmission)
        .where(RowSubmission.import_id == imp.id, RowSubmission.state == "pending")
        .values(state="cancelled", next_attempt_at=None, last_error="Cancelled before sending.")
    )
    cancelled = db.session.execute(stmt).rowcount
    if imp.state in ("sending", "done") or cancelled:
        imp.state = "cancelled"
    db.session.commit()
    return cancelled


def resume(imp: Import) -> int:
    """Send the cancelled rows after all."""
    stmt = (
        update(RowSubmission)
        .where(RowSubmission.import_id == imp.id, RowSubmission.state == "cancelled")
        .values(state="pending", next_attempt_at=utcnow(), last_error=None)
    )
    resumed = db.session.execute(stmt).rowcount
    if imp.state == "cancelled":
        imp.state = "sending"
    db.session.commit()
    jobs.kick()
    return resumed


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
