"""What a connection can see in Notion: data sources, schemas, rows, users — cached in the database.

Views call these functions; the Notion calls go through `connections.tokens.with_client`.
Cached answers live in `NotionCache` rows (per connection, shared by every worker) for
`CACHE_SECONDS`.

Search is not an access check (Notion's search is eventually consistent: right after OAuth, and
for databases inside a shared page, items are missing for a while). The listing is only for
browsing; whether a data source may be opened is `GET /v1/data_sources/{id}` (cached as its
schema). A listing fetched in the first `INDEXING_SECONDS` after a connect may be partial, so it
is kept `INDEXING_TTL` seconds only.
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
from ..notion.errors import NotionError, NotionForbidden, NotionNotFound, NotionRateLimited
from ..notion.ids import canonical_id
from ..notion.properties import title_of, title_property_name

CACHE_SECONDS = 300
INDEXING_SECONDS = 60  # Notion: search "fills in within a minute" of a grant
INDEXING_TTL = 10
LIST_KEY = "data_sources"
CONNECTED_KEY = "connected"
USERS_NOT_LISTABLE = {"not_listable": True}
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


def cached(
    conn: NotionConnection, key: str, fetch, *, refresh: bool = False, ttl=None
) -> Any:
    """The cached value for `key`, or `fetch()` stored (one row per key, upserted).

    `ttl(entry)`, when given, says how long that entry stays fresh (default `_ttl()`).
    """
    entry = _entry(conn, key)
    fresh_for = _ttl() if entry is None or ttl is None else ttl(entry)
    if entry is not None and not refresh and utcnow() - entry.fetched_at < fresh_for:
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
    """Drop every cached answer of this connection (the Refresh button); when it was connected
    is kept."""
    db.session.execute(
        delete(NotionCache).where(
            NotionCache.connection_id == conn.id, NotionCache.key != CONNECTED_KEY
        )
    )
    db.session.commit()


# -- right after a connect ------------------------------------------------------------------


def note_connected(conn: NotionConnection) -> None:
    """A (re)connect: what was cached may be out of date, and search is still indexing."""
    forget(conn)
    cached(conn, CONNECTED_KEY, lambda: True, refresh=True)


def _indexing_until(conn: NotionConnection):
    entry = _entry(conn, CONNECTED_KEY)
    if entry is None:
        return None
    seconds = current_app.config.get("NOTION_INDEXING_SECONDS", INDEXING_SECONDS)
    return entry.fetched_at + timedelta(seconds=seconds)


def indexing(conn: NotionConnection) -> bool:
    """True in the first minute after a connect, while Notion's search may miss what was shared."""
    until = _indexing_until(conn)
    return until is not None and utcnow() < until


def indexing_ttl() -> float:
    return float(current_app.config.get("NOTION_INDEXING_TTL", INDEXING_TTL))


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
    """The connection's data sources grouped by database (cached; a list fetched while Notion
    was still indexing the connect only for `indexing_ttl()` seconds)."""
    until = _indexing_until(conn)

    def ttl(entry):
        if until is not None and entry.fetched_at < until:
            return timedelta(seconds=indexing_ttl())
        return _ttl()

    return cached(conn, LIST_KEY, lambda: _fetch_groups(conn), refresh=refresh, ttl=ttl)


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


def _listed(conn: NotionConnection, wanted: str) -> dict | None:
    """The data source's summary from a fresh cached listing (no call): being listed is proof
    of access, not being listed proves nothing."""
    for group in peek(conn, LIST_KEY) or []:
        for ds in group["data_sources"]:
            if ds["id"] == wanted:
                return {**ds, "database_title": group["title"]}
    return None


def shared_data_source(
    conn: NotionConnection, data_source_id: str, *, only_cached: bool = False
) -> dict | None | bool:
    """The summary of a data source `conn` may read; None when Notion says it may not (or the id
    is not an id); False when `only_cached` and that is not known without a call.

    The id comes from a URL or a form: it is untrusted until Notion answers
    `GET /v1/data_sources/{id}` for this connection's own token (cached as the schema).
    """
    wanted = canonical_id(data_source_id)
    if wanted is None:
        return None
    listed = _listed(conn, wanted)
    if listed is not None:
        return listed
    if only_cached and peek(conn, f"schema:{wanted}") is None:
        return False
    try:
        found = schema(conn, wanted)
    except NotionNotFound:
        return None
    title = found.get("title") or "Untitled"
    return {
        "id": wanted, "title": title, "database_id": found.get("database_id") or wanted,
        "url": found.get("url"), "icon": found.get("icon"), "database_title": title,
    }


