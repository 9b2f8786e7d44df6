"""Control endpoints that exist only in the sandbox, and a small client for them."""

import hashlib
import hmac
import re
import secrets
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from flask import Blueprint, jsonify, request

from . import files
from .errors import CONNECTION_LIMIT, WORKSPACE_LIMIT, ok, state
from .faults import OAUTH_FAULTS
from .ids import make_id, new_id, normalize_id, now
from .validation import PageValidator

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")
SETTINGS = {"latency_ms", "rate_limit", "random_faults", "hang_seconds", "oversize_status",
            "max_body_bytes", "template_delay_ms", "search_index_delay", "query_index_delay",
            "users_forbidden", "text_filters_ignore_case",
            "template", "revoke_cascades", "select_new_options",
            "max_file_upload_size_in_bytes", "upload_expiry_seconds", "external_import_fails"}
FAULT_STATUSES = {403, 409, 429, 500, 502, 503, 504, 529}
OVERSIZE_STATUSES = {400, 413}
# status: Notion's error envelope; oauth: an RFC 6749 error (`error`: invalid_client, ...);
# hang: sleep `seconds`, then answer normally; drop: close the connection without an answer.
FAULT_KINDS = {"status", "oauth", "hang", "drop"}
RATE_REASONS = {CONNECTION_LIMIT, WORKSPACE_LIMIT}


def _bad(message):
    return jsonify({"error": message}), 400


SECRET_HEADER = "X-Sandbox-Secret"  # noqa: S105  # nosec B105 - a header name, not a secret


def proof(secret: str, challenge: str) -> str:
    """What a sandbox holding `secret` answers to `challenge`: it shows the secret is known
    without revealing it."""
    return hmac.new(secret.encode(), challenge.encode(), hashlib.sha256).hexdigest()


@bp.before_request
def _require_secret():
    """With a control secret, every control call but the health check must carry it."""
    secret = state().control_secret
    if secret is None or request.endpoint == "sandbox_control.health":
        return None
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return jsonify({"error": f"the sandbox's control API needs its {SECRET_HEADER}"}), 403
    return None


@bp.get("/health")
def health():
    """Tells a caller it is talking to the sandbox; `?challenge=` gets the proof that this
    sandbox holds the caller's control secret."""
    answer = {"sandbox": True}
    challenge = request.args.get("challenge", "")[:200]
    secret = state().control_secret
    if challenge and secret is not None:
        answer["proof"] = proof(secret, challenge)
    return jsonify(answer)


@bp.post("/reset")
def reset():
    """Re-seed and forget tokens, codes, requests, faults and changed settings."""
    state().reset()
    return jsonify({"reset": True})


@bp.get("/seed")
def seed_ids():
    """The deterministic ids of the seed data."""
    st = state()
    with st.lock:
        return jsonify(st.seed_ids())


@bp.post("/people")
def add_people():
    """Add people to a workspace (load tests need one Notion person per app user)."""
    body = request.get_json(silent=True) or {}
    count = body.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= 1000:
        return _bad("count is a whole number from 1 to 1000")
    st = state()
    with st.lock:
        ws = next((w for w in st.workspaces.values()
                   if body.get("workspace") in (w["key"], w["id"])), None)
        if ws is None:
            return _bad("workspace is the key or id of a seeded workspace")
        prefix = str(body.get("prefix") or "person")[:40]
        guest = bool(body.get("guest"))
        start = sum(1 for u in st.users.values() if u["key"].startswith(f"{prefix}-"))
        added = []
        for n in range(start, start + count):
            key = f"{prefix}-{n}"
            uid = make_id("user", ws["id"], key)
            st.add_user(key, uid, f"{prefix.title()} {n}", f"{key}@example.com", ws["id"],
                        guest=guest)
            added.append({"key": key, "id": uid, "name": f"{prefix.title()} {n}",
                          "email": f"{key}@example.com"})
    return jsonify(added)


