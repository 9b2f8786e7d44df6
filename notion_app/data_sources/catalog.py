"""What a connection can see in Notion: data sources, schemas, rows, users — cached in the database.

Views call these functions; the Notion calls go through `connections.tokens.with_client`.
Cached answers live in `NotionCache` rows (per connection, shared by every worker) for
`CACHE_SECONDS`.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from flask import abort, current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..connections.tokens import with_client
from ..extensions import db
from ..models import NotionCache, NotionConnection, utcnow
from ..notion.errors import NotionError, NotionRateLimited
from ..notion.ids import canonical_id
from ..notion.properties import title_of, title_property_name

CACHE_SECONDS = 300
LIST_KEY = "data_sources"
ROWS_PER_PAGE = 25
RELATION_OPTIONS = 100


# -- the cache ------------------------------------------------------------------------------


def _ttl() -> timedelta:
    return timedelta(seconds=current_app.config.get("NOTION_CACHE_SECONDS", CACHE_SECONDS))


def _entry(conn: NotionConnection, key: str) -> NotionCache | None:
    query = select(NotionCache).where(
        NotionCache.connection_id == conn.id, NotionCache.key == key
    )
    return db.session.scalar(query)


def cached(conn: NotionConnection, key: str, fetch, *, refresh: bool = False) -> Any:
    """The cached value for `key`, or `fetch()` stored (one row per key, upserted)."""
    entry = _entry(conn, key)
    if entry is not None and not refresh and utcnow() - entry.fetched_at < _ttl():
        return entry.value
    value = fetch()
    if entry is None:
        entry = NotionCache(connection_id=conn.id, key=key)
        db.session.add(entry)
    entry.value, entry.fetched_at = value, utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # another request stored it first; theirs is as fresh
        db.session.rollback()
    return value


def peek(conn: NotionConnection, key: str) -> Any:
    """The cached value for `key` if it is fresh, else None; never asks Notion."""
    entry = _entry(conn, key)
    if entry is not None and utcnow() - entry.fetched_at < _ttl():
        return entry.value
    return None


def forget(conn: NotionConnection) -> None:
    """Drop every cached answer of this connection (the Refresh button)."""
    db.session.execute(delete(NotionCache).where(NotionCache.connection_id == conn.id))
    db.session.commit()


# -- data sources ---------------------------------------------------------------------------


def _emoji(obj: dict) -> str | None:
    icon = obj.get("icon")
    return icon.get("emoji") if isinstance(icon, dict) and icon.get("type") == "emoji" else None


def _summary(ds: dict) -> dict:
    parent = ds.get("parent") or {}
    return {
        "id": canonical_id(ds.get("id", "")),
        "title": title_of(ds) or "Untitled",
        "database_id": canonical_id(parent.get("database_id") or "") or ds.get("id"),
        "url": ds.get("url"),
        "icon": _emoji(ds),
    }


def _fetch_groups(conn: NotionConnection) -> list[dict]:
    """Every shared data source, grouped by database: ceil(n/100) searches, plus one
    GET /v1/databases for each database that has several data sources (for its title)."""
    found = with_client(conn, lambda c: c.all_data_sources())
    groups: dict[str, dict] = {}
    for ds in found:
        summary = _summary(ds)
        if summary["id"] is None:
            continue
        group = groups.setdefault(
            summary["database_id"],
            {"id": summary["database_id"], "title": summary["title"], "url": summary["url"],
             "icon": summary["icon"], "data_sources": []},
        )
        group["data_sources"].append(summary)
    for group in groups.values():
        if len(group["data_sources"]) > 1:
            database = with_client(conn, lambda c, g=group: c.get_database(g["id"]))
            group["title"] = title_of(database) or group["title"]
    return sorted(groups.values(), key=lambda g: g["title"].casefold())


def database_groups(conn: NotionConnection, *, refresh: bool = False) -> list[dict]:
    """The connection's data sources grouped by database (cached)."""
    return cached(conn, LIST_KEY, lambda: _fetch_groups(conn), refresh=refresh)


def matching(groups: list[dict], query: str) -> list[dict]:
    """The groups (and data sources) whose database or data source title contains `query`."""
    needle = query.strip().casefold()
    if not needle:
        return groups
    out = []
    for group in groups:
        if needle in group["title"].casefold():
            out.append(group)
            continue
        hits = [ds for ds in group["data_sources"] if needle in ds["title"].casefold()]
        if hits:
            out.append({**group, "data_sources": hits})
    return out


def shared_data_source(conn: NotionConnection, data_source_id: str) -> dict | None:
    """The summary of a data source shared through `conn`, None when it is not one of them.

    The id comes from a URL or a form: it is untrusted until found in this list.
    """
    wanted = canonical_id(data_source_id)
    if wanted is None:
        return None
    for group in database_groups(conn):
        for ds in group["data_sources"]:
            if ds["id"] == wanted:
                return {**ds, "database_title": group["title"]}
    return None