def data_source_or_404(conn: NotionConnection, data_source_id: str) -> dict:
    """A data source `conn` may read (the id in the URL is untrusted until Notion says so)."""
    found = shared_data_source(conn, data_source_id)
    if not found:
        abort(404)
    return found


def database_by_link(conn: NotionConnection, object_id: str) -> dict | None:
    """What a pasted Notion link points at, as a group {"id", "title", "url", "icon",
    "data_sources"}: a database (`GET /v1/databases/{id}`, cached) or else a data source; None
    when this connection cannot see either."""
    wanted = canonical_id(object_id)
    if wanted is None:
        return None

    def fetch():
        database = with_client(conn, lambda c: c.get_database(wanted))
        title = title_of(database) or "Untitled"
        sources = [
            {"id": canonical_id(s.get("id", "")), "title": s.get("name") or title}
            for s in database.get("data_sources") or []
            if canonical_id(s.get("id", ""))
        ]
        return {"id": wanted, "title": title, "url": database.get("url"),
                "icon": _emoji(database), "data_sources": sources}

    try:  # a 404 is not cached: the person may be sharing it in Notion right now
        return cached(conn, f"database:{wanted}", fetch)
    except NotionNotFound:
        pass
    ds = shared_data_source(conn, wanted)
    if not ds:
        return None
    return {"id": ds["database_id"], "title": ds["database_title"], "url": ds["url"],
            "icon": ds["icon"], "data_sources": [ds]}


# -- one data source ------------------------------------------------------------------------


def schema(conn: NotionConnection, data_source_id: str) -> dict:
    """{"title", "url", "properties"} of a shared data source (cached)."""

    def fetch():
        ds = with_client(conn, lambda c: c.get_data_source(data_source_id))
        parent = ds.get("parent") or {}
        return {"title": title_of(ds), "url": ds.get("url"), "properties": ds.get("properties"),
                "database_id": canonical_id(parent.get("database_id") or ""), "icon": _emoji(ds)}

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


def workspace_users(
    conn: NotionConnection, *, only_cached: bool = False
) -> list[dict] | None | bool:
    """The people of the workspace, for the people picker (cached): a list; None when
    `only_cached` and nothing fresh is cached; False when Notion refuses to list them (the
    integration lacks the user-information capability: a 403, cached like a list).

    Notion never lists guests: a person missing from the list may still be a valid id.
    """

    def fetch():
        try:
            users = with_client(conn, lambda c: c.list_users())
        except NotionForbidden as exc:
            if exc.code != "restricted_resource":
                raise
            return USERS_NOT_LISTABLE
        return [
            {"id": canonical_id(u.get("id", "")), "name": u.get("name") or "",
             "email": (u.get("person") or {}).get("email"), "type": u.get("type")}
            for u in users
            if canonical_id(u.get("id", ""))
        ]

    value = peek(conn, "users") if only_cached else cached(conn, "users", fetch)
    return False if value == USERS_NOT_LISTABLE else value


def relation_pages(
    conn: NotionConnection, related_data_source_id: str | None, *, only_cached: bool = False
) -> list[dict] | None | bool:
    """Pages of a related data source to pick from (cached); None when it is not shared; False
    when `only_cached` and nothing fresh is cached."""
    related = shared_data_source(conn, related_data_source_id or "", only_cached=only_cached)
    if related is False:
        return False
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
    if not related:
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


def upload_limit(conn: NotionConnection) -> int | None:
    """The workspace's per-file size limit (`GET /v1/users/me`, cached with the connection);
    None when Notion does not say."""

    def fetch():
        me = with_client(conn, lambda c: c.users_me())
        limits = (me.get("bot") or {}).get("workspace_limits") or {}
        return limits.get("max_file_upload_size_in_bytes")

    return cached(conn, "upload_limit", fetch)
