"""Relation cells by the related page's title, people cells by a person's name (CSV imports).

A sheet names things the way people read them: "Apollo" rather than a page id, "Grace Hopper"
rather than a user id. Before a row is checked, such names are turned into ids: titles are looked
up in the related data source (one query per 100 titles, an `or` of title equalities, through
the connection's client and pacer) and compared exactly by the app; names in the workspace's
list of people (case aside). A name that matches nothing or several is reported at the cell.
Ids and emails pass through unchanged (the property parsers take them as before).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from ..connections.tokens import with_client
from ..data_sources import catalog
from ..models import NotionConnection
from ..notion import properties as notion_properties
from ..notion.ids import is_id

SEPARATORS = re.compile(r"\s*[,;\n]\s*")


def _parts(cell: str) -> list[str]:
    return [p for p in SEPARATORS.split(cell or "") if p.strip()]


def _is_plain_id(part: str) -> bool:
    return is_id(part.strip()) or "@" in part


def resolve(conn: NotionConnection, schema_props: Mapping, mapping: Mapping[str, str],
            records: list[dict[str, str]], users) -> list[dict[str, str]]:
    """{column: message} per record for the cells whose names could not be resolved; resolved
    cells are rewritten in `records` (ids, comma-separated). Raises NotionError when the
    related data source cannot be asked (nothing is decided then)."""
    errors: list[dict[str, str]] = [{} for _ in records]
    for column, name in mapping.items():
        prop = schema_props.get(name) if name else None
        if not isinstance(prop, Mapping):
            continue
        if prop.get("type") == "relation":
            _relations(conn, prop, column, records, errors)
        elif prop.get("type") == "people" and users is not None:
            _people(users, column, records, errors)
    return errors


def _relations(conn, prop, column, records, errors) -> None:
    related = (prop.get("relation") or {}).get("data_source_id")
    titles = {p for r in records for p in _parts(r.get(column, "")) if not _is_plain_id(p)}
    if not related or not titles:
        return
    related_schema = catalog.schema(conn, related)
    title_prop = notion_properties.title_property_name(related_schema.get("properties") or {})
    where = related_schema.get("title") or "the related database"
    conditions = [{"property": title_prop, "title": {"equals": t}} for t in sorted(titles)]
    found: dict[str, list[str]] = defaultdict(list)
    for page in with_client(conn, lambda c: c.pages_matching_any(related, conditions), 30.0):
        text = notion_properties.value_text((page.get("properties") or {}).get(title_prop) or {})
        if text in titles:
            found[text].append(page["id"])
    for record, errs in zip(records, errors, strict=True):
        ids, problems = [], []
        for part in _parts(record.get(column, "")):
            if _is_plain_id(part):
                ids.append(part)
            elif len(found.get(part, [])) == 1:
                ids.append(found[part][0])
            elif found.get(part):
                problems.append(f"{len(found[part])} pages are titled “{part}” in {where}: "
                                f"give that page's link or id instead.")
            else:
                problems.append(f"No page is titled “{part}” in {where}.")
        if problems:
            errs[column] = " ".join(problems)
        elif ids:
            record[column] = ", ".join(ids)


def _people(users, column, records, errors) -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for user in users:
        if user.get("name") and user.get("type") != "bot":
            by_name[user["name"].casefold()].append(user["id"])
    for record, errs in zip(records, errors, strict=True):
        ids, problems = [], []
        for part in _parts(record.get(column, "")):
            matches = by_name.get(part.casefold(), [])
            if _is_plain_id(part):
                ids.append(part)
            elif len(matches) == 1:
                ids.append(matches[0])
            elif matches:
                problems.append(f"{len(matches)} people are called “{part}”: give an email.")
            else:
                problems.append(f"No workspace member is called “{part}”.")
        if problems:
            errs[column] = " ".join(problems)
        elif ids:
            record[column] = ", ".join(ids)
