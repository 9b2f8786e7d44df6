"""API endpoints: envelopes, search pagination, visibility, queries, page creation."""

import pytest

from .conftest import Api

NOT_SHARED = ('Make sure the relevant pages and databases are shared with your integration '
              '"Notion Rows".')


def test_missing_version_and_bad_token(api):
    resp = api.get("/v1/users/me", version=None)
    assert resp.status_code == 400 and resp.json()["code"] == "missing_version"
    resp = api.get("/v1/users/me", token="ntn_invalid")
    body = resp.json()
    assert resp.status_code == 401
    assert body["code"] == "unauthorized" and body["message"] == "API token is invalid."
    assert body["object"] == "error" and body["status"] == 401
    assert resp.headers["x-notion-request-id"] == body["request_id"]


def test_unknown_url_and_bad_json(api):
    resp = api.get("/v1/nowhere")
    assert resp.status_code == 400 and resp.json()["code"] == "invalid_request_url"
    resp = api.call("POST", "/v1/search", data="{nope")
    assert resp.status_code == 400 and resp.json()["code"] == "invalid_json"
    assert resp.json()["message"] == "Error parsing JSON body."


def test_users_me_is_the_bot_owned_by_the_user(api, connect, seed):
    me = api.get("/v1/users/me").json()
    assert me["type"] == "bot" and me["name"] == "Notion Rows"
    assert me["bot"]["owner"]["type"] == "user"
    assert me["bot"]["owner"]["user"]["id"] == seed["users"]["ada"]["id"]
    assert me["bot"]["workspace_id"] == seed["workspaces"]["acme"]["id"]


def test_users_list_is_paginated(api):
    first = api.get("/v1/users", params={"page_size": 2}).json()
    assert first["type"] == "user" and first["user"] == {} and first["has_more"] is True
    rest = api.get("/v1/users", params={"start_cursor": first["next_cursor"]}).json()
    names = [u["name"] for u in first["results"] + rest["results"]]
    assert "Ada Lovelace" in names and "Notion Rows" in names and "Hedy Lamarr" not in names


def test_search_lists_all_data_sources_over_two_pages(connect, sandbox_url):
    api = Api(sandbox_url, connect(workspace="globex", user="hedy")["access_token"])
    body = {"filter": {"property": "object", "value": "data_source"}}
    first = api.post("/v1/search", body).json()
    assert len(first["results"]) == 100 and first["has_more"] is True
    assert first["type"] == "page_or_data_source"
    second = api.post("/v1/search", {**body, "start_cursor": first["next_cursor"]}).json()
    assert len(second["results"]) == 5 and second["has_more"] is False
    assert second["next_cursor"] is None
    ids = {r["id"] for r in first["results"] + second["results"]}
    assert len(ids) == 105
    stamps = [r["last_edited_time"] for r in first["results"]]
    assert stamps == sorted(stamps, reverse=True)


def test_search_page_size_limit_and_query(api):
    resp = api.post("/v1/search", {"page_size": 101})
    assert resp.status_code == 400 and resp.json()["code"] == "validation_error"
    found = api.post("/v1/search", {"query": "inventory",
                                    "filter": {"property": "object", "value": "data_source"}})
    names = sorted(r["title"][0]["plain_text"] for r in found.json()["results"])
    assert names == ["Warehouse A", "Warehouse B"]  # matched on the database title
    pages = api.post("/v1/search", {"query": "welcome",
                                    "filter": {"property": "object", "value": "page"}}).json()
    assert [r["object"] for r in pages["results"]] == ["page"]


def test_a_token_sees_only_what_its_user_picked(connect, sandbox_url, seed):
    tasks = seed["databases"]["tasks"]
    api = Api(sandbox_url, connect(pages=["tasks"])["access_token"])
    assert api.get(f"/v1/databases/{tasks['id']}").status_code == 200
    assert api.get(f"/v1/pages/{seed['pages']['task_1']}").status_code == 200
    hidden = seed["databases"]["projects"]["id"]
    resp = api.get(f"/v1/databases/{hidden}")
    body = resp.json()
    assert resp.status_code == 404 and body["code"] == "object_not_found"
    assert body["message"] == f"Could not find database with ID: {hidden}. {NOT_SHARED}"
    for path in [f"/v1/pages/{seed['pages']['welcome']}",
                 f"/v1/data_sources/{seed['databases']['projects']['data_sources']['projects']}",
                 f"/v1/pages/{seed['pages']['project_apollo']}"]:
        assert api.get(path).status_code == 404
    found = api.post("/v1/search", {}).json()["results"]
    assert {r["object"] for r in found} == {"page", "data_source"}
    assert all(r["id"] != seed["pages"]["welcome"] for r in found)