@bp.post("/databases")
def add_database():
    """Add a database (one data source: Name, Notes) inside a page: `{"parent": <page key or id>,
    "title": "..."}`. Whoever can see the page can see it (Notion's inherited access)."""
    body = request.get_json(silent=True) or {}
    st = state()
    with st.lock:
        parent = st.keys["pages"].get(body.get("parent"), body.get("parent"))
        page = st.pages.get(parent or "")
        if page is None:
            return _bad("parent is the key or id of a page")
        title = str(body.get("title") or "Nested database")[:100]
        key = str(body.get("key") or make_id("database", parent, title)[:8])
        db_id, ds_id = make_id("database", parent, title), make_id("data_source", parent, title)
        props = {"Name": {"id": "title", "name": "Name", "description": None, "type": "title",
                          "title": {}},
                 "Notes": {"id": "nts1", "name": "Notes", "description": None,
                           "type": "rich_text", "rich_text": {}}}
        st.add_database(key, db_id, page["workspace_id"], title, None, page["created_time"],
                        [(key, ds_id, title, props)],
                        parent={"type": "page_id", "page_id": page["id"]})
    return jsonify({"database_id": db_id, "data_source_id": ds_id, "key": key})


@bp.post("/share")
def share():
    """Share a page or database with a bot now (Notion's ••• → Connections), or take it away
    (`"unshare": true`)."""
    body = request.get_json(silent=True) or {}
    st = state()
    with st.lock:
        bot = st.bots.get(body.get("bot_id") or "")
        if bot is None:
            return _bad("bot_id is the bot_id of an authorization")
        oid = body.get("id")
        oid = st.keys["pages"].get(oid) or st.keys["databases"].get(oid) or oid
        if oid not in st.pages and oid not in st.databases:
            return _bad("id is the key or id of a page or database")
        if body.get("unshare"):
            bot["grants"].discard(oid)
        else:
            st.grant(bot, [oid])
    return jsonify({"shared": not body.get("unshare"), "id": oid})


@bp.post("/clients")
def register_client():
    """Register or replace an OAuth client."""
    body = request.get_json(silent=True) or {}
    if not body.get("client_id") or not body.get("client_secret"):
        return _bad("client_id and client_secret are required")
    return jsonify(state().register_client(body))


@bp.get("/settings")
def get_settings():
    """Current switches."""
    return jsonify(state().settings)


@bp.patch("/settings")
def patch_settings():
    """Change latency, rate limit, random faults or the hang duration."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not set(body) <= SETTINGS:
        return _bad(f"settings keys are {sorted(SETTINGS)}")
    if "oversize_status" in body and body["oversize_status"] not in OVERSIZE_STATUSES:
        return _bad(f"oversize_status is one of {sorted(OVERSIZE_STATUSES)}")
    st = state()
    with st.lock:
        st.settings.update(body)
        if "rate_limit" in body:
            st.buckets.clear()
        return jsonify(st.settings)


@bp.post("/faults")
def add_fault():
    """Fail the next N matching requests with a status: Notion's JSON error, or with
    `"html": true` the HTML page Notion's edge answers when it blocks a request (403/5xx)."""
    body = request.get_json(silent=True) or {}
    kind = body.get("kind", "status")
    if kind not in FAULT_KINDS:
        return _bad(f"kind must be one of {sorted(FAULT_KINDS)}")
    if (kind == "status" or body.get("status") is not None) and \
            body.get("status") not in FAULT_STATUSES:
        return _bad(f"status must be one of {sorted(FAULT_STATUSES)}")
    if kind == "oauth" and body.get("error") not in OAUTH_FAULTS:
        return _bad(f"error must be one of {sorted(OAUTH_FAULTS)}")
    if body.get("reason") is not None and body.get("reason") not in RATE_REASONS:
        return _bad(f"reason must be one of {sorted(RATE_REASONS)}")
    fault = {"kind": kind, "status": body.get("status"), "count": int(body.get("count", 1)),
             "path": body.get("path"), "method": body.get("method"),
             "retry_after": body.get("retry_after"), "reason": body.get("reason"),
             "error": body.get("error"), "seconds": body.get("seconds"),
             "html": bool(body.get("html"))}
    st = state()
    with st.lock:
        st.faults.append(fault)
        return jsonify({"faults": st.faults})


