"""Hooks every request passes: the request log, latency, injected faults, the rate limit."""

import random
import re
import socket
import time
from datetime import UTC, datetime

from flask import g, request

from .errors import (
    CONNECTION_LIMIT,
    WORKSPACE_LIMIT,
    NotionError,
    OAuthError,
    edge_page,
    error_response,
    fault_error,
    oauth_error_response,
    read_body,
    request_id,
    state,
    validation,
)
from .files import SINGLE_PART_MAX

OAUTH_FAULTS = {
    "invalid_client": "Client authentication failed.",
    "invalid_grant": "Invalid refresh token.",
    "invalid_request": "The request is missing a required parameter.",
}


def _logged(path: str) -> bool:
    return path.startswith("/v1/")


def record_request():
    """Log the request, sleep the configured latency, and answer a scripted or random fault."""
    if not _logged(request.path):
        return None
    st = state()
    encoding, body = read_body()
    auth = request.authorization
    entry = {
        "method": request.method, "path": request.path, "query": request.args.to_dict(flat=True),
        "auth_scheme": auth.type if auth and auth.type in ("bearer", "basic") else None,
        "token": auth.token if auth and auth.type == "bearer" else None,
        "client_id": auth.username if auth and auth.type == "basic" else None,
        "body_encoding": encoding, "body": body, "status": None,
        "at": datetime.now(UTC).isoformat(),
    }
    with st.lock:
        st.requests.append(entry)
        settings = dict(st.settings)
    g.log_entry = entry
    if settings["latency_ms"]:
        time.sleep(settings["latency_ms"] / 1000)
    too_large = _oversize(settings)
    if too_large is not None:
        return too_large
    fault, html = _take_fault(st, settings)
    if isinstance(fault, OAuthError):
        return oauth_error_response(fault)
    if isinstance(fault, NotionError):
        return edge_page(fault.status) if html else error_response(fault)
    return None


_SEND = re.compile(r"^/v1/file_uploads/[^/]+/send$")
SEND_BODY_MAX = SINGLE_PART_MAX + 64 * 1024  # the part, and the form's own framing


def _oversize(settings):
    """A body over 500 KB is refused before anything else (nothing is created)."""
    size = len(request.get_data(cache=True))
    if _SEND.match(request.path):  # a file's bytes: up to 20 MB a part (files.py checks)
        return edge_page(413) if size > SEND_BODY_MAX else None
    if size <= settings.get("max_body_bytes", 500_000):
        return None
    if settings.get("oversize_status", 413) == 400:
        return error_response(validation(
            f"body failed validation: the request body is {size} bytes, which exceeds the "
            f"maximum size of 500KB."))
    return edge_page(413)


def _act(fault):
    """A scripted fault: a status (Notion's error envelope), an RFC 6749 OAuth error, a hang
    (then a status, or the request goes on normally), or a dropped connection (no answer)."""
    kind = fault.get("kind", "status")
    if kind == "oauth":
        status = 401 if fault["error"] == "invalid_client" else 400
        return OAuthError(fault["error"], OAUTH_FAULTS[fault["error"]], status)
    if kind == "hang":  # then `status` if one was given (e.g. 504), else the real answer
        time.sleep(float(fault.get("seconds") or 1))
        return fault_error(fault["status"]) if fault.get("status") else None
    if kind == "drop":
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return OAuthError("dropped", "connection dropped", 500)
    return fault_error(fault["status"], fault.get("retry_after"), fault.get("reason"))


def _take_fault(st, settings):
    """The scripted or random fault for this request, and whether it is an HTML edge page."""
    with st.lock:
        for fault in st.faults:
            if fault["count"] <= 0 or not _matches(fault.get("path"), fault.get("method")):
                continue
            fault["count"] -= 1
            break
        else:
            fault = None
    if fault is not None:
        return _act(fault), bool(fault.get("html"))
    rnd = settings.get("random_faults")
    # Fault injection, not security: pseudo-random is right here.
    roll = random.random()  # nosec B311
    if rnd and _matches(rnd.get("paths"), None) and roll < rnd.get("probability", 0):
        statuses = rnd.get("statuses") or [503]
        return fault_error(random.choice(statuses), rnd.get("retry_after")), False  # nosec B311
    return None, False


def _matches(path_prefix, method) -> bool:
    if method and method.upper() != request.method:
        return False
    if path_prefix:
        return request.path.startswith(path_prefix)
    # Faults without a path never hit the browser's consent page.
    return request.path != "/v1/oauth/authorize"


def finish_request(response):
    """Note the status in the log and stamp Notion's request id header."""
    entry = g.get("log_entry")
    if entry is not None:
        entry["status"] = response.status_code
    if request.path.startswith("/v1/"):
        response.headers.setdefault("x-notion-request-id", request_id())
    return response


def _take(st, key, rate, burst, now):
    """One token from the bucket `key`; None when taken, else the seconds until one is there."""
    level, last = st.buckets.get(key, (burst, now))
    level = min(burst, level + (now - last) * rate)
    if level >= 1:
        st.buckets[key] = (level - 1, now)
        return None
    st.buckets[key] = (level, now)
    return max(1, int(-(-(1 - level) // rate)))


def take_rate_token(token: str, workspace_id: str | None = None) -> None:
    """Notion's two levels: a bucket per access token and, when
    `rate_limit.workspace` is set, one per workspace shared by all its tokens. A 429 names the
    limit in `additional_data.rate_limit_reason`; the workspace's `retry_after`, when set, is its
    Retry-After (it may exceed 60 s)."""
    st = state()
    with st.lock:
        limit = st.settings.get("rate_limit")
        if not limit:
            return
        now = time.monotonic()
        workspace = limit.get("workspace")
        if workspace and workspace_id:
            ws_rate = float(workspace.get("rate", 3.0))
            wait = _take(st, "ws:" + workspace_id, ws_rate, float(workspace.get("burst", 10)), now)
            if wait is not None:
                wait = int(workspace.get("retry_after") or wait)
                raise _limited(WORKSPACE_LIMIT, wait)
        rate, burst = float(limit.get("rate", 3.0)), float(limit.get("burst", 10))
        wait = _take(st, token, rate, burst, now)
    if wait is not None:
        raise _limited(CONNECTION_LIMIT, wait)


def _limited(reason: str, wait: int) -> NotionError:
    return NotionError(429, "rate_limited",
                       "You have been rate limited. Please try again in a few minutes.",
                       {"rate_limit_reason": reason}, {"Retry-After": str(wait)})
