"""Which page each row of an import updates: its key, batched lookups, and what the row does.

The key is one CSV column matched for equality to a property Notion can filter that way (title,
rich text, number, email, URL, phone, unique ID). One query covers up to 100 keys (an `or` of
equality conditions, followed through its cursors: `NotionClient.pages_matching_any`), and the
pages found are checked again here with the app's own comparison (`notion/matching.py`), since
how Notion compares text (case, for one) is not documented: Notion's answer only narrows the
candidates.

Notion's query index lags behind its writes (a page made a moment ago may be missing from a
query while GET finds it). The pages this app created itself are in the outbox, so the creates
of the last `RECENT` minutes with a matching key are read with GET and counted too; a create
still on its way makes the row ambiguous rather than a second page with the same key.

`plan` runs for the preview and again just before the rows are submitted (the send), so a row
created in Notion since the preview is updated, not added twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from ..connections.tokens import with_client
from ..extensions import db
from ..models import NotionConnection, RowState, RowSubmission, utcnow
from ..notion import errors as nerr
from ..notion import matching
from ..notion import properties as notion_properties
from ..notion.ids import compact_id

KEY_TYPES = ("title", "rich_text", "number", "email", "url", "phone_number", "unique_id")
MODES = ("add", "upsert", "update")
NOT_WRITTEN = ("ambiguous", "unchanged", "missing")
# How far back the outbox's own creates are looked at beside the query (Notion's index lag).
RECENT = timedelta(minutes=10)
# How long the lookups of a preview or a send may wait for the connection's rate budget.
LOOKUP_WAIT = 30.0
ON_THEIR_WAY = (RowState.PENDING, RowState.SENDING, RowState.UNKNOWN)
MAX_FILTER_TEXT = 2000


class KeyProblem(ValueError):
    """A key cell that cannot be compared (a unique ID that is not a number, ...)."""


@dataclass(frozen=True)
class Key:
    column: str
    property: str
    ptype: str
    prefix: str | None = None  # a unique ID's prefix ("TSK" of TSK-7)


@dataclass
class Planned:
    """What one valid row does: `new` (created), `update` (its page PATCHed), or not written:
    `ambiguous` (several pages, or several rows of the file, have its key), `unchanged` (its
    page already holds every mapped value), `missing` (update only: no page has its key)."""

    number: int
    kind: str
    properties: dict
    target_page_id: str | None = None
    message: str = ""
    url: str = ""  # the page's, for an update or an unchanged row


@dataclass
class Plan:
    rows: list[Planned] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("new", "update", "ambiguous", "unchanged", "missing"), 0)
        for row in self.rows:
            if row.kind in out:
                out[row.kind] += 1
        return out


def key_properties(schema: dict) -> list[str]:
    """The properties a key may match (title first, then the schema's order)."""
    props = schema.get("properties") or {}
    return [name for name, prop in notion_properties.ordered_properties(props)
            if prop.get("type") in KEY_TYPES]


def key_for(schema: dict, column: str | None, prop_name: str | None) -> Key | None:
    prop = (schema.get("properties") or {}).get(prop_name or "")
    if not column or not isinstance(prop, dict) or prop.get("type") not in KEY_TYPES:
        return None
    return Key(column, prop_name, prop["type"], (prop.get("unique_id") or {}).get("prefix"))


def key_of_row(key: Key, cells: dict[str, str], properties: dict):
    """The comparable key of a row: from the value the row writes to the key property, or (a
    unique ID, which is never written) from its cell. None: no key."""
    if key.ptype != "unique_id":
        value = properties.get(key.property)
        return None if value is None else _comparable(key.ptype, value.get(key.ptype))
    text = (cells.get(key.column) or "").strip()
    if not text:
        return None
    if key.prefix and text.upper().startswith(key.prefix.upper() + "-"):
        text = text[len(key.prefix) + 1:]
    if not text.isdigit():
        raise KeyProblem(f"“{cells.get(key.column)}” is not an ID of this data source "
                         f"(like {key.prefix + '-' if key.prefix else ''}7).")
    return int(text)


def key_of_page(key: Key, page: dict):
    value = (page.get("properties") or {}).get(key.property)
    if not isinstance(value, dict):
        return None
    if key.ptype == "unique_id":
        return (value.get("unique_id") or {}).get("number")
    return _comparable(key.ptype, value.get(key.ptype))


def _comparable(ptype: str, value):
    found = matching.normalise(ptype, value)
    return None if found in ("", None) else found


def condition(key: Key, value) -> dict:
    """Notion's equality filter for one key (a text past the 2000 characters a filter value
    holds is looked for by its start; the app compares the whole text itself)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and len(value) > MAX_FILTER_TEXT:
        return {"property": key.property, key.ptype: {"starts_with": value[:MAX_FILTER_TEXT]}}
    return {"property": key.property, key.ptype: {"equals": value}}


def find_pages(conn: NotionConnection, data_source_id: str, key: Key, keys: Iterable,
               max_wait: float = LOOKUP_WAIT) -> tuple[dict, dict]:
    """({key: {page id: page}}, {key: row numbers of the outbox's creates still on their way})
    for the keys asked for: Notion's query, batched, plus the app's own recent creates."""
    wanted = set(keys)
    found: dict = defaultdict(dict)
    if not wanted:
        return found, {}
    conditions = [condition(key, k) for k in sorted(wanted, key=str)]
    for page in with_client(conn, lambda c: c.pages_matching_any(data_source_id, conditions),
                            max_wait):
        k = key_of_page(key, page)
        if k in wanted:
            found[k][compact_id(page["id"])] = page
    in_flight = _own_creates(conn, data_source_id, key, wanted, found, max_wait)
    return found, in_flight


def _own_creates(conn, data_source_id, key, wanted, found, max_wait) -> dict:
    """Add the pages this app created lately that the query did not list yet; return the keys
    of creates not sent yet."""
    if key.ptype == "unique_id":
        return {}  # Notion numbers a page once it exists: no file can hold a new one's ID
    query = select(RowSubmission).where(
        RowSubmission.data_source_id == data_source_id,
        RowSubmission.target_page_id.is_(None),
        RowSubmission.created_at >= utcnow() - RECENT,
        RowSubmission.state.in_((RowState.SENT, *ON_THEIR_WAY)),
    )
    in_flight: dict = defaultdict(list)
    for row in db.session.scalars(query):
        value = (row.properties or {}).get(key.property)
        k = None if value is None else _comparable(key.ptype, value.get(key.ptype))
        if k not in wanted:
            continue
        if row.state != RowState.SENT:
            in_flight[k].append(row.row_number)
            continue
        page_id = compact_id(row.notion_page_id)
        if not page_id or page_id in found[k]:
            continue
        try:
            page = with_client(conn, lambda c, pid=row.notion_page_id: c.get_page(pid), max_wait)
        except nerr.NotionNotFound:
            continue  # deleted since
        if not page.get("in_trash") and not page.get("archived") and key_of_page(key, page) == k:
            found[k][page_id] = page
    return in_flight


def plan(conn: NotionConnection, data_source_id: str, mode: str, key: Key, columns: list[str],
         checked: list, multi_select: dict[str, str], schema: dict) -> Plan:
    """What each valid row does, from Notion's pages now (the checked rows are
    `drafts.CheckedRow`s; invalid ones are left out, and a row found invalid here, such as a
    row to add without a title, gets its `errors`)."""
    keyed, result = [], Plan()
    rows_by_key: dict = defaultdict(list)
    title = notion_properties.title_property_name(schema.get("properties") or {})
    for row in (r for r in checked if not r.errors):
        try:
            k = key_of_row(key, dict(zip(columns, row.cells, strict=False)), row.properties)
        except KeyProblem as exc:
            row.errors = {key.property: str(exc)}
            continue
        keyed.append((row, k))
        if k is not None:
            rows_by_key[k].append(row.number)
    found, in_flight = find_pages(conn, data_source_id, key, rows_by_key)
    for row, k in keyed:
        result.rows.append(_decide(row, k, mode, key, rows_by_key, found, in_flight,
                                   multi_select, title))
    return result


def _decide(row, k, mode, key, rows_by_key, found, in_flight, multi_select, title) -> Planned:
    props = row.properties
    pages = list((found.get(k) or {}).values()) if k is not None else []
    if k is not None and len(rows_by_key[k]) > 1:
        others = ", ".join(str(n) for n in rows_by_key[k] if n != row.number)
        return Planned(row.number, "ambiguous", props,
                       message=f"Rows {others} of this file have the same key.")
    if k is not None and in_flight.get(k):
        return Planned(row.number, "ambiguous", props, message=(
            "A row with this key is still on its way to Notion: import this row again once "
            "it is sent."))
    if len(pages) > 1:
        return Planned(row.number, "ambiguous", props,
                       message=f"{len(pages)} rows in Notion have this key: none was changed.")
    if not pages and k is not None and key.ptype == "unique_id":
        return Planned(row.number, "missing", props, message=(
            "No row in Notion has this ID. Notion numbers a new row itself, so a row with an "
            "ID is never added: leave the ID empty to add it."))
    if not pages:
        if mode == "update":
            why = "No row in Notion has this key." if k is not None else "The key is empty."
            return Planned(row.number, "missing", props, message=why + " Update only: "
                           "nothing was added.")
        if title and title not in props:
            row.errors = {title: "This field is required (the row is added: no row in Notion "
                                 "has its key)."}
            return Planned(row.number, "invalid", props)
        return Planned(row.number, "new", props)
    page = pages[0]
    patch = _with_added_options(props, page, multi_select)
    if matching.same_values(patch, page.get("properties") or {}):
        return Planned(row.number, "unchanged", patch, page["id"],
                       "Every mapped value is already in Notion.", page.get("url") or "")
    return Planned(row.number, "update", patch, page["id"], url=page.get("url") or "")


def _with_added_options(props: dict, page: dict, multi_select: dict[str, str]) -> dict:
    """The row's values, with the page's options kept for each multi-select set to `add`
    (Notion's PATCH sets a multi-select whole)."""
    out = dict(props)
    for name, how in (multi_select or {}).items():
        if how != "add" or name not in out:
            continue
        have = ((page.get("properties") or {}).get(name) or {}).get("multi_select") or []
        names = [o.get("name") for o in have if isinstance(o, dict)]
        mine = [o.get("name") for o in out[name].get("multi_select") or []]
        out[name] = {"multi_select": [{"name": n} for n in dict.fromkeys(names + mine) if n]}
    return out
