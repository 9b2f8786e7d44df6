"""NotionClient against a faked Notion (`responses`): headers, bodies, retries, pacing, counts."""

import json

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from notion_app.notion.client import NotionClient, check_id
from notion_app.notion.errors import (
    NotionConflict,
    NotionNotFound,
    NotionOutcomeUnknown,
    NotionRateLimited,
    NotionServerError,
    NotionUnauthorized,
    NotionUnavailable,
    NotionValidationError,
)
from notion_app.notion.pacing import MemoryPacer

from .conftest import API, DS, TOKEN


def _error(status, code, message="x"):
    return {"object": "error", "status": status, "code": code, "message": message,
            "request_id": "req-1"}


def test_every_request_carries_bearer_version_json_and_a_timeout(fake, client):
    seen = {}

    def adapter_send(request, **kwargs):
        seen.update(kwargs)
        return original(request, **kwargs)

    fake.get(f"{API}/v1/users/me", json={"object": "user", "id": "b"})
    original = client.session.send
    client.session.send = adapter_send
    assert client.users_me()["id"] == "b"
    headers = fake.calls[0].request.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Notion-Version"] == "2025-09-03"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert seen["timeout"] == (5, 30)
    assert client.calls == 1
    assert TOKEN not in repr(client)


def test_create_page_sends_exactly_parent_and_properties(fake, client):
    fake.post(f"{API}/v1/pages", json={"object": "page", "id": "p1", "url": "u"})
    props = {"Name": {"title": [{"type": "text", "text": {"content": "hi"}}]}}
    assert client.create_page(DS, props)["id"] == "p1"
    assert json.loads(fake.calls[0].request.body) == {
        "parent": {"type": "data_source_id", "data_source_id": DS},
        "properties": props,
    }


def test_ids_are_checked_before_they_reach_a_url(client):
    with pytest.raises(ValueError):
        client.get_data_source("../users/me")
    with pytest.raises(ValueError):
        check_id("393abc1eedcd81799372000bd163e72?")
    assert check_id(DS.replace("-", "")) == DS.replace("-", "")


def test_search_body_and_pagination_costs_ceil_n_over_100(fake, client):
    pages = [
        {"object": "list", "results": [{"id": str(i)} for i in range(100)],
         "next_cursor": "c1", "has_more": True},
        {"object": "list", "results": [{"id": str(i)} for i in range(100, 200)],
         "next_cursor": "c2", "has_more": True},
        {"object": "list", "results": [{"id": "200"}], "next_cursor": None, "has_more": False},
    ]
    for page in pages:
        fake.post(f"{API}/v1/search", json=page)
    results = client.all_data_sources("tasks")
    assert len(results) == 201
    assert client.calls == 3
    bodies = [json.loads(c.request.body) for c in fake.calls]
    assert bodies[0] == {"filter": {"property": "object", "value": "data_source"},
                         "page_size": 100, "query": "tasks"}
    assert bodies[1]["start_cursor"] == "c1" and bodies[2]["start_cursor"] == "c2"


def test_list_users_follows_cursors(fake, client):
    fake.get(f"{API}/v1/users", json={"results": [{"id": "a"}], "next_cursor": "n",
                                      "has_more": True})
    fake.get(f"{API}/v1/users", json={"results": [{"id": "b"}], "next_cursor": None,
                                      "has_more": False})
    assert [u["id"] for u in client.list_users()] == ["a", "b"]
    assert "start_cursor=n" in fake.calls[1].request.url


def test_query_body(fake, client):
    fake.post(f"{API}/v1/data_sources/{DS}/query", json={"results": [], "has_more": False})
    client.query_data_source(DS, sorts=[{"timestamp": "created_time", "direction": "descending"}])
    assert json.loads(fake.calls[0].request.body) == {
        "page_size": 25, "result_type": "page",
        "sorts": [{"timestamp": "created_time", "direction": "descending"}]}


def test_429_with_retry_after_waits_then_succeeds(fake, client, sleeper):
    fake.get(f"{API}/v1/users/me", status=429, json=_error(429, "rate_limited"),
             headers={"Retry-After": "2"})
    fake.get(f"{API}/v1/users/me", json={"id": "b"})
    assert client.users_me() == {"id": "b"}
    assert sleeper.slept == [2.0]
    assert client.calls == 2


def test_429_on_create_page_is_retried_too(fake, client, sleeper):
    fake.post(f"{API}/v1/pages", status=429, json=_error(429, "rate_limited"))
    fake.post(f"{API}/v1/pages", json={"id": "p"})
    assert client.create_page(DS, {})["id"] == "p"
    assert sleeper.slept == [1.0]  # no Retry-After: 1 s


def test_429_beyond_budget_raises_with_retry_after(fake, client, sleeper):
    fake.post(f"{API}/v1/pages", status=429, json=_error(429, "rate_limited"),
              headers={"Retry-After": "30"})
    with pytest.raises(NotionRateLimited) as info:
        client.create_page(DS, {})
    assert info.value.retry_after == 30
    assert client.calls == 1 and sleeper.slept == []


