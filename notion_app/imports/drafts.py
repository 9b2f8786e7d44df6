"""A draft import: the parsed file kept server-side, and every row checked against the schema."""

from __future__ import annotations

from dataclasses import dataclass

from ..data_sources import catalog
from ..extensions import db
from ..models import Import, NotionConnection, User
from ..notion import body as notion_body
from ..notion import properties
from . import names, remembered, storage
from .mapping import guess_mapping
from .parsing import ParsedCSV

PREVIEW_ROWS = 20


def create_draft(user: User, conn: NotionConnection, ds: dict, filename: str, parsed: ParsedCSV):
    """The draft import of a parsed file; storage.QuotaExceeded (nothing stored) when the file
    would take the account past its quota."""
    size = storage.stored_size(parsed)
    storage.check_quota(user, size)
    schema = catalog.schema(conn, ds["id"])
    imp = Import(
        user_id=user.id, connection_id=conn.id, data_source_id=ds["id"],
        data_source_title=(ds.get("title") or "")[:255] or None,
        filename=(filename or "upload.csv")[:255], columns=parsed.columns, rows=parsed.rows,
        encoding=parsed.encoding, delimiter=parsed.delimiter, stored_bytes=size,
        mapping=guess_mapping(parsed.columns, schema), total_rows=len(parsed.rows),
        state="draft",
    )
    db.session.add(imp)
    db.session.commit()
    remembered.recall(imp, schema)  # the same headers into the same data source: as last time
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


def check_rows(imp: Import, conn: NotionConnection, *, require_title: bool = True,
               resolve_names: bool = True) -> list[CheckedRow]:
    """Validate every row against the schema with the saved mapping (no page is created).
    An import that updates rows checks the title only of the rows it adds (`imports/keys.py`):
    `require_title=False`."""
    schema = catalog.schema(conn, imp.data_source_id)
    schema_props = schema.get("properties") or {}
    mapping = {c: p for c, p in (imp.mapping or {}).items() if p}
    people = any((schema_props.get(p) or {}).get("type") == "people" for p in mapping.values())
    # Emails are looked up in the workspace's list when Notion gives it (False: no capability);
    # ids are accepted by shape, since Notion never lists guests.
    users = catalog.workspace_users(conn) if people else None
    users = None if users is False else users
    width = len(imp.columns or [])
    records = [dict(zip(imp.columns or [], cells, strict=False)) for cells in imp.rows or []]
    # Relation titles and people's names become ids (Notion asked, batched) unless told not to.
    by_name = names.resolve(conn, schema_props, mapping, records, users) if resolve_names \
        else [{} for _ in records]
    checked = []
    for number, (cells, record, name_errors) in enumerate(
            zip(imp.rows or [], records, by_name, strict=True), 1):
        props, errors = properties.parse_row(
            schema_props, mapping, record,
            users=users, require_title=require_title,
        )
        for column, message in name_errors.items():
            errors[mapping[column]] = message
            props.pop(mapping[column], None)
        if not errors:  # a row over Notion's 500 KB per request: which field to shorten
            errors = notion_body.page_size_errors(imp.data_source_id, props)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors = {"Row": f"It has {len(cells)} cells; the header names {width}.", **errors}
        checked.append(CheckedRow(number, cells, props, errors))
    return checked


def new_options(checked: list[CheckedRow], schema_props: dict) -> list[str]:
    """The select and multi-select options that sending the valid rows would create in Notion,
    as "Urgent (Priority)", in the order the file first names them: said before sending."""
    found: dict[tuple[str, str], None] = {}
    for row in (r for r in checked if not r.errors):
        for name, value in row.properties.items():
            prop = schema_props.get(name) or {}
            ptype = prop.get("type")
            if ptype not in ("select", "multi_select"):
                continue
            known = {o.get("name") for o in (prop.get(ptype) or {}).get("options") or []}
            chosen = value.get(ptype)
            chosen = chosen if isinstance(chosen, list) else [chosen] if chosen else []
            for option in chosen:
                if option.get("name") not in known:
                    found.setdefault((option.get("name"), name), None)
    return [f"{option} ({prop})" for option, prop in found]