def data_source_or_404(conn: NotionConnection, data_source_id: str) -> dict:
    """A data source shared through `conn` (the id in the URL is untrusted until found)."""
    found = shared_data_source(conn, data_source_id)
    if found is None:
        abort(404)
    return found


# -- one data source ------------------------------------------------------------------------


def schema(conn: NotionConnection, data_source_id: str) -> dict:
    """{"title", "url", "properties"} of a shared data source (cached)."""

    def fetch():
        ds = with_client(conn, lambda c: c.get_data_source(data_source_id))
        return {"title": title_of(ds), "url": ds.get("url"), "properties": ds.get("properties")}

    return cached(conn, f"schema:{data_source_id}", fetch)


def latest_rows(conn: NotionConnection, data_source_id: str, cursor: str | None = None) -> dict:
    """One page of rows, newest first: {"results", "next_cursor", "busy"}. Never cached.

    When Notion (or our pacer) says slow down, the rows are left out (`busy` is the wait in
    seconds) so the form still shows — right after a rate-limited append, for instance.
    """
    sorts = [{"timestamp": "created_time", "direction": "descending"}]
    cursor = cursor if cursor and len(cursor) <= 200 else None
    try:
        page = with_client(
            conn,
            lambda c: c.query_data_source(
                data_source_id, sorts=sorts, start_cursor=cursor, page_size=ROWS_PER_PAGE
            ),
            max_wait=2.0,
        )
    except NotionRateLimited as exc:
        return {"results": [], "next_cursor": None, "busy": math.ceil(exc.retry_after or 1)}
    return {
        "results": page.get("results") or [], "next_cursor": page.get("next_cursor"), "busy": None
    }


def workspace_users(conn: NotionConnection, *, only_cached: bool = False) -> list[dict] | None:
    """The people of the workspace, for the people picker (cached; None when `only_cached` and
    nothing fresh is cached)."""
    if only_cached:
        return peek(conn, "users")

    def fetch():
        users = with_client(conn, lambda c: c.list_users())
        return [
            {"id": canonical_id(u.get("id", "")), "name": u.get("name") or "",
             "email": (u.get("person") or {}).get("email"), "type": u.get("type")}
            for u in users
            if canonical_id(u.get("id", ""))
        ]

    return cached(conn, "users", fetch)


def relation_pages(
    conn: NotionConnection, related_data_source_id: str | None, *, only_cached: bool = False
) -> list[dict] | None | bool:
    """Pages of a related data source to pick from (cached); None when it is not shared; False
    when `only_cached` and nothing fresh is cached."""
    related = shared_data_source(conn, related_data_source_id or "")
    if related is None:
        return None
    if only_cached:
        pages = peek(conn, f"relation:{related['id']}")
        return False if pages is None else pages

    def fetch():
        page = with_client(
            conn, lambda c: c.query_data_source(related["id"], page_size=RELATION_OPTIONS)
        )
        return [
            {"id": canonical_id(p.get("id", "")), "title": title_of(p) or "Untitled"}
            for p in page.get("results") or []
        ]

    return cached(conn, f"relation:{related['id']}", fetch)


def search_related_pages(
    conn: NotionConnection, related_data_source_id: str | None, text: str
) -> list[dict]:
    """Pages of a related data source whose title contains `text` (one query; beyond the first
    RELATION_OPTIONS pages the picker lists)."""
    related = shared_data_source(conn, related_data_source_id or "")
    if related is None:
        return []
    title = title_property_name(schema(conn, related["id"])["properties"] or {})
    if title is None:
        return []
    query = {"property": title, "title": {"contains": text}}
    page = with_client(
        conn, lambda c: c.query_data_source(related["id"], filter=query, page_size=25)
    )
    return [
        {"id": canonical_id(p.get("id", "")), "title": title_of(p) or "Untitled"}
        for p in page.get("results") or []
    ]


def templates(conn: NotionConnection, data_source_id: str) -> list[dict] | None:
    """The data source's page templates, [{"id", "name", "is_default"}] (cached; one
    GET /v1/data_sources/{id}/templates per page of 100). None when Notion would not list them
    just now (the form then offers none; nothing is cached, so the next load asks again)."""

    def fetch():
        found = with_client(conn, lambda c: c.list_templates(data_source_id))
        return [
            {"id": canonical_id(t.get("id", "")), "name": t.get("name") or "Untitled",
             "is_default": bool(t.get("is_default"))}
            for t in found
            if canonical_id(t.get("id", ""))
        ]

    try:
        return cached(conn, f"templates:{data_source_id}", fetch)
    except NotionError:
        return None
