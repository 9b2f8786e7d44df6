"""NotionClient: the few Notion REST calls the app makes, with timeouts, retries and pacing.

Retry policy (Notion's SDKs', tightened for writes):

- 429 and 529, any method: wait `Retry-After` (1 s when absent) if it fits in what is left of
  `max_wait`, else raise `NotionRateLimited` with `retry_after` so the caller can schedule.
  A 429 also calls `pacer.penalize(pace_key, retry_after)` so every caller of that key backs off.
- 409: retried once.
- 500/502/503/504, connection errors and timeouts: retried (at most `max_retries`, exponential
  backoff with jitter, never past `max_wait`) only for reads: GET, and the read-only POSTs
  /v1/search and /v1/data_sources/{id}/query.
- `create_page` is never retried once it may have reached Notion: a read timeout, a dropped
  connection or any 5xx raises `NotionOutcomeUnknown` (reconcile with `find_page_by_title`).
  A connect failure (nothing was sent) raises `NotionUnavailable`, which is safe to retry.
- 401 raises `NotionUnauthorized` at once; refreshing the token is the caller's job.

`max_wait` budgets the time this client spends *waiting* (pacer waits, Retry-After and backoff
sleeps) within one method call; it does not include the time requests themselves take, which
`timeout` bounds. `calls` counts HTTP requests actually attempted.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import requests
from urllib3.exceptions import NewConnectionError

from .errors import (
    NotionConflict,
    NotionError,
    NotionOutcomeUnknown,
    NotionRateLimited,
    NotionServerError,
    NotionUnavailable,
    error_from_response,
    parse_retry_after,
)
from .pacing import PacerTimeout

DEFAULT_BASE_URL = "https://api.notion.com"
DEFAULT_VERSION = "2025-09-03"
_RETRYABLE_5XX = frozenset({500, 502, 503, 504})
_ID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


def check_id(notion_id: str) -> str:
    """`notion_id` if it is a Notion UUID (with or without dashes); ValueError otherwise.

    Ids go into URL paths, so anything else (slashes, dots, query strings) is refused.
    """
    if not isinstance(notion_id, str) or not _ID_RE.match(notion_id):
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
        users: list[dict] = []
        cursor = None
        while True:
            params = {"page_size": 100}
            if cursor:
                params["start_cursor"] = cursor
            page = self._request("GET", "/v1/users", params=params)
            users.extend(page.get("results") or [])
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                return users

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
        results: list[dict] = []
        cursor = None
        while True:
            page = self.search_data_sources(query, start_cursor=cursor)
            results.extend(page.get("results") or [])
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                return results

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
        body: dict = {"page_size": max(1, min(100, page_size))}
        if sorts is not None:
            body["sorts"] = sorts
        if filter is not None:
            body["filter"] = filter
        if start_cursor:
            body["start_cursor"] = start_cursor
        path = f"/v1/data_sources/{check_id(data_source_id)}/query"
        return self._request("POST", path, json=body, read=True)

    def create_page(self, data_source_id: str, properties: dict) -> dict:
        """Append one row. Never retried once it may have reached Notion."""
        body = {
            "parent": {"type": "data_source_id", "data_source_id": check_id(data_source_id)},
            "properties": properties,
        }
        return self._request("POST", "/v1/pages", json=body, read=False)

    def find_page_by_title(
        self,
        data_source_id: str,
        title_property_name: str,
        title: str,
        created_after: datetime | str | None = None,
        exclude_ids: frozenset[str] = frozenset(),
    ) -> dict | None:
        """The newest row whose title equals `title` (created at or after `created_after`).

        Rows in `exclude_ids` (dashless, lower case) are already accounted for elsewhere.

        One query, for reconciling a create whose outcome is unknown. `created_after` is floored
        to the minute because Notion's created_time has minute precision.
        """
        if len(title) > 2000:  # match on the start, then compare the whole title below
            title_filter = {"property": title_property_name, "title": {"starts_with": title[:2000]}}
        elif title:
            title_filter = {"property": title_property_name, "title": {"equals": title}}
        else:
            title_filter = {"property": title_property_name, "title": {"is_empty": True}}
        filters = [title_filter]
        if created_after is not None:
            filters.append(
                {"timestamp": "created_time",
                 "created_time": {"on_or_after": _minute_floor(created_after)}}
            )
        page = self.query_data_source(
            data_source_id,
            filter={"and": filters},
            sorts=[{"timestamp": "created_time", "direction": "descending"}],
            page_size=10,
        )
        for result in page.get("results") or []:
            if result.get("id", "").replace("-", "").lower() in exclude_ids:
                continue
            if len(title) <= 2000 or _page_title(result) == title:
                return result
        return None

    # -- plumbing --------------------------------------------------------------------------

    def _headers(self) -> dict:
        return {
            "Authorization": f"Bearer {self._token}",
            "Notion-Version": self.version,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def _request(
        self, method: str, path: str, *, json=None, params=None, read: bool | None = None
    ) -> dict:
        if read is None:
            read = method == "GET"
        url = self.base_url + path
        waited = 0.0
        failures = 0  # 5xx / network failures retried so far
        conflicts = 0
        rate_limited = 0

        def budget() -> float:
            return max(0.0, self.max_wait - waited)

        def backoff_or_raise(error: NotionError) -> None:
            nonlocal waited, failures
            delay = min(60.0, self.backoff_base * 2**failures) * (0.5 + self._rand() / 2)
            failures += 1
            if failures > self.max_retries or delay > budget():
                raise error
            self._sleep(delay)
            waited += delay

        while True:
            if self.pacer is not None:
                try:
                    waited += self.pacer.acquire(self.pace_key, timeout=budget())
                except PacerTimeout as exc:
                    raise NotionRateLimited(
                        "Waiting for this connection's Notion rate budget",
                        code="paced",
                        retry_after=exc.retry_after,
                    ) from None
            self.calls += 1
            try:
                resp = self.session.request(
                    method, url, headers=self._headers(), json=json, params=params,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "failed"
                unavailable = NotionUnavailable(
                    f"The request to Notion {kind}", code=type(exc).__name__
                )
                if not read:
                    if _nothing_sent(exc):
                        raise unavailable from None  # safe for the caller to send again
                    raise NotionOutcomeUnknown(
                        f"The request to Notion {kind} after it may have been received",
                        code=type(exc).__name__,
                    ) from None
                backoff_or_raise(unavailable)
                continue

            status = resp.status_code
            if 200 <= status < 300:
                try:
                    data = resp.json()
                except ValueError:
                    data = None
                if isinstance(data, dict):
                    return data
                if not read:
                    raise NotionOutcomeUnknown(
                        "Notion accepted the request but its answer was unreadable", status=status
                    )
                backoff_or_raise(
                    NotionServerError("Notion's answer was unreadable", status=status)
                )
                continue

            error = error_from_response(resp, secrets=[self._token])
            if status in (429, 529):
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if retry_after is None:
                    retry_after = 1.0
                error.retry_after = retry_after
                if status == 429 and self.pacer is not None:
                    self.pacer.penalize(self.pace_key, retry_after)
                rate_limited += 1
                if retry_after > budget() or rate_limited > self.max_rate_limit_retries:
                    raise error
                if self.pacer is None or status == 529:
                    self._sleep(retry_after)
                    waited += retry_after
                # with a pacer, the next acquire() waits out the penalty
                continue
            if status == 409 and isinstance(error, NotionConflict) and conflicts == 0:
                conflicts += 1
                continue
            if status >= 500:
                if not read:
                    raise NotionOutcomeUnknown(
                        error.message, status=status, code=error.code,
                        request_id=error.request_id, retry_after=error.retry_after,
                    )
                if status in _RETRYABLE_5XX:
                    backoff_or_raise(error)
                    continue
            raise error  # 401 (refresh is the caller's job), 4xx, other 5xx, exhausted retries


def _page_title(page: dict) -> str:
    for value in (page.get("properties") or {}).values():
        if isinstance(value, dict) and value.get("type") == "title":
            return "".join(
                item.get("plain_text") or (item.get("text") or {}).get("content", "")
                for item in value.get("title") or []
                if isinstance(item, dict)
            )
    return ""
