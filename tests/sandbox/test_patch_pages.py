"""PATCH /v1/pages/{id} and the equality filters an upsert needs, as Notion documents them:
only the properties sent change (a multi-select is replaced whole), validation is a create's,
the trash and locks are honoured, and a query finds rows by title, text, number, email, URL,
phone or unique id, many keys at once with an `or`."""

import pytest
from notion_client import APIResponseError, Client
from notion_client.errors import UnknownHTTPResponseError


@pytest.fixture
def client(connect, sandbox_url):
    return Client(auth=connect()["access_token"], base_url=sandbox_url, retry=False)


@pytest.fixture
def tasks(seed):
    return seed["databases"]["tasks"]["data_sources"]["tasks"]


def row(client, tasks, title, **props):
    return client.pages.create(parent={"data_source_id": tasks}, properties={
        "Name": {"title": [{"text": {"content": title}}]}, **props})


def test_only_the_properties_sent_change(client, tasks):
    page = row(client, tasks, "Ship it", Estimate={"number": 3},
               Tags={"multi_select": [{"name": "Bug"}, {"name": "Docs"}]})
    updated = client.pages.update(page_id=page["id"], properties={
        "Tags": {"multi_select": [{"name": "Docs"}]}, "Contact": {"email": "ada@acme.example"}})
    props = updated["properties"]
    assert [t["name"] for t in props["Tags"]["multi_select"]] == ["Docs"]  # replaced whole
    assert props["Estimate"]["number"] == 3 and props["Name"]["title"][0]["plain_text"] == \
        "Ship it"
    assert props["Contact"]["email"] == "ada@acme.example"
    again = client.pages.retrieve(page_id=page["id"])
    assert again["properties"]["Contact"]["email"] == "ada@acme.example"
    assert again["last_edited_by"]["id"] == updated["last_edited_by"]["id"]


def test_an_update_is_validated_like_a_create(client, tasks):
    page = row(client, tasks, "Strict")
    for props, where in (({"Estimate": {"number": "three"}}, "Estimate"),
                         ({"No such": {"number": 1}}, "No such"),
                         ({"Task ID": {"unique_id": {"number": 9}}}, "Task ID")):
        with pytest.raises(APIResponseError) as err:
            client.pages.update(page_id=page["id"], properties=props)
        assert err.value.code == "validation_error" and where in str(err.value)


def test_the_trash_and_locks(client, tasks):
    page = row(client, tasks, "Old")
    client.pages.update(page_id=page["id"], in_trash=True)
    found = client.data_sources.query(data_source_id=tasks, filter={
        "property": "Name", "title": {"equals": "Old"}})
    assert found["results"] == []
    with pytest.raises(APIResponseError) as err:
        client.pages.update(page_id=page["id"], properties={"Estimate": {"number": 1}})
    assert "archived" in str(err.value)
    client.pages.update(page_id=page["id"], in_trash=False)
    locked = row(client, tasks, "Locked")
    client.pages.update(page_id=locked["id"], is_locked=True)
    with pytest.raises(APIResponseError) as err:
        client.pages.update(page_id=locked["id"], properties={"Estimate": {"number": 1}})
    assert "locked" in str(err.value)


def test_unknown_body_keys_are_refused(api, seed):
    tasks = seed["databases"]["tasks"]["data_sources"]["tasks"]
    page = api.post("/v1/pages", json={"parent": {"data_source_id": tasks}, "properties": {
        "Name": {"title": [{"text": {"content": "Raw"}}]}}}).json()
    resp = api.call("PATCH", f"/v1/pages/{page['id']}", json={"parent": {"page_id": page["id"]}})
    assert resp.status_code == 400 and "body.parent" in resp.json()["message"]


def test_another_integrations_page_is_not_found(client, tasks, connect, sandbox_url):
    page = row(client, tasks, "Mine")
    other = Client(auth=connect(workspace="globex", user="hedy")["access_token"],
                   base_url=sandbox_url, retry=False)
    with pytest.raises(APIResponseError) as err:
        other.pages.update(page_id=page["id"], properties={})
    assert err.value.status == 404


@pytest.mark.parametrize("prop,value,condition", [
    ("Name", {"title": [{"text": {"content": "Key 7"}}]}, {"title": {"equals": "Key 7"}}),
    ("Notes", {"rich_text": [{"text": {"content": "K-7"}}]}, {"rich_text": {"equals": "K-7"}}),
    ("Estimate", {"number": 7}, {"number": {"equals": 7}}),
    ("Contact", {"email": "k7@acme.example"}, {"email": {"equals": "k7@acme.example"}}),
    ("Link", {"url": "https://e.com/7"}, {"url": {"equals": "https://e.com/7"}}),
    ("Phone", {"phone_number": "+1 555 0107"}, {"phone_number": {"equals": "+1 555 0107"}}),
])
def test_equality_filters_find_a_row_by_its_key(client, tasks, prop, value, condition):
    extra = {} if prop == "Name" else {prop: value}
    wanted = row(client, tasks, "Key 7" if prop == "Name" else "Keyed", **extra)
    row(client, tasks, "Other", **({} if prop == "Name" else {}))
    found = client.data_sources.query(data_source_id=tasks,
                                      filter={"property": prop, **condition})
    assert [p["id"] for p in found["results"]] == [wanted["id"]]


def test_one_query_looks_up_many_keys_with_or(client, tasks):
    made = {n: row(client, tasks, f"Batch {n}")["id"] for n in range(5)}
    unique = client.pages.retrieve(page_id=made[3])["properties"]["Task ID"]["unique_id"]
    keys = [{"property": "Name", "title": {"equals": f"Batch {n}"}} for n in (0, 2, 9)]
    keys.append({"property": "Task ID", "unique_id": {"equals": unique["number"]}})
    found = client.data_sources.query(data_source_id=tasks, filter={"or": keys})
    assert {p["id"] for p in found["results"]} == {made[0], made[2], made[3]}


def test_a_new_row_shows_up_in_queries_only_after_the_index_delay(client, tasks, control):
    control.settings(query_index_delay=30)
    page = row(client, tasks, "Fresh")
    by_title = {"property": "Name", "title": {"equals": "Fresh"}}
    assert client.data_sources.query(data_source_id=tasks, filter=by_title)["results"] == []
    assert client.pages.retrieve(page_id=page["id"])["id"] == page["id"]  # GET finds it
    control.settings(query_index_delay=0)
    assert len(client.data_sources.query(data_source_id=tasks, filter=by_title)["results"]) == 1


def test_an_ambiguous_update_is_made_then_answered_with_a_5xx(client, tasks, control):
    page = row(client, tasks, "Half answered", Estimate={"number": 1})
    control.ambiguous(method="PATCH", status=502)
    with pytest.raises((APIResponseError, UnknownHTTPResponseError)) as err:
        client.pages.update(page_id=page["id"], properties={"Estimate": {"number": 2}})
    assert err.value.status == 502
    assert control.page(page["id"])["properties"]["Estimate"]["number"] == 2  # it was made
    created = row(client, tasks, "Creates are not affected")  # the switch was for one PATCH
    assert created["id"] in {r["id"] for r in control.rows(tasks)}
