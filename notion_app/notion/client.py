"""NotionClient: the few Notion REST calls the app makes, with timeouts, retries and pacing.

Retry policy (Notion's SDKs', tightened for writes):

- 429 and 529, any method: wait `Retry-After` (1 s when absent) if it fits in what is left of
  `max_wait`, else raise `NotionRateLimited` with `retry_after` so the caller can schedule.
  A 429 also calls `pacer.penalize(pace_key, retry_after)` so every caller of that key backs off;
  with a `LayeredPacer` the 429's `additional_data.rate_limit_reason` picks the bucket (the
  connection's, or the workspace's shared by all its connections). A Retry-After longer than
  what is left of `max_wait` (Notion's workspace limit can say more than 60 s) is never slept:
  `NotionRateLimited.retry_after` goes back to the caller, which saves the row with its due time.
- 409 conflict_error: retried once, after a short pause (`conflict_pause`, within `max_wait`).
- A 403 or 5xx with an HTML body is Notion's edge, not Notion's answer: `NotionEdgeBlocked`,
  temporary. A 403 from the edge never reached Notion, so it is retried like a 5xx on a read
  for any method; a 5xx from the edge follows the 5xx rules below.
- 500/502/503/504, connection errors and timeouts: retried (at most `max_retries`, exponential
  backoff with jitter, never past `max_wait`) only for reads: GET, and the read-only POSTs
  /v1/search and /v1/data_sources/{id}/query.
- `create_page` is never retried once it may have reached Notion: a read timeout, a dropped
  connection or any 5xx raises `NotionOutcomeUnknown` (reconcile with `pages_created_since`).
  A connect failure (nothing was sent) raises `NotionUnavailable`, which is safe to retry.
- 401 raises `NotionUnauthorized` at once; refreshing the token is the caller's job.

Bodies are sent as UTF-8 JSON (`body.encode`: no `\\uXXXX` escapes) and measured first: a body
over Notion's 500 KB or 1000 block elements raises `NotionRequestTooLarge` with no call made.

`max_wait` budgets the time this client spends *waiting* (pacer waits, Retry-After and backoff
sleeps) within one method call; it does not include the time requests themselves take, which
`timeout` bounds. `calls` counts HTTP requests actually attempted.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import requests
from urllib3.exceptions import NewConnectionError

from . import body as bodies
from .errors import (
    NotionConflict,
    NotionEdgeBlocked,
    NotionError,
    NotionOutcomeUnknown,
    NotionRateLimited,
    NotionRequestTooLarge,
    NotionServerError,
    NotionUnavailable,
    error_from_response,
    parse_retry_after,
)
from .ids import UUID_RE
from .multipart import MultipartFile, Rewindable
from .pacing import LayeredPacer, PacerTimeout

DEFAULT_BASE_URL = "https://api.notion.com"
DEFAULT_VERSION = "2025-09-03"
_RETRYABLE_5XX = frozenset({500, 502, 503, 504})
# The filters one compound `or` may hold (Notion refuses more).
MAX_OR_CONDITIONS = 100


def check_id(notion_id: str) -> str:
    """`notion_id` if it is a Notion UUID (with or without dashes); ValueError otherwise.

    Ids go into URL paths, so anything else (slashes, dots, query strings) is refused.
    """
    if not isinstance(notion_id, str) or not UUID_RE.match(notion_id):
        raise ValueError("not a Notion id")
    return notion_id


def _nothing_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly never reached the server (connect failure)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
        return isinstance(reason, NewConnectionError)
    return False


def _minute_floor(when: datetime | str) -> str:
    """ISO timestamp floored to the minute: Notion stores created_time to the minute."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(second=0, microsecond=0).isoformat()


