"""Control endpoints that exist only in the sandbox, and a small client for them."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from flask import Blueprint, jsonify, request

from .errors import CONNECTION_LIMIT, WORKSPACE_LIMIT, state
from .faults import OAUTH_FAULTS
from .ids import make_id

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")
SETTINGS = {"latency_ms", "rate_limit", "random_faults", "hang_seconds", "revoke_cascades"}
FAULT_STATUSES = {429, 500, 502, 503, 504, 529}
# status: Notion's error envelope; oauth: an RFC 6749 error (`error`: invalid_client, ...);
# hang: sleep `seconds`, then answer normally; drop: close the connection without an answer.
FAULT_KINDS = {"status", "oauth", "hang", "drop"}
RATE_REASONS = {CONNECTION_LIMIT, WORKSPACE_LIMIT}


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
        start = sum(1 for u in st.users.values() if u["key"].startswith(f"{prefix}-"))
        added = []
        for n in range(start, start + count):
            key = f"{prefix}-{n}"
            uid = make_id("user", ws["id"], key)
            st.add_user(key, uid, f"{prefix.title()} {n}", f"{key}@example.com", ws["id"])
            added.append({"key": key, "id": uid})
    return jsonify(added)


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
             "error": body.get("error"), "seconds": body.get("seconds")}
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

    def add_people(self, workspace: str, count: int, prefix: str = "person") -> list[dict]:
        return self._call("POST", "/_sandbox/people",
                          json={"workspace": workspace, "count": count, "prefix": prefix})

    def fail_next(self, status=None, count=1, path=None, method=None, retry_after=None, *,
                  kind="status", error=None, seconds=None, reason=None):
        """Script the next `count` matching requests: `status` (429 with `reason` and
        `retry_after`, 5xx), `kind="oauth", error="invalid_client"`, `kind="hang", seconds=2`
        or `kind="drop"` (a connection error)."""
        return self._call("POST", "/_sandbox/faults",
                          json={"status": status, "count": count, "path": path,
                                "method": method, "retry_after": retry_after, "kind": kind,
                                "error": error, "seconds": seconds, "reason": reason})

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

    def revocations(self) -> list[dict]:
        return self._call("GET", "/_sandbox/revocations")

    def consent(self, authorize_url: str, *, workspace="acme", user="ada", pages="all",
                allow=True) -> str:
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
        offered = [unescape(v) for v in re.findall(r'name="page_ids" value="([^"]+)"', resp.text)]
        if pages == "all":
            picked = offered
        else:
            lookup = dict(seed["pages"])
            lookup.update({k: d["id"] for k, d in seed["databases"].items()})
            picked = [lookup.get(p, p) for p in pages]
        user_id = seed["users"].get(user, {"id": user})["id"]
        form = {**params, "workspace_id": ws["id"], "user_id": user_id, "page_ids": picked,
                "action": "allow" if allow else "cancel"}
        post = self.http.post(self.base_url + split.path, data=form, timeout=self.timeout,
                              allow_redirects=False)
        if post.status_code != 302:
            raise AssertionError(f"consent was refused: {post.status_code} {post.text[:300]}")
        return post.headers["Location"]