def test_other_workspace_is_invisible(api, seed):
    ledger = seed["databases"]["ledger_001"]["id"]
    assert api.get(f"/v1/databases/{ledger}").status_code == 404


def test_ids_with_or_without_dashes(api, seed):
    dbid = seed["databases"]["tasks"]["id"]
    resp = api.get(f"/v1/databases/{dbid.replace('-', '')}")
    assert resp.status_code == 200 and resp.json()["id"] == dbid
    bad = api.get("/v1/databases/not-a-uuid")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"


def test_database_lists_its_data_sources(api, seed):
    inv = seed["databases"]["inventory"]
    body = api.get(f"/v1/databases/{inv['id']}").json()
    assert body["data_sources"] == [
        {"id": inv["data_sources"]["warehouse_a"], "name": "Warehouse A"},
        {"id": inv["data_sources"]["warehouse_b"], "name": "Warehouse B"}]


def test_tasks_schema_covers_every_property_type(api, seed):
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    props = api.get(f"/v1/data_sources/{ds}").json()["properties"]
    types = {p["type"] for p in props.values()}
    assert types == {"title", "rich_text", "number", "select", "multi_select", "status", "date",
                     "checkbox", "url", "email", "phone_number", "people", "relation", "files",
                     "formula", "rollup", "created_time", "created_by", "last_edited_time",
                     "last_edited_by", "unique_id"}
    assert [g["name"] for g in props["Status"]["status"]["groups"]] == [
        "To-do", "In progress", "Complete"]
    formats = {p["number"]["format"] for p in props.values() if p["type"] == "number"}
    assert formats == {"number", "percent", "dollar"}
    assert props["Task ID"]["unique_id"]["prefix"] == "TSK"


