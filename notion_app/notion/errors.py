"""Notion errors: one exception class per family of Notion error, built from a response.

`error_from_response(resp)` turns a non-2xx `requests.Response` into the right subclass. It
accepts Notion's JSON envelope (`{"object":"error","status","code","message"}`), RFC 6749-style
`{"error": ...}` bodies, HTML pages from the edge and empty bodies.

Messages never carry tokens: every message goes through `redact()`, which masks bearer tokens,
Notion token shapes (`ntn_…`, `secret_…`, `nrt_…`) and any extra secrets the caller names.
`retryable` says whether sending the same request again later is safe and may succeed.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterable

from ..redaction import mask

_MAX_MESSAGE = 500


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with token-like substrings and the given secrets replaced by MASK."""
    return mask(text, secrets)


class NotionError(Exception):
    """Any failure talking to Notion. `status` is None when no HTTP answer arrived."""

    retryable = False

    def __init__(
        self,
        message: str = "Notion request failed",
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ):
        self.message = message[:_MAX_MESSAGE]
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f"{self.status} {self.code}" if self.status else (self.code or "no response")
        return f"{self.message} ({where})"


class NotionUnauthorized(NotionError):
    """401: the token is invalid, revoked or expired. Refresh once or ask for a reconnect."""


class NotionForbidden(NotionError):
    """403 restricted_resource: the integration lacks a capability or access."""


class NotionNotFound(NotionError):
    """404 object_not_found: missing, or not shared with the integration."""


