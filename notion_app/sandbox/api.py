"""The Notion REST endpoints the app uses, answering with Notion's shapes and errors."""

import time
from datetime import timedelta

from flask import Blueprint, g, request

from . import files
from .errors import NotionError, fault_error, json_body, not_found, ok, state, validation
from .faults import take_rate_token
from .ids import new_id, normalize_id, now
from .query import compile_filter, sort_key
from .validation import PageValidator, check_body_keys, fail, template_choice

bp = Blueprint("sandbox_api", __name__, url_prefix="/v1")
SEARCH_KEYS = {"query", "filter", "sort", "start_cursor", "page_size"}
QUERY_KEYS = {"filter", "sorts", "start_cursor", "page_size", "in_trash", "archived",
              "result_type"}


@bp.before_request
def authenticate():
    """Notion-Version, then the bearer token, then the token's rate limit."""
    if request.path.startswith("/v1/oauth/"):
        return
    if not request.headers.get("Notion-Version"):
        raise NotionError(400, "missing_version", "Notion-Version header failed validation: "
                          "Notion-Version header should be defined, instead was `undefined`.")
    auth = request.authorization
    st = state()
    with st.lock:
        bot = st.bot_for_access(auth.token) if auth and auth.type == "bearer" else None
    if bot is None:
        raise NotionError(401, "unauthorized", "API token is invalid.")
    take_rate_token(auth.token, bot["workspace_id"])
    g.bot, g.token = bot, auth.token


def _id(value, name):
    oid = normalize_id(value)
    if oid is None:
        raise validation(f"path failed validation: path.{name} should be a valid uuid, "
                         f"instead was `\"{value}\"`.")
    return oid


def _known_keys(body, allowed):
    for key in body:
        if key not in allowed:
            raise fail(f"body.{key}", "not present", body[key])


def paginate(items: list[dict], start_cursor, page_size, where="body"):
    """Slice a list the way Notion does: next_cursor is the id of the next result."""
    if page_size is None:
        page_size = 100
    if isinstance(page_size, str) and page_size.isdigit():
        page_size = int(page_size)
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise fail(f"{where}.page_size", "a number", page_size)
    if page_size > 100:
        raise fail(f"{where}.page_size", "≤ `100`", page_size)
    start = 0
    if start_cursor is not None:
        ids = [item["id"] for item in items]
        if start_cursor not in ids:
            raise validation(f"body failed validation: {where}.start_cursor should be a valid "
                             f"cursor, instead was `\"{start_cursor}\"`.")
        start = ids.index(start_cursor)
    chunk = items[start:start + page_size]
    more = start + page_size < len(items)
    return {"object": "list", "results": chunk,
            "next_cursor": items[start + page_size]["id"] if more else None, "has_more": more}


def _list(items, start_cursor, page_size, kind="page_or_data_source", where="body"):
    body = paginate(items, start_cursor, page_size, where)
    body.update({"type": kind, kind: {}})
    return ok(body)


@bp.post("/search")
def search():
    """Pages and data sources this token may see, filtered by title."""
    body = json_body()
    _known_keys(body, SEARCH_KEYS)
    st, bot = state(), g.bot
    query = body.get("query") or ""
    if not isinstance(query, str):
        raise fail("body.query", "a string", query)
    kind = None
    if body.get("filter") is not None:
        flt = body["filter"]
        if not isinstance(flt, dict) or flt.get("property") != "object" or flt.get("value") not \
                in ("page", "data_source"):
            raise fail("body.filter.value", '`"page"` or `"data_source"`',
                       flt.get("value") if isinstance(flt, dict) else flt)
        kind = flt["value"]
    sort = body.get("sort") or {"timestamp": "last_edited_time", "direction": "descending"}
    if not isinstance(sort, dict) or sort.get("timestamp", "last_edited_time") != \
            "last_edited_time" or sort.get("direction", "descending") not in ("ascending",
                                                                                "descending"):
        raise fail("body.sort", "a last_edited_time timestamp sort", sort)
    with st.lock:
        results = []
        if kind in (None, "page"):
            results += [st.render_page(p) for p in st.pages.values()
                        if st.indexed(bot, "page", p["id"])
                        and query.lower() in st.page_title(p).lower()]
        if kind in (None, "data_source"):
            results += [st.render_data_source(ds, bot) for ds in st.data_sources.values()
                        if st.indexed(bot, "data_source", ds["id"]) and query.lower()
                        in st.databases[ds["database_id"]]["title"].lower()]
    results.sort(key=lambda r: (r["last_edited_time"], r["id"]),
                 reverse=sort.get("direction", "descending") == "descending")
    return _list(results, body.get("start_cursor"), body.get("page_size"))