@bp.post("/ambiguous")
def ambiguous():
    """The next N POST /v1/pages create the page (or, with `method: "PATCH"`, the next N
    PATCH /v1/pages/{id} change it), then answer a 5xx or hang."""
    body = request.get_json(silent=True) or {}
    if body.get("mode", "status") not in ("status", "hang"):
        return _bad("mode is status or hang")
    if body.get("method", "POST") not in ("POST", "PATCH"):
        return _bad("method is POST or PATCH")
    st = state()
    with st.lock:
        st.ambiguous = {"count": int(body.get("count", 1)), "mode": body.get("mode", "status"),
                        "status": int(body.get("status", 502)),
                        "method": body.get("method", "POST")}
        return jsonify(st.ambiguous)


@bp.post("/revoke-all")
def revoke_all():
    """The user removed the integration: every token stops working."""
    st = state()
    with st.lock:
        st.access_tokens.clear()
        st.refresh_tokens.clear()
    return jsonify({"revoked": True})


@bp.post("/expire-access-tokens")
def expire_access_tokens():
    """Access tokens stop working; refresh tokens still do."""
    st = state()
    with st.lock:
        st.access_tokens.clear()
    return jsonify({"expired": True})


@bp.get("/requests")
def list_requests():
    """The requests received under /v1/, oldest first."""
    path, method = request.args.get("path"), request.args.get("method")
    st = state()
    with st.lock:
        found = [r for r in st.requests
                 if (not path or r["path"].startswith(path))
                 and (not method or r["method"] == method.upper())]
        return jsonify(found)


@bp.delete("/requests")
def clear_requests():
    """Forget the request log."""
    st = state()
    with st.lock:
        st.requests.clear()
    return jsonify({"cleared": True})


@bp.get("/file-uploads")
def file_uploads():
    """Every file upload (status, size, SHA-256 of what arrived; never the bytes) and every
    send received, oldest first: what tests compare with the file a person picked."""
    st = state()
    with st.lock:
        return jsonify({"uploads": [files.summary(up) for up in st.uploads.values()],
                        "received": list(st.received)})


@bp.post("/file-uploads/expire")
def expire_uploads():
    """The hour is over now for one upload (`{"id"}`) or for every upload not yet attached."""
    body = request.get_json(silent=True) or {}
    st = state()
    with st.lock:
        if "id" in body:
            up = st.uploads.get(normalize_id(body["id"]) or "")
            if up is None:
                return _bad("id is the id of a file upload")
            chosen = [up]
        else:
            chosen = list(st.uploads.values())
        for up in chosen:
            files.expire(up)
        return jsonify({"expired": [up["id"] for up in chosen if up["status"] == "expired"]})


@bp.get("/revocations")
def revocations():
    """Every POST /v1/oauth/revoke, oldest first: which kind of token it killed."""
    st = state()
    with st.lock:
        return jsonify(st.revocations)


@bp.get("/pages")
def created_pages():
    """Pages created through the API, with the properties as the request sent them."""
    st = state()
    with st.lock:
        return jsonify(st.created_pages)


@bp.post("/pages")
def create_page_as():
    """A row made in Notion by a person of the workspace, not by a bot: validated like
    POST /v1/pages, created_by the person, and not listed among the pages created through
    the API (what a reconciling app must never mistake for its own)."""
    body = request.get_json(silent=True) or {}
    st = state()
    with st.lock:
        ds = st.data_sources.get(normalize_id(body.get("data_source_id")) or "")
        if ds is None:
            return _bad("data_source_id is the id of a seeded data source")
        db = st.databases[ds["database_id"]]
        author = body.get("author")
        person = next((u for u in st.users.values() if author in (u["key"], u["id"])
                       and u["workspace_id"] == db["workspace_id"]), None)
        if person is None:
            return _bad("author is the key or id of a person of the data source's workspace")
        # A person sees everything in their workspace (relations, mentions, people).
        grants = {d["id"] for d in st.databases.values()
                  if d["workspace_id"] == db["workspace_id"]}
        grants |= {p["id"] for p in st.pages.values() if p["workspace_id"] == db["workspace_id"]}
        viewer = {"bot_id": person["id"], "workspace_id": db["workspace_id"], "grants": grants}
        values = PageValidator(st, viewer, ds).properties(body.get("properties", {}))
        parent = {"type": "data_source_id", "data_source_id": ds["id"],
                  "database_id": db["id"]}
        page = st._new_page(new_id(), db["workspace_id"], parent, now(), person["id"])
        page["values"] = values
        st.finish_row(page, ds)
        st.pages[page["id"]] = page
        return ok(st.render_page(page))