class NotionValidationError(NotionError):
    """400 (validation_error and the other 400s, and 413): the request itself is wrong.

    `property_name` is the property the message names, when that can be told.
    """

    def __init__(self, *args, property_name: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.property_name = property_name


class NotionRequestTooLarge(NotionValidationError):
    """The request is over Notion's per-request limits (500 KB, 1000 block elements).

    Raised before sending (`status` None: nothing reached Notion), or for Notion's answer to an
    over-size body, which is a 413 from its edge or a 400 `validation_error` (which one is
    unconfirmed). Either way nothing was created: the row is refused, never an uncertain create.
    """


TOO_LARGE_MESSAGE = (
    "Notion refused the row as too large for one request (at most 500 KB): shorten the "
    "longest text."
)


class NotionConflict(NotionError):
    """409 conflict_error: a data collision at Notion; try again."""

    retryable = True


class NotionRateLimited(NotionError):
    """429 rate_limited or 529 service_overload (or our own pacer said wait).

    `retry_after` is the number of seconds to wait before trying again (it may be more than
    60 s); `rate_limit_reason` is the 429 body's `additional_data.rate_limit_reason`.
    """

    retryable = True
    rate_limit_reason: str | None = None


class NotionServerError(NotionError):
    """5xx on a read (or an unusable answer): Notion failed; safe to try again later."""

    retryable = True


class NotionEdgeBlocked(NotionServerError):
    """A 403 or 5xx answered with an HTML page: Notion's edge (CDN, firewall) blocked or dropped
    the request for a moment. Temporary, never "forbidden": try again later.

    `reached_origin` is False for a 403 (the edge refused it before Notion's API saw it, so a
    create can be sent again); a 5xx may come after Notion received the request.
    """

    @property
    def reached_origin(self) -> bool:
        return self.status != 403


class NotionUnavailable(NotionError):
    """No answer: connection refused, DNS failure, or a timeout on a read.

    For a write it is raised only when nothing can have reached Notion, so a resend is safe.
    """

    retryable = True


class NotionOutcomeUnknown(NotionError):
    """A write (POST /v1/pages) that timed out or got a 5xx after it may have reached Notion.

    The page may or may not exist: reconcile (look for it) before any resend.
    """


_BY_STATUS: dict[int, type[NotionError]] = {
    400: NotionValidationError,
    401: NotionUnauthorized,
    403: NotionForbidden,
    404: NotionNotFound,
    409: NotionConflict,
    413: NotionValidationError,
    429: NotionRateLimited,
    529: NotionRateLimited,
}

_DEFAULT_MESSAGES = {
    400: "Notion rejected the request",
    401: "The Notion token is invalid or was revoked",
    403: "The integration has no access to this Notion resource",
    404: "Not found in Notion, or not shared with the integration",
    409: "Conflict at Notion; try again",
    413: "The request is too large for Notion",
    429: "Notion rate limit reached",
    529: "Notion is overloaded",
}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP-date; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


# Messages seen from Notion: "body failed validation: body.properties.Priority.select.name should
# be ...", "Priority is expected to be select.", "Priority is not a property that exists."
_PATH_RE = re.compile(r"\bbody\.properties\.([^.\s]+)")
_PREFIX_RES = (
    re.compile(r"^(.+?) is expected to be "),
    re.compile(r"^(.+?) is not a property that exists"),
)


def property_for(message: str | None, names: Iterable[str] | None = None) -> str | None:
    """The property that a Notion validation message names, or None when it can't be told.

    With `names` (the data source's property names) the longest name that appears where Notion
    puts a property name wins, so names with dots and spaces are found exactly.
    """
    if not message:
        return None
    text = message.removeprefix("body failed validation: ").strip()
    if names:
        # Longest first, so "v1.2 score" beats "v1" and "Due date" beats "Due". Every documented
        # shape: "body.properties.X.select...", "Fix one:" lists of such
        # paths, "body.properties.X: X is not a property that exists.", "X is expected to be",
        # "... is an invalid select option ... X", and names quoted in the message.
        for name in sorted({n for n in names if n}, key=len, reverse=True):
            if _names(text, name):
                return name
        return None
    match = _PATH_RE.search(text)
    if match:
        return match.group(1)
    for prefix_re in _PREFIX_RES:
        match = prefix_re.match(text)
        if match:
            return match.group(1)
    return None


_AFTER_PATH = (".", ":", " ", ",", "\n", "[")


def _names(text: str, name: str) -> bool:
    """Whether `text` names property `name` where Notion puts a property name."""
    path = f"body.properties.{name}"
    at = text.find(path)
    while at != -1:
        end = at + len(path)
        if end == len(text) or text[end] in _AFTER_PATH:
            return True
        at = text.find(path, at + 1)
    lines = [line.strip().lstrip("-• ").strip() for line in text.splitlines()]
    if any(line.startswith((f"{name} is ", f"{name}: ")) for line in lines):
        return True
    if any(q in text for q in (f'"{name}"', f"`{name}`", f"'{name}'")):
        return True
    if "invalid select option" in text or "property" in text:
        for lead in ("property ", "for "):
            at = text.find(lead + name)
            end = at + len(lead + name)
            if at != -1 and (end == len(text) or text[end] in _AFTER_PATH):
                return True
    return False


def _json_body(resp) -> dict | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


_TOO_LARGE_RE = re.compile(
    r"too (large|big|long)|exceed|maximum (body |request |payload )?size|payload|\b\d+ ?kb\b",
    re.IGNORECASE,
)


def _says_too_large(message: str) -> bool:
    """A 400 whose message is about the size of the whole request (not one property)."""
    return bool(message) and "body.properties" not in message and bool(
        _TOO_LARGE_RE.search(message)
    )


def _is_html(resp) -> bool:
    ctype = (resp.headers.get("Content-Type") or "").lower()
    if "html" in ctype:
        return True
    head = (getattr(resp, "text", "") or "")[:200].lstrip().lower()
    return head.startswith(("<!doctype html", "<html"))


def error_from_response(
    resp,
    *,
    secrets: Iterable[str] = (),
    property_names: Iterable[str] | None = None,
) -> NotionError:
    """The NotionError subclass for an unsuccessful `requests.Response`."""
    status = resp.status_code
    body = _json_body(resp) or {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    message = body.get("message") if isinstance(body.get("message"), str) else None
    if code is None and isinstance(body.get("error"), str):  # RFC 6749 shape (OAuth endpoints)
        code = body["error"]
        desc = body.get("error_description")
        message = desc if isinstance(desc, str) else None
    if not message:
        message = _DEFAULT_MESSAGES.get(status) or f"Notion answered HTTP {status}"
    message = redact(message, secrets)
    request_id = body.get("request_id") if isinstance(body.get("request_id"), str) else None
    request_id = request_id or resp.headers.get("x-notion-request-id")
    retry_after = parse_retry_after(resp.headers.get("Retry-After"))

    if not body and _is_html(resp) and (status == 403 or 500 <= status <= 599):
        message = redact(f"Notion's edge blocked the request for a moment (HTTP {status}); "
                         "trying again shortly", secrets)
        return NotionEdgeBlocked(message, status=status, request_id=request_id,
                                 retry_after=retry_after)
    if status == 413 or (status == 400 and _says_too_large(message)):
        return NotionRequestTooLarge(TOO_LARGE_MESSAGE, status=status, code=code,
                                     request_id=request_id, retry_after=retry_after)
    cls = _BY_STATUS.get(status)
    if cls is None:
        if 500 <= status <= 599:
            cls = NotionServerError
        elif 400 <= status <= 499:
            cls = NotionValidationError if status == 422 else NotionError
        else:
            cls = NotionError
    kwargs = {"status": status, "code": code, "request_id": request_id, "retry_after": retry_after}
    if cls is NotionValidationError:
        return cls(message, property_name=property_for(message, property_names), **kwargs)
    return cls(message, **kwargs)