def test_awkward_property_names_survive(api, seed):
    ds = seed["databases"]["odd_names"]["data_sources"]["odd_names"]
    names = set(api.get(f"/v1/data_sources/{ds}").json()["properties"])
    assert {"Catégorie", "🔥 Heat", '<b>Bold</b> "quoted"', "Notes "} <= names
    resp = api.post("/v1/pages", {"parent": {"data_source_id": ds}, "properties": {
        "Notes ": {"rich_text": [{"text": {"content": "trailing"}}]},
        "🔥 Heat": {"number": 9}, "Catégorie": {"select": {"name": "Café"}}}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["properties"]["Notes "]["rich_text"][0]["plain_text"] == "trailing"


def test_query_sorts_newest_first_and_paginates(api, seed):
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    body = {"sorts": [{"timestamp": "created_time", "direction": "descending"}], "page_size": 2}
    first = api.post(f"/v1/data_sources/{ds}/query", body).json()
    second = api.post(f"/v1/data_sources/{ds}/query",
                      {**body, "start_cursor": first["next_cursor"]}).json()
    rows = first["results"] + second["results"]
    stamps = [r["created_time"] for r in rows]
    assert len(rows) == 3 and stamps == sorted(stamps, reverse=True) and len(set(stamps)) == 3
    asc = api.post(f"/v1/data_sources/{ds}/query",
                   {"sorts": [{"property": "Name", "direction": "ascending"}]}).json()
    titles = [r["properties"]["Name"]["title"][0]["plain_text"] for r in asc["results"]]
    assert titles == sorted(titles)


@pytest.mark.parametrize(("flt", "expected"), [
    ({"property": "Name", "title": {"equals": "Ship v1"}}, ["Ship v1"]),
    ({"property": "Name", "rich_text": {"contains": "bug"}}, ["Fix login bug"]),
    ({"property": "Status", "status": {"equals": "Done"}}, ["Ship v1"]),
    ({"property": "Priority", "select": {"equals": "High"}}, ["Write the launch post"]),
    ({"property": "Estimate", "number": {"equals": 2}}, ["Fix login bug"]),
    ({"property": "Done", "checkbox": {"equals": True}}, []),
    ({"and": [{"property": "Estimate", "number": {"greater_than": 1}},
              {"property": "Name", "title": {"contains": "Ship"}}]}, ["Ship v1"]),
    ({"timestamp": "created_time", "created_time": {"on_or_after": "2026-07-02T01:00:00Z"}},
     ["Ship v1"]),
])
def test_query_filters(api, seed, flt, expected):
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    resp = api.post(f"/v1/data_sources/{ds}/query", {"filter": flt})
    assert resp.status_code == 200, resp.text
    titles = [r["properties"]["Name"]["title"][0]["plain_text"] for r in resp.json()["results"]]
    assert titles == expected


def test_create_page_by_database_id_needs_a_single_data_source(api, seed):
    tasks = seed["databases"]["tasks"]
    resp = api.post("/v1/pages", {"parent": {"database_id": tasks["id"]}, "properties": {
        "Name": {"title": [{"text": {"content": "via database"}}]}}})
    assert resp.status_code == 200
    assert resp.json()["parent"] == {"type": "data_source_id", "database_id": tasks["id"],
                                     "data_source_id": tasks["data_sources"]["tasks"]}
    resp = api.post("/v1/pages", {"parent": {"database_id": seed["databases"]["inventory"]["id"]},
                                  "properties": {}})
    assert resp.status_code == 400 and resp.json()["code"] == "validation_error"


def test_created_page_is_stored_with_computed_values(api, seed, control):
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    me = api.get("/v1/users/me").json()
    body = {"parent": {"type": "data_source_id", "data_source_id": ds}, "properties": {
        "Name": {"title": [{"text": {"content": "Plan Q3 — review"}}]},
        "Estimate": {"number": 4},
        "Project": {"relation": [{"id": seed["pages"]["project_apollo"]}]}}}
    page = api.post("/v1/pages", body).json()
    props = page["properties"]
    assert props["Score"]["formula"] == {"type": "number", "number": 8}
    assert props["Project count"]["rollup"]["number"] == 1
    assert props["Created by"]["created_by"]["id"] == me["id"]
    assert props["Task ID"]["unique_id"] == {"prefix": "TSK", "number": 4}
    assert props["Status"]["status"]["name"] == "Not started"
    assert page["url"] == "https://www.notion.so/Plan-Q3-review-" + page["id"].replace("-", "")
    assert api.get(f"/v1/pages/{page['id']}").json()["properties"] == props
    second = api.post("/v1/pages", body).json()
    assert second["properties"]["Task ID"]["unique_id"]["number"] == 5
    created = control.pages()
    assert [c["page"]["id"] for c in created] == [page["id"], second["id"]]
    assert created[0]["request_properties"] == body["properties"]
    newest = api.post(f"/v1/data_sources/{ds}/query", {}).json()["results"][0]
    assert newest["id"] in {page["id"], second["id"]}


def test_rows_created_in_the_same_minute_still_sort_newest_first(api, seed):
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    ids = []
    for title in ["first", "second", "third"]:
        ids.append(api.post("/v1/pages", {"parent": {"data_source_id": ds}, "properties": {
            "Name": {"title": [{"text": {"content": title}}]}}}).json()["id"])
    newest = api.post(f"/v1/data_sources/{ds}/query", {
        "sorts": [{"timestamp": "created_time", "direction": "descending"}],
        "page_size": 3}).json()["results"]
    assert [r["id"] for r in newest] == ids[::-1]


def test_date_time_without_offset_reads_back_as_utc(api, seed):
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    page = api.post("/v1/pages", {"parent": {"data_source_id": ds}, "properties": {
        "Due": {"date": {"start": "2026-01-31T10:00:00"}}}}).json()
    assert page["properties"]["Due"]["date"]["start"] == "2026-01-31T10:00:00.000+00:00"
