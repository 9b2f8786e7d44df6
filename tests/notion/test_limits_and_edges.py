"""NotionClient and Notion as it really behaves: UTF-8 bodies and the 500 KB / 1000-block limits,
over-size answers (413 or 400), 409 after a pause, HTML pages from Notion's edge, wiki queries."""

import json

import pytest

from notion_app.notion import body as bodies
from notion_app.notion.errors import (
    NotionConflict,
    NotionEdgeBlocked,
    NotionForbidden,
    NotionOutcomeUnknown,
    NotionRequestTooLarge,
    NotionServerError,
)

from .conftest import API, DS

CLOUDFLARE = "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>" \
             "<body>Sorry, you have been blocked</body></html>"


def _text(content: str) -> dict:
    return {"rich_text": bodies_rich(content)}


def bodies_rich(content: str) -> list[dict]:
    from notion_app.notion.properties import rich_text

    return rich_text(content)


# The row: 180,000 Cyrillic characters in one text property.
LONG_CYRILLIC = "Привет" * 30_000  # 180,000 Cyrillic characters


def long_row() -> dict:
    return {"Name": {"title": [{"type": "text", "text": {"content": "Отчёт"}}]},
            "Notes": _text(LONG_CYRILLIC)}


def test_bodies_are_utf8_json_not_unicode_escapes(fake, client):
    fake.post(f"{API}/v1/pages", json={"object": "page", "id": "p1"})
    client.create_page(DS, long_row())
    sent = fake.calls[0].request
    assert sent.headers["Content-Type"] == "application/json; charset=utf-8"
    assert isinstance(sent.body, bytes) and b"\\u04" not in sent.body
    assert "Привет".encode() in sent.body
    assert json.loads(sent.body.decode("utf-8"))["properties"] == long_row()
    escaped = len(json.dumps(bodies.page_body(DS, long_row())).encode())
    assert escaped > 1_000_000  # what `json=` sent: refused by Notion
    assert len(sent.body) < 400_000  # what is sent now: accepted


def test_a_body_over_500_kb_raises_before_any_call(fake, client):
    cjk = {"Name": {"title": [{"type": "text", "text": {"content": "x"}}]},
           "Notes": _text("漢" * 180_000)}  # 540 KB of UTF-8
    with pytest.raises(NotionRequestTooLarge) as info:
        client.create_page(DS, cjk)
    assert client.calls == 0 and len(fake.calls) == 0
    assert "500,000" in info.value.message and info.value.status is None


def test_more_than_1000_block_elements_raise_before_any_call(fake, client):
    paragraph = {"type": "paragraph", "paragraph": {"rich_text": []}}
    nested = [{"type": "toggle", "toggle": {"rich_text": [], "children": [paragraph] * 10}}]
    body = {"children": nested * 91}  # 91 toggles + 910 paragraphs = 1001 blocks
    assert bodies.count_blocks(body) == 1001
    with pytest.raises(NotionRequestTooLarge):
        client._request("POST", "/v1/pages", json=body, read=False)
    assert client.calls == 0
    assert bodies.count_blocks({"children": nested * 90}) == 990


@pytest.mark.parametrize("answer", [
    {"status": 413, "body": "<html><body><h1>413 Request Entity Too Large</h1></body></html>",
     "content_type": "text/html"},
    {"status": 413, "body": ""},
    {"status": 400, "json": {"object": "error", "status": 400, "code": "validation_error",
                             "message": "Request body too large: the maximum size is 500KB."}},
])
def test_notions_over_size_answer_is_a_refusal_not_an_uncertain_create(fake, client, answer):
    fake.post(f"{API}/v1/pages", **answer)
    with pytest.raises(NotionRequestTooLarge) as info:
        client.create_page(DS, {})
    assert not isinstance(info.value, NotionOutcomeUnknown)
    assert client.calls == 1
    assert "too large" in info.value.message


def test_409_is_retried_once_after_a_short_pause(fake, client, sleeper):
    fake.post(f"{API}/v1/pages", status=409, json={
        "object": "error", "status": 409, "code": "conflict_error", "message": "Conflict."})
    fake.post(f"{API}/v1/pages", json={"object": "page", "id": "p1"})
    assert client.create_page(DS, {})["id"] == "p1"
    assert client.calls == 2
    assert sleeper.slept == [0.5]


def test_a_second_409_is_raised(fake, client, sleeper):
    for _ in range(2):
        fake.post(f"{API}/v1/pages", status=409, json={
            "object": "error", "status": 409, "code": "conflict_error", "message": "Conflict."})
    with pytest.raises(NotionConflict):
        client.create_page(DS, {})
    assert client.calls == 2 and len(sleeper.slept) == 1


def test_html_403_from_the_edge_is_retried_not_forbidden(fake, client, sleeper):
    fake.post(f"{API}/v1/pages", status=403, body=CLOUDFLARE, content_type="text/html")
    fake.post(f"{API}/v1/pages", json={"object": "page", "id": "p1"})
    assert client.create_page(DS, {})["id"] == "p1"
    assert client.calls == 2 and len(sleeper.slept) == 1


def test_html_403_that_persists_is_a_temporary_fault(fake, client):
    for _ in range(3):
        fake.get(f"{API}/v1/users/me", status=403, body=CLOUDFLARE, content_type="text/html")
    with pytest.raises(NotionEdgeBlocked) as info:
        client.users_me()
    assert not isinstance(info.value, NotionForbidden)
    assert info.value.retryable and isinstance(info.value, NotionServerError)
    assert "Cloudflare" not in info.value.message


def test_a_json_403_is_still_forbidden(fake, client):
    fake.get(f"{API}/v1/users/me", status=403, json={
        "object": "error", "status": 403, "code": "restricted_resource", "message": "No."})
    with pytest.raises(NotionForbidden):
        client.users_me()
    assert client.calls == 1


def test_html_5xx_on_a_create_stays_an_uncertain_create(fake, client):
    fake.post(f"{API}/v1/pages", status=502, body=CLOUDFLARE, content_type="text/html")
    with pytest.raises(NotionOutcomeUnknown):
        client.create_page(DS, {})
    assert client.calls == 1


def test_html_5xx_on_a_read_is_retried(fake, client, sleeper):
    fake.get(f"{API}/v1/users/me", status=503, body=CLOUDFLARE, content_type="text/html")
    fake.get(f"{API}/v1/users/me", json={"object": "user", "id": "b"})
    assert client.users_me()["id"] == "b"
    assert client.calls == 2


def test_queries_ask_for_pages_only(fake, client):
    fake.post(f"{API}/v1/data_sources/{DS}/query", json={"results": [], "has_more": False})
    client.query_data_source(DS)
    assert json.loads(fake.calls[0].request.body)["result_type"] == "page"