class NotionClient:
    """One Notion access token's view of the API."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        version: str = DEFAULT_VERSION,
        timeout: float | tuple[float, float] = (5, 30),
        session: requests.Session | None = None,
        pacer=None,
        pace_key: str | None = None,
        max_wait: float = 5.0,
        max_retries: int = 2,
        max_rate_limit_retries: int = 3,
        backoff_base: float = 0.5,
        conflict_pause: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ):
        if not token:
            raise ValueError("a Notion token is required")
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.timeout = timeout
        self.session = session or requests.Session()
        self.pacer = pacer
        self.pace_key = pace_key or "default"
        self.max_wait = max_wait
        self.max_retries = max_retries
        self.max_rate_limit_retries = max_rate_limit_retries
        self.backoff_base = backoff_base
        self.conflict_pause = conflict_pause
        self._sleep = sleep
        self._rand = rand
        self.calls = 0

    def __repr__(self) -> str:  # never show the token
        return f"<NotionClient {self.base_url} pace_key={self.pace_key!r}>"

    # -- the calls -------------------------------------------------------------------------

    def users_me(self) -> dict:
        return self._request("GET", "/v1/users/me")

    def list_users(self) -> list[dict]:
        """Every user of the workspace (follows cursors)."""
        return list(self._paginate(lambda cursor: self._request(
            "GET", "/v1/users", params={"page_size": 100, **_cursor(cursor)}
        )))

    def search_data_sources(
        self, query: str | None = None, start_cursor: str | None = None, page_size: int = 100
    ) -> dict:
        """One page of shared data sources (a Notion list object)."""
        body: dict = {
            "filter": {"property": "object", "value": "data_source"},
            "page_size": max(1, min(100, page_size)),
        }
        if query:
            body["query"] = query
        if start_cursor:
            body["start_cursor"] = start_cursor
        return self._request("POST", "/v1/search", json=body, read=True)

    def all_data_sources(self, query: str | None = None) -> list[dict]:
        """Every shared data source: ceil(n/100) search calls."""
        return list(self._paginate(
            lambda cursor: self.search_data_sources(query, start_cursor=cursor)
        ))

    def get_database(self, database_id: str) -> dict:
        return self._request("GET", f"/v1/databases/{check_id(database_id)}")

    def get_data_source(self, data_source_id: str) -> dict:
        return self._request("GET", f"/v1/data_sources/{check_id(data_source_id)}")

    def query_data_source(
        self,
        data_source_id: str,
        *,
        sorts: list | None = None,
        filter: dict | None = None,  # noqa: A002 - Notion's own name for it
        start_cursor: str | None = None,
        page_size: int = 25,
    ) -> dict:
        # result_type "page": a wiki data source's query also lists its data sources otherwise;
        # the app only ever wants rows.
        body: dict = {"page_size": max(1, min(100, page_size)), "result_type": "page"}
        if sorts is not None:
            body["sorts"] = sorts
        if filter is not None:
            body["filter"] = filter
        if start_cursor:
            body["start_cursor"] = start_cursor
        path = f"/v1/data_sources/{check_id(data_source_id)}/query"
        return self._request("POST", path, json=body, read=True)

    def list_templates(self, data_source_id: str, name: str | None = None) -> list[dict]:
        """Every page template of a data source ({id, name, is_default}; follows cursors).

        Notion's answer is `{templates, has_more, next_cursor}` (not a `results` list)."""
        path = f"/v1/data_sources/{check_id(data_source_id)}/templates"
        params = {"page_size": 100, **({"name": name} if name else {})}
        return list(self._paginate(
            lambda cursor: self._request("GET", path, params={**params, **_cursor(cursor)}),
            key="templates",
        ))

    def create_page(
        self, data_source_id: str, properties: dict, template: dict | None = None
    ) -> dict:
        """Append one row, with a template applied when `template` is Notion's
        `{"type": "default"}` or `{"type": "template_id", "template_id": ...}` (Notion applies it
        after answering). Never retried once it may have reached Notion."""
        body = bodies.page_body(check_id(data_source_id), properties)
        if template and template.get("type") not in (None, "none"):
            body["template"] = _template_parameter(template)
        return self._request("POST", "/v1/pages", json=body, read=False)

    def get_page(self, page_id: str) -> dict:
        return self._request("GET", f"/v1/pages/{check_id(page_id)}")

    def update_page(self, page_id: str, properties: dict) -> dict:
        """Change only `properties` of a row (a multi-select is set whole). A PATCH is
        idempotent, but it is not repeated once it may have reached Notion: a timeout or a 5xx
        raises `NotionOutcomeUnknown`, and the caller reads the page before sending again."""
        body = {"properties": properties}
        return self._request("PATCH", f"/v1/pages/{check_id(page_id)}", json=body, read=False)

    def pages_matching_any(self, data_source_id: str, conditions: list[dict]) -> list[dict]:
        """Rows matching any of `conditions` (property filters): one query per 100 of them (an
        `or`, Notion's limit), each followed through its cursors. Rows in several answers are
        listed once."""
        found: dict[str, dict] = {}
        for start in range(0, len(conditions), MAX_OR_CONDITIONS):
            chunk = conditions[start:start + MAX_OR_CONDITIONS]
            flt = chunk[0] if len(chunk) == 1 else {"or": chunk}
            for page in self._paginate(lambda cursor, flt=flt: self.query_data_source(
                data_source_id, filter=flt, start_cursor=cursor, page_size=100,
            )):
                found.setdefault(page.get("id"), page)
        return list(found.values())

    # -- file uploads (Notion's File Upload API) --------------------------------------------

    def create_file_upload(
        self, filename: str, content_type: str, number_of_parts: int | None = None,
        external_url: str | None = None,
    ) -> dict:
        """A File Upload object to send bytes to (`single_part`, or `multi_part` with
        `number_of_parts`), or that Notion fills from `external_url` itself. Retried like a
        read: an upload nobody attaches costs nothing and expires by itself, so a second one
        after an unclear answer is harmless."""
        body: dict = {"filename": filename}
        if content_type:  # else Notion goes by the name (or, for a link, what it serves)
            body["content_type"] = content_type
        if number_of_parts is not None:
            body.update(mode="multi_part", number_of_parts=number_of_parts)
        if external_url is not None:
            body.update(mode="external_url", external_url=external_url)
        return self._request("POST", "/v1/file_uploads", json=body, read=True)

    def send_file_upload(
        self, upload_id: str, stream: Rewindable, size: int, filename: str, content_type: str,
        part_number: int | None = None,
    ) -> dict:
        """Send the file (or one part of it): `size` bytes read from `stream` as they are sent,
        as `multipart/form-data`. Not retried once it may have reached Notion: the caller
        retrieves the upload to see whether the bytes arrived."""
        fields = {"part_number": str(part_number)} if part_number is not None else None
        body = MultipartFile("file", filename, content_type, stream, size, fields)
        return self._request("POST", f"/v1/file_uploads/{check_id(upload_id)}/send",
                             read=False, multipart=body)

    def complete_file_upload(self, upload_id: str) -> dict:
        return self._request("POST", f"/v1/file_uploads/{check_id(upload_id)}/complete",
                             read=False)

    def get_file_upload(self, upload_id: str) -> dict:
        return self._request("GET", f"/v1/file_uploads/{check_id(upload_id)}")

    def pages_created_since(
        self,
        data_source_id: str,
        since: datetime | str,
        *,
        title_property: str | None = None,
        title: str | None = None,
        max_pages: int = 3,
    ) -> list[dict]:
        """Rows created at or after `since`, newest first (with the title, when given, as a
        narrowing filter): what reconciling an uncertain create looks through.

        `since` is floored to the minute because Notion's created_time has minute precision.
        At most `max_pages` queries of 100.
        """
        filters: list[dict] = [
            {"timestamp": "created_time", "created_time": {"on_or_after": _minute_floor(since)}}
        ]
        if title_property:
            filters.append(_title_filter(title_property, title or ""))
        pages = self._paginate(
            lambda cursor: self.query_data_source(
                data_source_id, filter={"and": filters}, start_cursor=cursor, page_size=100,
                sorts=[{"timestamp": "created_time", "direction": "descending"}],
            ),
            max_pages=max_pages,
        )
        return list(pages)

    def _paginate(
        self, fetch: Callable[[str | None], dict], max_pages: int | None = None,
        key: str = "results",
    ) -> Iterator[dict]:
        """The items (under `key`) of a Notion list endpoint, page after page (`fetch(cursor)`
        gets one)."""
        cursor, fetched = None, 0
        while max_pages is None or fetched < max_pages:
            page = fetch(cursor)
            fetched += 1
            yield from page.get(key) or []
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                return

    # -- plumbing --------------------------------------------------------------------------

    def _headers(self, content_type: str = "application/json; charset=utf-8") -> dict:
        return {
            "Authorization": f"Bearer {self._token}",
            "Notion-Version": self.version,
            "Content-Type": content_type,
            "Accept": "application/json",
        }

    def _request(
        self, method: str, path: str, *, json=None, params=None, read: bool | None = None,
        multipart: MultipartFile | None = None,
    ) -> dict:
        """One Notion call with the retry policy above; returns the JSON object Notion sent."""
        body = multipart if multipart is not None else None if json is None else _encoded(json)
        headers = self._headers(multipart.content_type) if multipart else self._headers()
        attempt = _Attempt(self, read=method == "GET" if read is None else read)
        while True:
            self._pace(attempt)
            self.calls += 1
            if multipart is not None:
                multipart.rewind()  # a try after a 429 sends the whole body again
            try:
                resp = self.session.request(
                    method, self.base_url + path, headers=headers,
                    data=body, params=params, timeout=self.timeout,
                )
            except requests.RequestException as exc:
                attempt.network_failure(exc)
                continue
            if 200 <= resp.status_code < 300:
                answer = _json_object(resp)
                if answer is not None:
                    return answer
                attempt.unreadable(resp.status_code)
                continue
            attempt.error(resp, error_from_response(resp, secrets=[self._token]))

    def _pace(self, attempt: _Attempt) -> None:
        """Wait for this connection's rate budget (within what is left of `max_wait`)."""
        if self.pacer is None:
            return
        try:  # a LayeredPacer's key is (bot_id, workspace_id): both budgets
            attempt.waited += self.pacer.acquire(self.pace_key, timeout=attempt.budget())
        except PacerTimeout as exc:
            raise NotionRateLimited(
                "Waiting for this connection's Notion rate budget", code="paced",
                retry_after=exc.retry_after,
            ) from None