def test_529_is_handled_like_429(fake, client, sleeper):
    fake.get(f"{API}/v1/users/me", status=529, body="<html>overloaded</html>",
             headers={"Retry-After": "1"})
    fake.get(f"{API}/v1/users/me", json={"id": "b"})
    assert client.users_me()["id"] == "b"
    assert sleeper.slept == [1.0]


def test_429s_stop_after_a_few_retries_even_within_budget(fake, sleeper):
    client = NotionClient(TOKEN, sleep=sleeper, max_wait=100)
    fake.get(f"{API}/v1/users/me", status=429, json=_error(429, "rate_limited"),
             headers={"Retry-After": "0"})
    with pytest.raises(NotionRateLimited):
        client.users_me()
    assert client.calls == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_retried_for_reads(fake, client, sleeper, status):
    fake.get(f"{API}/v1/data_sources/{DS}", status=status, json=_error(status, "x"))
    fake.get(f"{API}/v1/data_sources/{DS}", json={"id": DS})
    assert client.get_data_source(DS)["id"] == DS
    assert client.calls == 2
    assert sleeper.slept == [0.5 * 0.75]  # base 0.5 s, jitter factor 0.5 + rand/2


def test_5xx_on_a_read_post_gives_up_after_two_retries(fake, client, sleeper):
    fake.post(f"{API}/v1/search", status=503, json=_error(503, "service_unavailable"))
    with pytest.raises(NotionServerError) as info:
        client.search_data_sources()
    assert info.value.status == 503
    assert client.calls == 3
    assert len(sleeper.slept) == 2 and sleeper.slept[1] == 2 * sleeper.slept[0]


def test_backoff_never_goes_past_max_wait(fake, sleeper):
    client = NotionClient(TOKEN, sleep=sleeper, max_wait=0.1)
    fake.get(f"{API}/v1/users/me", status=502, body="")
    with pytest.raises(NotionServerError):
        client.users_me()
    assert client.calls == 1 and sleeper.slept == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_create_page_5xx_is_outcome_unknown_after_exactly_one_call(fake, client, status):
    fake.post(f"{API}/v1/pages", status=status, json=_error(status, "internal_server_error"))
    with pytest.raises(NotionOutcomeUnknown) as info:
        client.create_page(DS, {})
    assert info.value.status == status
    assert client.calls == 1


