"""Hooks every request passes: the request log, latency, injected faults, the rate limit."""

import random
import time
from datetime import UTC, datetime

from flask import g, request

from .errors import (
    NotionError,
    edge_page,
    error_response,
    fault_error,
    read_body,
    request_id,
    state,
    validation,
)


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
    if fault is not None:
        return edge_page(fault.status) if html else error_response(fault)
    return None


def _oversize(settings):
    """A body over 500 KB is refused before anything else (nothing is created)."""
    size = len(request.get_data(cache=True))
    if size <= settings.get("max_body_bytes", 500_000):
        return None
    if settings.get("oversize_status", 413) == 400:
        return error_response(validation(
            f"body failed validation: the request body is {size} bytes, which exceeds the "
            f"maximum size of 500KB."))
    return edge_page(413)


def _take_fault(st, settings) -> tuple[NotionError | None, bool]:
    """The scripted or random fault for this request, and whether it is an HTML edge page."""
    with st.lock:
        for fault in st.faults:
            if fault["count"] <= 0 or not _matches(fault.get("path"), fault.get("method")):
                continue
            fault["count"] -= 1
            return fault_error(fault["status"], fault.get("retry_after")), fault.get("html")
    rnd = settings.get("random_faults")
    # Fault injection, not security: pseudo-random is right here.
    roll = random.random()  # nosec B311
    if rnd and _matches(rnd.get("paths"), None) and roll < rnd.get("probability", 0):
        statuses = rnd.get("statuses") or [503]
        status = random.choice(statuses)  # nosec B311
        return fault_error(status, rnd.get("retry_after")), False
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


def take_rate_token(token: str) -> None:
    """A token bucket per access token; raise 429 when it is empty."""
    st = state()
    with st.lock:
        limit = st.settings.get("rate_limit")
        if not limit:
            return
        rate, burst = float(limit.get("rate", 3.0)), float(limit.get("burst", 10))
        now = time.monotonic()
        level, last = st.buckets.get(token, (burst, now))
        level = min(burst, level + (now - last) * rate)
        if level >= 1:
            st.buckets[token] = (level - 1, now)
            return
        st.buckets[token] = (level, now)
        wait = max(1, int(-(-(1 - level) // rate)))
    raise NotionError(429, "rate_limited",
                      "You have been rate limited. Please try again in a few minutes.",
                      {"rate_limit_reason": "integration_rate_limit"}, {"Retry-After": str(wait)})