class _Attempt:
    """The retry bookkeeping of one `_request`: each method either returns (try again) or raises."""

    def __init__(self, client: NotionClient, *, read: bool):
        self.client = client
        self.read = read
        self.waited = 0.0
        self.failures = 0  # 5xx / network failures retried so far
        self.conflicts = 0
        self.rate_limited = 0

    def budget(self) -> float:
        return max(0.0, self.client.max_wait - self.waited)

    def _sleep(self, seconds: float) -> None:
        self.client._sleep(seconds)
        self.waited += seconds

    def backoff_or_raise(self, error: NotionError) -> None:
        c = self.client
        delay = min(60.0, c.backoff_base * 2**self.failures) * (0.5 + c._rand() / 2)
        self.failures += 1
        if self.failures > c.max_retries or delay > self.budget():
            raise error
        self._sleep(delay)

    def network_failure(self, exc: requests.RequestException) -> None:
        kind = "timed out" if isinstance(exc, requests.Timeout) else "failed"
        unavailable = NotionUnavailable(f"The request to Notion {kind}", code=type(exc).__name__)
        if self.read:
            return self.backoff_or_raise(unavailable)
        if _nothing_sent(exc):
            raise unavailable from None  # safe for the caller to send again
        raise NotionOutcomeUnknown(
            f"The request to Notion {kind} after it may have been received",
            code=type(exc).__name__,
        ) from None

    def unreadable(self, status: int) -> None:
        if not self.read:
            raise NotionOutcomeUnknown(
                "Notion accepted the request but its answer was unreadable", status=status
            )
        self.backoff_or_raise(NotionServerError("Notion's answer was unreadable", status=status))

    def error(self, resp: requests.Response, error: NotionError) -> None:
        status = resp.status_code
        if status in (429, 529):
            return self.rate_limit(status, resp, error)
        if status == 409 and isinstance(error, NotionConflict) and self.conflicts == 0:
            self.conflicts += 1
            pause = self.client.conflict_pause * (0.5 + self.client._rand())
            if pause > self.budget():
                raise error
            return self._sleep(pause)
        if isinstance(error, NotionEdgeBlocked) and not error.reached_origin:
            return self.backoff_or_raise(error)
        if status >= 500 and not self.read:
            raise NotionOutcomeUnknown(
                error.message, status=status, code=error.code,
                request_id=error.request_id, retry_after=error.retry_after,
            )
        if status in _RETRYABLE_5XX:
            return self.backoff_or_raise(error)
        raise error  # 401 (refresh is the caller's job), 4xx, other 5xx

    def rate_limit(self, status: int, resp: requests.Response, error: NotionError) -> None:
        c = self.client
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        error.retry_after = 1.0 if retry_after is None else retry_after
        if status == 429 and c.pacer is not None:
            reason = _rate_limit_reason(resp)
            error.rate_limit_reason = reason
            if isinstance(c.pacer, LayeredPacer):  # penalize the bucket the 429 names
                c.pacer.penalize(c.pace_key, error.retry_after, reason)
            else:
                c.pacer.penalize(c.pace_key, error.retry_after)
        self.rate_limited += 1
        if error.retry_after > self.budget() or self.rate_limited > c.max_rate_limit_retries:
            raise error
        if c.pacer is None or status == 529:
            self._sleep(error.retry_after)
        # with a pacer, the next acquire() waits out the penalty