@bp.get("/pages/<page_id>")
def read_page(page_id):
    """A page as the API renders it now, whoever may see it (a test's look at Notion)."""
    st = state()
    with st.lock:
        page = st.pages.get(normalize_id(page_id) or "")
        if page is None:
            return _bad("no such page"), 404
        return ok(st.render_page(page))


@bp.get("/data-sources/<ds_id>/rows")
def data_source_rows(ds_id):
    """Every row of a data source now, oldest first, trash included, whoever made it and
    whatever the query index knows yet (a test's count of what is in Notion)."""
    st = state()
    with st.lock:
        oid = normalize_id(ds_id) or ""
        rows = [st.render_page(p) for p in st.pages.values()
                if p["parent"].get("data_source_id") == oid]
        return jsonify(rows)


@bp.get("/pages/<page_id>/content")
def page_content(page_id):
    """What a template brought to a page: its content (paragraph texts), which template was
    applied, and whether one is still on its way."""
    st = state()
    with st.lock:
        page = st.pages.get(normalize_id(page_id) or "")
        if page is None:
            return jsonify({"error": "no such page"}), 404
        st.settle(page)
        return jsonify({"id": page["id"], "content": page.get("content") or [],
                        "template_applied": page.get("template_applied"),
                        "template_pending": bool(page.get("template_pending"))})


EDITABLE_TYPES = {"title", "rich_text", "number", "select", "multi_select", "status", "date",
                  "checkbox", "url", "email", "phone_number"}


@bp.post("/properties")
def change_property():
    """Someone edits a data source's schema in Notion: {"data_source": key or id, "name",
    "rename": new name, "type": new type (its config empty, or its options kept),
    "drop_option": an option's name, "remove": true to delete the property}. The property
    keeps its id, as in Notion."""
    body = request.get_json(silent=True) or {}
    st = state()
    with st.lock:
        ds = next((d for d in st.data_sources.values()
                   if body.get("data_source") in (d["key"], d["id"])), None)
        prop = (ds or {}).get("properties", {}).get(body.get("name"))
        if prop is None:
            return _bad("data_source is the key or id of a data source; name is its property")
        if body.get("remove") is True:
            del ds["properties"][body["name"]]
            return jsonify(prop)
        new_type = body.get("type")
        if new_type is not None:
            if new_type not in EDITABLE_TYPES:
                return _bad(f"type is one of {sorted(EDITABLE_TYPES)}")
            old = prop.pop(prop["type"])
            keep = "options" in old and new_type in ("select", "multi_select", "status")
            prop["type"], prop[new_type] = new_type, ({"options": old["options"]} if keep else {})
        if body.get("drop_option") is not None:
            config = prop.get(prop["type"], {})
            config["options"] = [o for o in config.get("options", [])
                                 if o["name"] != body["drop_option"]]
        rename = body.get("rename")
        if isinstance(rename, str) and rename:
            prop["name"] = rename
            ds["properties"] = {rename if n == body["name"] else n: p
                                for n, p in ds["properties"].items()}
        return jsonify(prop)


@bp.post("/templates/apply")
def apply_templates():
    """Apply every template still on its way now (the moment Notion would have)."""
    st = state()
    with st.lock:
        pending = [p for p in st.pages.values() if p.get("template_pending")]
        for page in pending:
            st.settle(page, force=True)
    return jsonify({"applied": len(pending)})


@bp.post("/templates")
def add_template():
    """Add a page template to a data source: {"data_source": key or id, "name", "is_default",
    "values": {property: simple value}, "content": [paragraph texts]}."""
    body = request.get_json(silent=True) or {}
    st = state()
    with st.lock:
        ds = next((d for d in st.data_sources.values()
                   if body.get("data_source") in (d["key"], d["id"])), None)
        if ds is None or not isinstance(body.get("name"), str) or not body["name"]:
            return _bad("data_source is the key or id of a data source; name is a string")
        try:
            template = st.add_template(
                None, make_id("template", ds["id"], body["name"], str(len(st.templates))),
                ds["id"], body["name"], body.get("values") or {}, body.get("content") or [],
                is_default=bool(body.get("is_default")),
            )
        except (KeyError, StopIteration, TypeError):
            return _bad("values name properties of the data source, with valid values")
        return jsonify({k: template[k] for k in ("id", "name", "is_default")})