@bp.get("/databases/<raw_id>")
def get_database(raw_id):
    """A database with its data sources (no schema since 2025-09-03)."""
    st, oid = state(), _id(raw_id, "database_id")
    with st.lock:
        if oid not in st.databases or not st.can_see(g.bot, "database", oid):
            raise not_found("database", oid, g.bot)
        return ok(st.render_database(st.databases[oid]))


def _visible_source(st, raw_id):
    oid = _id(raw_id, "data_source_id")
    if oid not in st.data_sources or not st.can_see(g.bot, "data_source", oid):
        raise not_found("data_source", oid, g.bot)
    return st.data_sources[oid]


@bp.get("/data_sources/<raw_id>")
def get_data_source(raw_id):
    """A data source with its property schema."""
    st = state()
    with st.lock:
        return ok(st.render_data_source(_visible_source(st, raw_id), g.bot))


@bp.post("/data_sources/<raw_id>/query")
def query_data_source(raw_id):
    """Rows of a data source, filtered, sorted and paginated."""
    body = json_body()
    _known_keys(body, QUERY_KEYS)
    st = state()
    result_type = body.get("result_type")
    if result_type is not None and result_type not in ("page", "data_source"):
        raise fail("body.result_type", '`"page"` or `"data_source"`', result_type)
    with st.lock:
        ds = _visible_source(st, raw_id)
        keep = None if body.get("filter") is None else compile_filter(
            ds, body["filter"], ignore_case=bool(st.settings.get("text_filters_ignore_case")))
        trashed = bool(body.get("in_trash") or body.get("archived"))  # the trash, or the rest
        lag = timedelta(seconds=float(st.settings.get("query_index_delay") or 0))
        indexed_before = now() - lag
        pages = [p for p in st.pages.values() if p["parent"].get("data_source_id") == ds["id"]
                 and bool(p.get("in_trash")) == trashed
                 and (not lag or p["created_time"] <= indexed_before)]
        rows = [st.render_page(p) for p in pages] if result_type != "data_source" else []
        # Rendered timestamps have minute precision; sort on the exact instant like Notion.
        exact = {p["id"]: p for p in pages}
        # A wiki also lists the data sources inside it (after its pages, in this sandbox).
        children = [] if result_type == "page" else [
            st.render_data_source(st.data_sources[i], g.bot)
            for i in ds.get("wiki_children", ()) if st.can_see(g.bot, "data_source", i)]
    if keep is not None:
        rows = [r for r in rows if keep(r)]
    sorts = body.get("sorts") or [{"timestamp": "created_time", "direction": "descending"}]
    if not isinstance(sorts, list):
        raise fail("body.sorts", "an array", sorts)
    for i, spec in reversed(list(enumerate(sorts))):
        key = sort_key(ds, spec, f"body.sorts[{i}]", exact)
        rows.sort(key=key, reverse=spec.get("direction", "ascending") == "descending")
    return _list(rows + children, body.get("start_cursor"), body.get("page_size"))


@bp.get("/data_sources/<raw_id>/templates")
def list_templates(raw_id):
    """A data source's page templates: {templates: [{id, name, is_default}], has_more,
    next_cursor}, paginated by `start_cursor`/`page_size`, filtered by `name` (case-insensitive
    substring)."""
    st = state()
    name = request.args.get("name") or ""
    with st.lock:
        ds = _visible_source(st, raw_id)
        found = [{"id": t["id"], "name": t["name"], "is_default": t["is_default"]}
                 for t in st.templates_of(ds["id"]) if name.lower() in t["name"].lower()]
    page = paginate(found, request.args.get("start_cursor"), request.args.get("page_size"),
                    where="query")
    return ok({"templates": page["results"], "has_more": page["has_more"],
               "next_cursor": page["next_cursor"]})


