"""The "Latest rows" table of a data source's page: the title and the next few columns, the
rest on demand (`?columns=all`), every value as the viewer reads it (their number format, time
zone, the people's names)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from .. import localization
from ..models import NotionConnection
from ..notion.properties import value_text
from ..notion.properties.fields import Field
from . import catalog

SHOWN_COLUMNS = 4  # the title first, then the next three properties in schema order
PEOPLE_TYPES = ("people", "created_by", "last_edited_by", "rollup")


@dataclass(frozen=True)
class LatestRows:
    columns: list[Field]
    rows: list[dict]  # {"cells": [text per column], "url": the page in Notion}
    total_columns: int
    all_columns: bool  # asked for every column

    @property
    def hidden_columns(self) -> int:
        return self.total_columns - len(self.columns)

    @property
    def can_hide(self) -> bool:
        """Every column is shown and some would be hidden by default ("Fewer columns")."""
        return self.all_columns and self.total_columns > SHOWN_COLUMNS


def latest_rows(conn: NotionConnection, fields: list[Field], rows: dict | None) -> LatestRows:
    """The table for `rows` (catalog.latest_rows: Notion pages), with the columns asked for."""
    all_columns = request.args.get("columns") == "all"
    columns = fields if all_columns else fields[:SHOWN_COLUMNS]
    pages = (rows or {}).get("results") or []
    # Notion may send a person as an id alone: name them from the workspace's people when the
    # page already has that list (cached); never a Notion call just for the table.
    users = None
    if pages and any(f.type in PEOPLE_TYPES for f in columns):
        users = catalog.workspace_users(conn, only_cached=True)
    viewer = localization.viewer(users)
    table = [
        {"cells": [value_text((page.get("properties") or {}).get(f.name), f.number_format,
                              viewer) for f in columns],
         "url": page.get("url")}
        for page in pages
    ]
    return LatestRows(columns, table, len(fields), all_columns)
