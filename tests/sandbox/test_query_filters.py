"""The query filters an upsert relies on, refused the way Notion refuses them: a wrong condition
key, a condition that does not fit the property's type, a value of the wrong kind, an `or` of
more than 100 filters, compounds nested too deep; and pagination of a filtered query."""

import pytest


@pytest.fixture
def tasks(seed):
    return seed["databases"]["tasks"]["data_sources"]["tasks"]


def query(api, tasks, body):
    return api.post(f"/v1/data_sources/{tasks}/query", body)


def make(api, tasks, title, **props):
    body = {"parent": {"data_source_id": tasks},
            "properties": {"Name": {"title": [{"text": {"content": title}}]}, **props}}
    resp = api.post("/v1/pages", body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def refused(resp) -> str:
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["object"] == "error" and body["code"] == "validation_error"
    return body["message"]


def test_an_unknown_condition_key_lists_the_ones_notion_knows(api, tasks):
    message = refused(query(api, tasks, {"filter": {"property": "Name",
                                                    "text": {"equals": "x"}}}))
    assert message.startswith("body failed validation. Fix one:\n")
    assert "body.filter.rich_text should be defined, instead was `undefined`." in message
    assert "body.filter.unique_id should be defined" in message


@pytest.mark.parametrize("prop,cond,ptype,key", [
    ("Estimate", {"rich_text": {"equals": "7"}}, "number", "rich_text"),
    ("Name", {"number": {"equals": 7}}, "title", "number"),
    ("Task ID", {"number": {"equals": 7}}, "unique_id", "number"),
    ("Tags", {"select": {"equals": "Bug"}}, "multi_select", "select"),
])
def test_a_condition_must_fit_the_property_type(api, tasks, prop, cond, ptype, key):
    message = refused(query(api, tasks, {"filter": {"property": prop, **cond}}))
    assert message == f"database property {ptype} does not match filter {key}"


def test_the_text_conditions_apply_to_every_text_type(api, tasks):
    page = make(api, tasks, "Texty", Contact={"email": "t@acme.example"})
    for key in ("rich_text", "email", "title"):
        resp = query(api, tasks, {"filter": {"property": "Contact",
                                             key: {"equals": "t@acme.example"}}})
        assert [p["id"] for p in resp.json()["results"]] == [page["id"]]


@pytest.mark.parametrize("cond,path,expected,shown", [
    ({"number": {"equals": "7"}}, "body.filter.number.equals", "a number", '"7"'),
    ({"title": {"equals": 7}}, "body.filter.title.equals", "a string", "7"),
    ({"title": {"is_empty": False}}, "body.filter.title.is_empty", "`true`", "false"),
])
def test_a_value_of_the_wrong_kind_is_named(api, tasks, cond, path, expected, shown):
    prop = "Estimate" if "number" in cond else "Name"
    message = refused(query(api, tasks, {"filter": {"property": prop, **cond}}))
    assert message == f"body failed validation: {path} should be {expected}, instead was " \
        f"`{shown}`."


def test_a_condition_holds_exactly_one_known_operator(api, tasks):
    for cond in ({"equals": "a", "contains": "b"}, {"matches": "a"}, {}):
        message = refused(query(api, tasks, {"filter": {"property": "Name", "title": cond}}))
        assert "Fix one:" in message and "body.filter.title.equals should be defined" in message
    message = refused(query(api, tasks, {"filter": {"property": "Task ID",
                                                    "unique_id": {"contains": 1}}}))
    assert "body.filter.unique_id.equals should be defined" in message


def test_an_unknown_property_is_named(api, tasks):
    message = refused(query(api, tasks, {"filter": {"property": "Nope",
                                                    "title": {"equals": "x"}}}))
    assert message == "Could not find property with name or id: Nope"


def test_an_or_holds_at_most_100_filters(api, tasks):
    make(api, tasks, "Key 42")
    keys = [{"property": "Name", "title": {"equals": f"Key {n}"}} for n in range(100)]
    found = query(api, tasks, {"filter": {"or": keys}})
    assert found.status_code == 200
    assert [p["properties"]["Name"]["title"][0]["plain_text"]
            for p in found.json()["results"]] == ["Key 42"]
    keys.append({"property": "Name", "title": {"equals": "Key 100"}})
    message = refused(query(api, tasks, {"filter": {"or": keys}}))
    assert message == "body failed validation: body.filter.or.length should be ≤ `100`, " \
        "instead was `101`."


def test_a_bad_filter_is_refused_even_when_nothing_would_match(api, seed):
    empty = seed["databases"]["inventory"]["data_sources"]["warehouse_b"]
    refused(query(api, empty, {"filter": {"or": [{"property": "Item",
                                                  "title": {"equals": 3}}]}}))


def test_compounds_nest_two_levels_below_the_top(api, tasks):
    leaf = {"property": "Name", "title": {"equals": "Ship v1"}}
    two = {"or": [{"and": [{"or": [leaf]}]}]}
    assert query(api, tasks, {"filter": two}).status_code == 200
    refused(query(api, tasks, {"filter": {"or": [{"and": [{"or": [{"and": [leaf]}]}]}]}}))
    refused(query(api, tasks, {"filter": {"or": leaf}}))  # not an array
    refused(query(api, tasks, {"filter": {"or": [leaf], "property": "Name"}}))


def test_a_filtered_query_is_paginated_with_cursors(api, tasks):
    made = [make(api, tasks, f"Paged {n}")["id"] for n in range(7)]
    flt = {"or": [{"property": "Name", "title": {"equals": f"Paged {n}"}} for n in range(7)]}
    seen, cursor = [], None
    while True:
        body = {"filter": flt, "page_size": 3, **({"start_cursor": cursor} if cursor else {})}
        page = query(api, tasks, body).json()
        assert page["object"] == "list" and page["type"] == "page_or_data_source"
        assert len(page["results"]) <= 3
        seen += [p["id"] for p in page["results"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(made) and len(seen) == 7
    assert refused(query(api, tasks, {"filter": flt, "page_size": 101})).endswith(
        "body.page_size should be ≤ `100`, instead was `101`.")


def test_text_equality_can_be_switched_to_ignore_case(api, tasks, control):
    page = make(api, tasks, "MiXeD Case")
    flt = {"filter": {"property": "Name", "title": {"equals": "mixed case"}}}
    assert query(api, tasks, flt).json()["results"] == []
    control.settings(text_filters_ignore_case=True)
    assert [p["id"] for p in query(api, tasks, flt).json()["results"]] == [page["id"]]