@bp.delete("/templates/<template_id>")
def delete_template(template_id):
    """Someone deleted the template in Notion."""
    st = state()
    with st.lock:
        removed = st.templates.pop(normalize_id(template_id) or "", None)
    return jsonify({"deleted": removed is not None})


class SandboxControl:
    """A requests-based client for the control endpoints and the consent page."""

    def __init__(self, base_url: str, timeout: float = 10.0, secret: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        if secret:
            self.http.headers[SECRET_HEADER] = secret

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "SandboxControl":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method, path, **kw):
        resp = self.http.request(method, self.base_url + path, timeout=self.timeout, **kw)
        resp.raise_for_status()
        return resp.json()

    def health(self) -> dict:
        return self._call("GET", "/_sandbox/health")

    def holds(self, secret: str) -> bool:
        """Whether the server at base_url is a sandbox holding `secret` (asked without sending
        it: the answer must be the HMAC of a fresh challenge)."""
        challenge = secrets.token_urlsafe(16)
        resp = self.http.get(self.base_url + "/_sandbox/health", params={"challenge": challenge},
                             headers={SECRET_HEADER: None}, timeout=self.timeout)
        try:
            answer = resp.json() if resp.ok else {}
        except ValueError:
            return False
        got = answer.get("proof") if isinstance(answer, dict) else None
        return isinstance(got, str) and hmac.compare_digest(got, proof(secret, challenge))

    def reset(self) -> dict:
        return self._call("POST", "/_sandbox/reset")

    def seed(self) -> dict:
        return self._call("GET", "/_sandbox/seed")

    def register_client(self, client_id, client_secret, redirect_uris, name="Sandbox app"):
        return self._call("POST", "/_sandbox/clients",
                          json={"client_id": client_id, "client_secret": client_secret,
                                "redirect_uris": list(redirect_uris), "name": name})

    def settings(self, **changes) -> dict:
        if not changes:
            return self._call("GET", "/_sandbox/settings")
        return self._call("PATCH", "/_sandbox/settings", json=changes)

    def add_people(self, workspace: str, count: int, prefix: str = "person",
                   guest: bool = False) -> list[dict]:
        return self._call("POST", "/_sandbox/people",
                          json={"workspace": workspace, "count": count, "prefix": prefix,
                                "guest": guest})

    def add_database(self, parent: str, title: str, key: str | None = None) -> dict:
        return self._call("POST", "/_sandbox/databases",
                          json={"parent": parent, "title": title, "key": key})

    def share(self, bot_id: str, oid: str, unshare: bool = False) -> dict:
        return self._call("POST", "/_sandbox/share",
                          json={"bot_id": bot_id, "id": oid, "unshare": unshare})

    def fail_next(self, status=None, count=1, path=None, method=None, retry_after=None, *,
                  kind="status", error=None, seconds=None, reason=None, html=False):
        """Script the next `count` matching requests: `status` (429 with `reason` and
        `retry_after`, 5xx; `html=True`: as an HTML page from Notion's edge),
        `kind="oauth", error="invalid_client"`, `kind="hang", seconds=2` or `kind="drop"` (a
        connection error)."""
        return self._call("POST", "/_sandbox/faults",
                          json={"status": status, "count": count, "path": path,
                                "method": method, "retry_after": retry_after, "kind": kind,
                                "error": error, "seconds": seconds, "reason": reason,
                                "html": html})

    def ambiguous(self, count=1, mode="status", status=502, method="POST"):
        """The next `count` creates (`method="PATCH"`: updates) are made, then answered with
        a 5xx (`mode="hang"`: after `hang_seconds`)."""
        return self._call("POST", "/_sandbox/ambiguous",
                          json={"count": count, "mode": mode, "status": status,
                                "method": method})

    def rows(self, data_source_id: str) -> list[dict]:
        """Every row of the data source now (trash included), whatever its index shows."""
        return self._call("GET", f"/_sandbox/data-sources/{data_source_id}/rows")

    def page(self, page_id: str) -> dict:
        """The page as the API renders it now."""
        return self._call("GET", f"/_sandbox/pages/{page_id}")

    def revoke_all(self):
        return self._call("POST", "/_sandbox/revoke-all")

    def expire_access_tokens(self):
        return self._call("POST", "/_sandbox/expire-access-tokens")

    def requests(self, path=None, method=None) -> list[dict]:
        params = {k: v for k, v in (("path", path), ("method", method)) if v}
        return self._call("GET", "/_sandbox/requests", params=params)

    def clear_requests(self):
        return self._call("DELETE", "/_sandbox/requests")

    def pages(self) -> list[dict]:
        return self._call("GET", "/_sandbox/pages")

    def create_page_as(self, data_source_id: str, properties: dict, author: str = "grace"):
        """Create a row as a person of the workspace (not the bot); returns the page."""
        return self._call("POST", "/_sandbox/pages",
                          json={"data_source_id": data_source_id, "properties": properties,
                                "author": author})

    def page_content(self, page_id: str) -> dict:
        return self._call("GET", f"/_sandbox/pages/{page_id}/content")

    def change_property(self, data_source: str, name: str, *, rename=None, type=None,
                        drop_option=None, remove=False) -> dict:
        """Edit a property as a person in Notion would (the app's cached schema goes stale)."""
        return self._call("POST", "/_sandbox/properties",
                          json={"data_source": data_source, "name": name, "rename": rename,
                                "type": type, "drop_option": drop_option, "remove": remove})

    def apply_templates(self) -> dict:
        return self._call("POST", "/_sandbox/templates/apply")

    def add_template(self, data_source: str, name: str, *, is_default=False, values=None,
                     content=None) -> dict:
        return self._call("POST", "/_sandbox/templates",
                          json={"data_source": data_source, "name": name,
                                "is_default": is_default, "values": values or {},
                                "content": content or []})

    def delete_template(self, template_id: str) -> dict:
        return self._call("DELETE", f"/_sandbox/templates/{template_id}")

    def file_uploads(self) -> dict:
        return self._call("GET", "/_sandbox/file-uploads")

    def expire_uploads(self, upload_id: str | None = None) -> dict:
        return self._call("POST", "/_sandbox/file-uploads/expire",
                          json={"id": upload_id} if upload_id else {})

    def revocations(self) -> list[dict]:
        return self._call("GET", "/_sandbox/revocations")

    def consent(self, authorize_url: str, *, workspace="acme", user="ada", pages="all",
                allow=True, duplicate=False) -> str:
        """Play the user on the consent page; return the Location the sandbox redirects to."""
        seed = self.seed()
        ws = seed["workspaces"].get(workspace, {"id": workspace})
        split = urlsplit(authorize_url)
        params = dict(parse_qsl(split.query))
        page_url = f"{self.base_url}{split.path}?{urlencode({**params, 'workspace': ws['id']})}"
        resp = self.http.get(page_url, timeout=self.timeout, allow_redirects=False)
        if resp.status_code != 200 or 'data-consent="notion-sandbox"' not in resp.text:
            raise AssertionError(f"authorize did not show the consent page: {resp.status_code} "
                                 f"{resp.text[:300]}")
        if duplicate and "data-duplicate-template" not in resp.text:
            raise AssertionError("the consent page offers no template to duplicate")
        offered = [unescape(v) for v in re.findall(r'name="page_ids" value="([^"]+)"', resp.text)]
        if pages == "all":
            picked = offered
        else:
            lookup = dict(seed["pages"])
            lookup.update({k: d["id"] for k, d in seed["databases"].items()})
            picked = [lookup.get(p, p) for p in pages]
        user_id = seed["users"].get(user, {"id": user})["id"]
        form = {**params, "workspace_id": ws["id"], "user_id": user_id, "page_ids": picked,
                "action": "duplicate" if duplicate else "allow" if allow else "cancel"}
        post = self.http.post(self.base_url + split.path, data=form, timeout=self.timeout,
                              allow_redirects=False)
        if post.status_code != 302:
            raise AssertionError(f"consent was refused: {post.status_code} {post.text[:300]}")
        return post.headers["Location"]