def _parent(st, body):
    """The data source (or page) a new page goes under, checked like Notion does."""
    if "parent" not in body:
        raise fail("body.parent", "defined", None) from None
    parent = body["parent"]
    if not isinstance(parent, dict):
        raise fail("body.parent", "an object", parent)
    kind = parent.get("type") or next((k for k in ("data_source_id", "database_id", "page_id",
                                                   "workspace") if k in parent), None)
    if kind not in ("data_source_id", "database_id", "page_id") or kind not in parent:
        raise fail("body.parent.data_source_id", "defined", None)
    for key in parent:
        if key not in ("type", kind):
            raise fail(f"body.parent.{key}", "not present", parent[key])
    oid = normalize_id(parent[kind])
    if oid is None:
        raise fail(f"body.parent.{kind}", "a valid uuid", parent[kind])
    if kind == "page_id":
        if oid not in st.pages or not st.can_see(g.bot, "page", oid):
            raise not_found("page", oid, g.bot)
        return None, {"type": "page_id", "page_id": oid}
    if kind == "database_id":
        if oid not in st.databases or not st.can_see(g.bot, "database", oid):
            raise not_found("database", oid, g.bot)
        sources = st.databases[oid]["data_source_ids"]
        if len(sources) != 1:
            raise validation(f"body failed validation: body.parent.database_id {oid} has "
                             f"{len(sources)} data sources; use a data_source_id parent.")
        oid = sources[0]
    if oid not in st.data_sources or not st.can_see(g.bot, "data_source", oid):
        raise not_found("data_source", oid, g.bot)
    ds = st.data_sources[oid]
    return ds, {"type": "data_source_id", "data_source_id": oid, "database_id": ds["database_id"]}


def _page_title(props):
    """Title of a page under a page: only `title`, as a value object or a bare array."""
    if not isinstance(props, dict):
        raise fail("body.properties", "an object", props)
    for key in props:
        if key != "title":
            raise validation(f"{key} is not a property that exists.")
    value = props.get("title", [])
    if isinstance(value, dict):
        value = value.get("title", [])
    return PageValidator(state(), g.bot, None).rich_text_array("body.properties.title", value)


@bp.post("/pages")
def create_page():
    """Validate, store and return a new page; honours the ambiguous-outcome switch."""
    body = json_body(allow_empty=False)
    check_body_keys(body)
    st = state()
    with st.lock:
        ds, parent = _parent(st, body)
        if "properties" not in body:
            raise fail("body.properties", "defined", None) from None
        if ds is None:
            values = {"title": _page_title(body["properties"])}
        else:
            checker = PageValidator(st, g.bot, ds)
            values = checker.properties(body["properties"])
        template_id = template_choice(st, ds, body)
        stamp = now()
        page = st._new_page(new_id(), g.bot["workspace_id"], parent, stamp, g.bot["bot_id"])
        page["values"] = values
        if ds is None:
            page["title_prop"] = "title"
        else:
            st.finish_row(page, ds)
        st.pages[page["id"]] = page
        for upload in checker.uploads if ds is not None else ():
            files.attach(upload)
        rendered = st.render_page(page)
        if template_id is not None:  # applied after this answer, like Notion does
            delay = float(st.settings.get("template_delay_ms") or 0) / 1000
            page["template_pending"] = {"template_id": template_id,
                                        "at": time.monotonic() + delay}
        st.created_pages.append({"id": page["id"], "request_properties": body["properties"],
                                 "template": body.get("template"), "page": rendered,
                                 "token": g.token})
        ambiguous, hang = _take_ambiguous(st, "POST")
    _answer_ambiguously(ambiguous, hang)
    return ok(rendered)


