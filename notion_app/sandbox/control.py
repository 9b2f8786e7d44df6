"""Control endpoints that exist only in the sandbox, and a small client for them."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from flask import Blueprint, jsonify, request

from .errors import state
from .ids import make_id

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")
SETTINGS = {"latency_ms", "rate_limit", "random_faults", "hang_seconds", "search_index_delay",
            "users_forbidden", "template"}
FAULT_STATUSES = {429, 500, 502, 503, 504, 529}


def _bad(message):
    return jsonify({"error": message}), 400


@bp.get("/health")
def health():
    """Tells a caller it is talking to the sandbox."""
    return jsonify({"sandbox": True})


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
            added.append({"key": key, "id": uid, "email": f"{key}@example.com"})
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
    st = state()
    with st.lock:
        st.settings.update(body)
        if "rate_limit" in body:
            st.buckets.clear()
        return jsonify(st.settings)


@bp.post("/faults")
def add_fault():
    """Fail the next N matching requests with a status."""
    body = request.get_json(silent=True) or {}
    if body.get("status") not in FAULT_STATUSES:
        return _bad(f"status must be one of {sorted(FAULT_STATUSES)}")
    fault = {"status": body["status"], "count": int(body.get("count", 1)),
             "path": body.get("path"), "method": body.get("method"),
             "retry_after": body.get("retry_after")}
    st = state()
    with st.lock:
        st.faults.append(fault)
        return jsonify({"faults": st.faults})


@bp.post("/ambiguous")
def ambiguous():
    """The next N POST /v1/pages create the page, then answer a 5xx or hang."""
    body = request.get_json(silent=True) or {}
    if body.get("mode", "status") not in ("status", "hang"):
        return _bad("mode is status or hang")
    st = state()
    with st.lock:
        st.ambiguous = {"count": int(body.get("count", 1)), "mode": body.get("mode", "status"),
                        "status": int(body.get("status", 502))}
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


@bp.get("/pages")
def created_pages():
    """Pages created through the API, with the properties as the request sent them."""
    st = state()
    with st.lock:
        return jsonify(st.created_pages)


class SandboxControl:
    """A requests-based client for the control endpoints and the consent page."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

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

    def fail_next(self, status, count=1, path=None, method=None, retry_after=None):
        return self._call("POST", "/_sandbox/faults",
                          json={"status": status, "count": count, "path": path,
                                "method": method, "retry_after": retry_after})

    def ambiguous(self, count=1, mode="status", status=502):
        return self._call("POST", "/_sandbox/ambiguous",
                          json={"count": count, "mode": mode, "status": status})

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
