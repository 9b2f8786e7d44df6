"""The sandbox does what real Notion does (issue 11, points 1 and 8): the 500 KB and 1000-block
limits, relations to unshared databases left out, wiki queries, 409 and HTML edge faults."""

import json

import requests

from .conftest import VERSION, Api


def tasks(seed):
    return seed["databases"]["tasks"]["data_sources"]["tasks"]


def raw_post(api, path, data: bytes):
    return requests.post(api.base + path, data=data, timeout=10, headers={
        "Authorization": f"Bearer {api.token}", "Notion-Version": VERSION,
        "Content-Type": "application/json; charset=utf-8"})


def big_row(seed, size: int) -> bytes:
    """A valid create body of about `size` bytes (UTF-8), in 2000-character text items."""
    title, notes = [{"text": {"content": "Big"}}], []
    while True:
        body = {"parent": {"data_source_id": tasks(seed)}, "properties": {
            "Name": {"title": title}, "Notes": {"rich_text": notes}}}
        data = json.dumps(body, ensure_ascii=False).encode()
        if len(data) >= size:
            return data
        (notes if len(notes) < 100 else title).append({"text": {"content": "é" * 2000}})


def test_a_body_over_500_kb_is_refused_with_413_before_anything_is_created(api, control, seed):
    data = big_row(seed, 500_001)
    assert len(data) > 500_000
    resp = raw_post(api, "/v1/pages", data)
    assert resp.status_code == 413
    assert "text/html" in resp.headers["Content-Type"]  # the edge answers, not the API
    assert control.pages() == []


def test_the_400_switch_answers_validation_error_instead(api, control, seed):
    control.settings(oversize_status=400)
    resp = raw_post(api, "/v1/pages", big_row(seed, 500_001))
    assert resp.status_code == 400 and resp.json()["code"] == "validation_error"
    assert "500KB" in resp.json()["message"]
    assert control.pages() == []


def test_a_body_just_under_500_kb_is_accepted(api, control, seed):
    data = big_row(seed, 390_000)
    assert len(data) <= 500_000
    assert raw_post(api, "/v1/pages", data).status_code == 200
    assert len(control.pages()) == 1


def test_more_than_1000_block_elements_are_refused(api, control, seed):
    para = {"type": "paragraph", "paragraph": {"rich_text": []}}
    toggle = {"type": "toggle", "toggle": {"rich_text": [], "children": [para] * 10}}
    body = {"parent": {"data_source_id": tasks(seed)},
            "properties": {"Name": {"title": [{"text": {"content": "Blocks"}}]}},
            "children": [toggle] * 91}
    resp = api.post("/v1/pages", body)
    assert resp.status_code == 400 and "1001 block elements" in resp.json()["message"]
    body["children"] = [toggle] * 90
    assert api.post("/v1/pages", body).status_code == 200


def test_relations_and_rollups_to_unshared_databases_are_left_out(connect, sandbox_url, seed):
    only_tasks = Api(sandbox_url, connect(pages=["tasks"])["access_token"])
    props = only_tasks.get(f"/v1/data_sources/{tasks(seed)}").json()["properties"]
    assert "Project" not in props and "Project count" not in props
    assert "Name" in props and "Assignee" in props
    listed = only_tasks.post("/v1/search", {"filter": {"property": "object",
                                                       "value": "data_source"}}).json()
    assert all("Project" not in ds["properties"] for ds in listed["results"])
    both = Api(sandbox_url, connect(pages=["tasks", "projects"])["access_token"])
    props = both.get(f"/v1/data_sources/{tasks(seed)}").json()["properties"]
    assert props["Project"]["type"] == "relation" and props["Project count"]["type"] == "rollup"


def test_a_wiki_query_lists_data_sources_unless_result_type_is_page(api, seed):
    wiki = seed["databases"]["handbook"]["data_sources"]["handbook"]
    path = f"/v1/data_sources/{wiki}/query"
    mixed = api.post(path, {}).json()["results"]
    assert sorted(r["object"] for r in mixed) == ["data_source", "page", "page"]
    pages = api.post(path, {"result_type": "page"}).json()["results"]
    assert [r["object"] for r in pages] == ["page", "page"]
    sources = api.post(path, {"result_type": "data_source"}).json()["results"]
    assert [r["object"] for r in sources] == ["data_source"]
    assert api.post(path, {"result_type": "block"}).status_code == 400
    plain = seed["databases"]["projects"]["data_sources"]["projects"]
    rows = api.post(f"/v1/data_sources/{plain}/query", {"result_type": "page"}).json()
    assert len(rows["results"]) == 3


def test_409_conflict_can_be_injected(api, control, seed):
    control.fail_next(409, path="/v1/pages", method="POST")
    body = {"parent": {"data_source_id": tasks(seed)},
            "properties": {"Name": {"title": [{"text": {"content": "Row"}}]}}}
    first = api.post("/v1/pages", body)
    assert first.status_code == 409 and first.json()["code"] == "conflict_error"
    assert api.post("/v1/pages", body).status_code == 200
    assert len(control.pages()) == 1


def test_edge_faults_answer_an_html_page(api, control):
    control.fail_next(403, html=True, path="/v1/users/me")
    control.fail_next(502, html=True, path="/v1/users/me")
    for status in (403, 502):
        resp = api.get("/v1/users/me")
        assert resp.status_code == status
        assert resp.headers["Content-Type"].startswith("text/html")
        assert resp.text.lstrip().startswith("<!DOCTYPE html>")
    control.fail_next(403, path="/v1/users/me")
    assert api.get("/v1/users/me").json()["code"] == "restricted_resource"
    assert api.get("/v1/users/me").status_code == 200