def test_create_page_read_timeout_is_outcome_unknown(fake, client):
    fake.post(f"{API}/v1/pages", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(NotionOutcomeUnknown):
        client.create_page(DS, {})
    assert client.calls == 1


def test_create_page_dropped_connection_is_outcome_unknown(fake, client):
    fake.post(f"{API}/v1/pages", body=requests.ConnectionError("Connection aborted."))
    with pytest.raises(NotionOutcomeUnknown):
        client.create_page(DS, {})
    assert client.calls == 1


def test_create_page_connect_failure_is_unavailable_and_safe(fake, client):
    cause = MaxRetryError(None, "/v1/pages", NewConnectionError(None, "refused"))
    fake.post(f"{API}/v1/pages", body=requests.ConnectionError(cause))
    with pytest.raises(NotionUnavailable):
        client.create_page(DS, {})
    fake.post(f"{API}/v1/pages", body=requests.ConnectTimeout("connect timeout"))
    with pytest.raises(NotionUnavailable):
        client.create_page(DS, {})
    assert client.calls == 2


def test_read_timeouts_are_retried_then_unavailable(fake, client, sleeper):
    fake.get(f"{API}/v1/users/me", body=requests.ReadTimeout("slow"))
    with pytest.raises(NotionUnavailable):
        client.users_me()
    assert client.calls == 3


def test_read_timeout_then_success(fake, client):
    fake.get(f"{API}/v1/users/me", body=requests.ReadTimeout("slow"))
    fake.get(f"{API}/v1/users/me", json={"id": "b"})
    assert client.users_me()["id"] == "b"
    assert client.calls == 2


def test_401_raises_at_once_without_the_token_in_the_message(fake, client):
    fake.get(f"{API}/v1/users/me", status=401,
             json=_error(401, "unauthorized", f"API token is invalid. Bearer {TOKEN}"))
    with pytest.raises(NotionUnauthorized) as info:
        client.users_me()
    assert client.calls == 1
    assert TOKEN not in str(info.value) and TOKEN not in info.value.message


def test_409_is_retried_once(fake, client):
    fake.post(f"{API}/v1/pages", status=409, json=_error(409, "conflict_error"))
    with pytest.raises(NotionConflict):
        client.create_page(DS, {})
    assert client.calls == 2


def test_404_and_400_are_not_retried(fake, client):
    fake.get(f"{API}/v1/databases/{DS}", status=404, json=_error(404, "object_not_found"))
    with pytest.raises(NotionNotFound):
        client.get_database(DS)
    fake.post(f"{API}/v1/pages", status=400, json=_error(
        400, "validation_error", "body failed validation: body.properties.Due.date.start should "
        "be a valid ISO 8601 date string"))
    with pytest.raises(NotionValidationError):
        client.create_page(DS, {})
    assert client.calls == 2


def test_a_read_retried_after_an_unreadable_answer_sends_the_same_body(fake, client):
    """An unreadable 2xx on a query is retried; the retry must carry the query again (a bare
    query would list the wrong rows: no filter, no result_type)."""
    url = f"{API}/v1/data_sources/{DS}/query"
    fake.post(url, body="<html>", status=200)
    fake.post(url, json={"results": [], "has_more": False})
    client.query_data_source(DS, filter={"property": "Name", "title": {"equals": "x"}})
    first, retry = (json.loads(c.request.body) for c in fake.calls)
    assert retry == first and retry["filter"]["title"] == {"equals": "x"}


def test_unreadable_200_on_create_is_outcome_unknown(fake, client):
    fake.post(f"{API}/v1/pages", body="<html>", status=200)
    with pytest.raises(NotionOutcomeUnknown):
        client.create_page(DS, {})


def test_pages_created_since_one_query_with_minute_floor_and_title(fake, client):
    page = {"object": "page", "id": "p", "properties": {
        "Name": {"id": "title", "type": "title", "title": [{"plain_text": "Hello"}]}}}
    fake.post(f"{API}/v1/data_sources/{DS}/query", json={"results": [page], "has_more": False})
    found = client.pages_created_since(
        DS, "2026-07-04T09:09:41Z", title_property="Name", title="Hello"
    )
    assert [p["id"] for p in found] == ["p"]
    assert client.calls == 1
    body = json.loads(fake.calls[0].request.body)
    assert body["filter"] == {"and": [
        {"timestamp": "created_time", "created_time": {"on_or_after": "2026-07-04T09:09:00+00:00"}},
        {"property": "Name", "title": {"equals": "Hello"}},
    ]}
    assert body["page_size"] == 100


def test_pages_created_since_follows_cursors_up_to_max_pages(fake, client):
    for n in range(3):
        fake.post(f"{API}/v1/data_sources/{DS}/query", json={
            "results": [{"id": f"p{n}"}], "has_more": True, "next_cursor": f"c{n}"})
    found = client.pages_created_since(DS, "2026-07-04T09:09:41Z", max_pages=2)
    assert [p["id"] for p in found] == ["p0", "p1"]
    assert json.loads(fake.calls[1].request.body)["start_cursor"] == "c0"
    assert client.calls == 2


def test_pages_created_since_untitled_and_long_titles(fake, client):
    fake.post(f"{API}/v1/data_sources/{DS}/query", json={"results": [], "has_more": False})
    fake.post(f"{API}/v1/data_sources/{DS}/query", json={"results": [], "has_more": False})
    assert client.pages_created_since(DS, "2026-07-04T09:09:41Z", title_property="Name") == []
    client.pages_created_since(DS, "2026-07-04T09:09:41Z", title_property="Name", title="t" * 2500)
    untitled, long = (json.loads(c.request.body)["filter"]["and"][1] for c in fake.calls)
    assert untitled["title"] == {"is_empty": True}
    assert long["title"] == {"starts_with": "t" * 2000}


class RecordingPacer:
    def __init__(self, timeout_after=None):
        self.acquired = []
        self.penalties = []

    def acquire(self, key, timeout=None):
        self.acquired.append((key, timeout))
        return 0.0

    def penalize(self, key, seconds):
        self.penalties.append((key, seconds))


def test_pacer_is_asked_before_every_request_and_told_about_429(fake, sleeper):
    pacer = RecordingPacer()
    client = NotionClient(TOKEN, sleep=sleeper, pacer=pacer, pace_key="bot-1")
    fake.get(f"{API}/v1/users/me", status=429, json=_error(429, "rate_limited"),
             headers={"Retry-After": "2"})
    fake.get(f"{API}/v1/users/me", json={"id": "b"})
    client.users_me()
    assert [key for key, _ in pacer.acquired] == ["bot-1", "bot-1"]
    assert pacer.penalties == [("bot-1", 2.0)]


def test_memory_pacer_waits_out_the_penalty_within_budget(fake):
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    pacer = MemoryPacer(rate=2.5, burst=4, clock=lambda: now[0], sleep=sleep)
    client = NotionClient(TOKEN, sleep=sleep, pacer=pacer, pace_key="bot-1")
    fake.get(f"{API}/v1/users/me", status=429, json=_error(429, "rate_limited"),
             headers={"Retry-After": "3"})
    fake.get(f"{API}/v1/users/me", json={"id": "b"})
    client.users_me()
    assert now[0] == pytest.approx(3.0)  # never sent early, never slept twice


def test_pacer_wait_beyond_budget_raises_rate_limited(fake):
    now = [0.0]
    pacer = MemoryPacer(rate=2.5, burst=1, clock=lambda: now[0], sleep=lambda s: None)
    pacer.penalize("bot-1", 60)
    client = NotionClient(TOKEN, pacer=pacer, pace_key="bot-1")
    with pytest.raises(NotionRateLimited) as info:
        client.users_me()
    assert info.value.retry_after == pytest.approx(60)
    assert client.calls == 0