def _take_ambiguous(st, method):
    """The ambiguous-outcome switch, if it is set for this method (one use taken)."""
    ambiguous = dict(st.ambiguous)
    if ambiguous.get("method", "POST") != method:
        ambiguous["count"] = 0
    elif ambiguous["count"] > 0:
        st.ambiguous["count"] -= 1
    return ambiguous, st.settings.get("hang_seconds", 65)


def _answer_ambiguously(ambiguous, hang):
    """After the write was made: hang, or a 5xx, as the switch says."""
    if ambiguous["count"] > 0:
        if ambiguous["mode"] == "hang":
            time.sleep(float(hang))
        else:
            raise fault_error(int(ambiguous.get("status", 502)), 1)


@bp.get("/pages/<raw_id>")
def get_page(raw_id):
    """A page this token may see."""
    st, oid = state(), _id(raw_id, "page_id")
    with st.lock:
        if oid not in st.pages or not st.can_see(g.bot, "page", oid):
            raise not_found("page", oid, g.bot)
        return ok(st.render_page(st.pages[oid]))


PATCH_KEYS = {"properties", "icon", "cover", "in_trash", "archived", "is_locked"}


@bp.patch("/pages/<raw_id>")
def update_page(raw_id):
    """Change some properties of a row (only those sent; a multi-select is replaced whole),
    validated like a create. A row in the trash or locked is refused; `in_trash: true` moves
    it there (reads still answer, queries leave it out)."""
    body = json_body(allow_empty=False)
    _known_keys(body, PATCH_KEYS)
    st, oid = state(), _id(raw_id, "page_id")
    with st.lock:
        page = st.pages.get(oid)
        if page is None or not st.can_see(g.bot, "page", oid):
            raise not_found("page", oid, g.bot)
        if page.get("in_trash") and body.get("in_trash") is not False:
            raise validation("Can't edit block that is archived. You must unarchive the block "
                             "before editing.")
        if page.get("is_locked") and body.get("is_locked") is not False:
            raise validation("Can't edit a locked page. Unlock the page before editing.")
        ds = None
        if page["parent"]["type"] == "data_source_id":
            ds = st.data_sources[page["parent"]["data_source_id"]]
        changes, uploads = {}, []
        if "properties" in body:
            if ds is None:
                changes = {"title": _page_title(body["properties"])}
            else:
                checker = PageValidator(st, g.bot, ds)
                changes = checker.properties(body["properties"])
                uploads = checker.uploads
        for flag in ("in_trash", "archived", "is_locked"):
            if flag in body and not isinstance(body[flag], bool):
                raise fail(f"body.{flag}", "a boolean", body[flag])
        page["values"].update(changes)
        for upload in uploads:
            files.attach(upload)
        if "in_trash" in body or "archived" in body:
            page["in_trash"] = bool(body.get("in_trash", body.get("archived")))
        if "is_locked" in body:
            page["is_locked"] = body["is_locked"]
        page["last_edited_time"], page["last_edited_by"] = now(), g.bot["bot_id"]
        st.updated_pages.append({"id": oid, "request_properties": body.get("properties"),
                                 "token": g.token})
        rendered = st.render_page(page)
        ambiguous, hang = _take_ambiguous(st, "PATCH")
    _answer_ambiguously(ambiguous, hang)
    return ok(rendered)


@bp.get("/users/me")
def users_me():
    """The token's bot user."""
    st = state()
    with st.lock:
        return ok(st.bot_user(g.bot))


@bp.get("/users")
def users():
    """Members of the token's workspace (never guests), then the bot, paginated; a 403 when the
    integration lacks the user-information capability."""
    st = state()
    with st.lock:
        if st.settings.get("users_forbidden"):
            raise NotionError(403, "restricted_resource",
                              "Insufficient permissions for this endpoint.")
        people = [st.user_object(u["id"]) for u in st.users.values()
                  if u["workspace_id"] == g.bot["workspace_id"] and not u.get("guest")]
        people.append(st.bot_user(g.bot))
    size = request.args.get("page_size")
    return _list(people, request.args.get("start_cursor"), size, "user", where="query")