def _encoded(body) -> bytes:
    """The UTF-8 JSON of `body`, or NotionRequestTooLarge (nothing is sent) over the limits."""
    try:
        return bodies.check(body)
    except bodies.RequestTooLarge as exc:
        raise NotionRequestTooLarge(exc.message, code="request_too_large") from None


def _rate_limit_reason(resp: requests.Response) -> str | None:
    """`additional_data.rate_limit_reason` of a 429 body (which limit was hit), if any."""
    extra = (_json_object(resp) or {}).get("additional_data")
    reason = extra.get("rate_limit_reason") if isinstance(extra, dict) else None
    return reason if isinstance(reason, str) else None


def _json_object(resp: requests.Response) -> dict | None:
    try:
        data = resp.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _template_parameter(template: dict) -> dict:
    """Notion's `template` body parameter from what a row stores (which may carry more, such as
    the template's name for the history)."""
    if template["type"] == "template_id":
        return {"type": "template_id", "template_id": check_id(template["template_id"])}
    if template["type"] == "default":
        return {"type": "default"}
    raise ValueError(f"not a template choice: {template['type']!r}")


def _cursor(cursor: str | None) -> dict:
    return {"start_cursor": cursor} if cursor else {}


def _title_filter(title_property: str, title: str) -> dict:
    """Equality on the title (Notion filters take 2000 characters: longer ones by their start)."""
    if len(title) > 2000:
        return {"property": title_property, "title": {"starts_with": title[:2000]}}
    if title:
        return {"property": title_property, "title": {"equals": title}}
    return {"property": title_property, "title": {"is_empty": True}}
