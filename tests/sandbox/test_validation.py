"""POST /v1/pages rejects what Notion rejects, with a validation_error naming the path."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ADA, HEDY = "ada", "hedy"


def long_text(n):
    return [{"text": {"content": "x" * n}}]


def cases(seed):
    """(properties or full body, fragment expected in the message)."""
    hedy = seed["users"][HEDY]["id"]
    welcome = seed["pages"]["welcome"]
    return [
        ({"Nope": {"rich_text": []}}, "Nope is not a property that exists"),
        ({"Priority": {"rich_text": []}}, "Fix one:\nbody.properties.Priority.select should be "
                                          "defined"),
        ({"Priority": {"type": "rich_text", "select": None}}, "body.properties.Priority.type"),
        ({"Created": {"created_time": "2026-01-01"}}, "body.properties.Created"),
        ({"Score": {"formula": {}}}, "read-only"),
        ({"Task ID": {"unique_id": {}}}, "body.properties.Task ID"),
        ({"Priority": {"select": {"name": 1}}}, "body.properties.Priority.select.name should be"),
        ({"Priority": {"select": {"name": "a,b"}}}, "body.properties.Priority.select.name"),
        ({"Priority": {"select": {"name": "x" * 101}}}, "Priority.select.name.length"),
        ({"Status": {"status": {"name": "Blocked"}}},
         '"Blocked" is an invalid select option for property Status.'),
        ({"Status": {"status": {"id": "nope"}}}, "body.properties.Status.status.id"),
        ({"Tags": {"multi_select": [{"name": f"t{i}"} for i in range(101)]}},
         "body.properties.Tags.multi_select.length"),
        ({"Name": {"title": long_text(2001)}}, "body.properties.Name.title[0].text.content"),
        ({"Notes": {"rich_text": [{"text": {"content": "a"}}] * 101}},
         "body.properties.Notes.rich_text.length"),
        ({"Notes": {"rich_text": [{"text": {"content": "a", "link": {"url": "h" * 2001}}}]}},
         "body.properties.Notes.rich_text[0].text.link.url"),
        ({"Due": {"date": {"start": "31/01/2026"}}}, "body.properties.Due.date.start"),
        ({"Due": {"date": {"start": "2026-02-30"}}}, "body.properties.Due.date.start"),
        ({"Due": {"date": {"start": "2026-01-31T10:00:00+02:00", "time_zone": "Europe/Paris"}}},
         "body.properties.Due.date.start should not have a UTC offset"),
        ({"Due": {"date": {"start": "2026-01-31T10:00:00", "time_zone": "Mars/Olympus"}}},
         "body.properties.Due.date.time_zone"),
        ({"Due": {"date": {"start": "2026-01-31", "end": "soon"}}}, "Due.date.end"),
        ({"Link": {"url": "https://e.com/" + "a" * 2000}}, "body.properties.Link.url.length"),
        ({"Contact": {"email": "a" * 201}}, "body.properties.Contact.email.length"),
        ({"Phone": {"phone_number": "1" * 201}}, "body.properties.Phone.phone_number.length"),
        ({"Estimate": {"number": "12"}}, "body.properties.Estimate.number should be a number"),
        ({"Done": {"checkbox": "yes"}}, "body.properties.Done.checkbox should be a boolean"),
        ({"Assignee": {"people": [{"id": hedy}]}}, "body.properties.Assignee.people[0].id"),
        ({"Assignee": {"people": [{"id": "00000000-0000-0000-0000-000000000000"}]}},
         "body.properties.Assignee.people[0].id"),
        ({"Project": {"relation": [{"id": welcome}]}}, "body.properties.Project.relation[0].id"),
        ({"Attachments": {"files": [{"type": "external", "external": {"url": "https://e.com"}}]}},
         "body.properties.Attachments.files[0].name"),
        ({"Name": {"title": [{"text": {"content": "a"}, "annotations": {"color": "neon"}}]}},
         "body.properties.Name.title[0].annotations.color"),
    ]


@pytest.fixture
def tasks_ds(seed):
    return seed["databases"]["tasks"]["data_sources"]["tasks"]


def test_every_rule_answers_validation_error_naming_the_path(api, seed, tasks_ds, control):
    for props, fragment in cases(seed):
        resp = api.post("/v1/pages", {"parent": {"data_source_id": tasks_ds},
                                      "properties": props})
        body = resp.json()
        assert resp.status_code == 400, (props, body)
        assert body["code"] == "validation_error" and body["object"] == "error"
        assert fragment in body["message"], (fragment, body["message"])
    assert control.pages() == []


@pytest.mark.parametrize(("body", "fragment"), [
    ({"parent": None, "properties": {}}, "body.parent"),
    ({"properties": {}}, "body.parent should be defined"),
    ({"parent": {"data_source_id": "TASKS"}}, "body.properties should be defined"),
    ({"parent": {"data_source_id": "TASKS"}, "properties": {}, "extra": 1},
     "body.extra should be not present"),
    ({"parent": {"data_source_id": "TASKS"}, "properties": []}, "body.properties should be"),
])
def test_body_shape_errors(api, tasks_ds, body, fragment):
    if isinstance(body.get("parent"), dict):
        body["parent"] = {"data_source_id": tasks_ds}
    resp = api.post("/v1/pages", body)
    assert resp.status_code == 400 and resp.json()["code"] == "validation_error"
    assert fragment in resp.json()["message"]


def test_unknown_select_name_creates_an_option_but_status_must_exist(api, tasks_ds):
    resp = api.post("/v1/pages", {"parent": {"data_source_id": tasks_ds}, "properties": {
        "Priority": {"select": {"name": "Urgent"}}, "Tags": {"multi_select": [{"name": "New"}]},
        "Status": {"status": {"name": "In progress"}}}})
    assert resp.status_code == 200, resp.text
    props = resp.json()["properties"]
    assert props["Priority"]["select"]["name"] == "Urgent"
    assert props["Priority"]["select"]["color"] == "default"
    schema = api.get(f"/v1/data_sources/{tasks_ds}").json()["properties"]
    assert "Urgent" in [o["name"] for o in schema["Priority"]["select"]["options"]]
    assert "New" in [o["name"] for o in schema["Tags"]["multi_select"]["options"]]


def test_each_documented_message_shape_in_full(api, seed, control):
    """notion-api.md §5.5: the four shapes, word for word, for property names with spaces,
    dots, brackets and emoji."""
    odd = seed["databases"]["odd_names"]["data_sources"]["odd_names"]

    def message(props):
        resp = api.post("/v1/pages", {"parent": {"data_source_id": odd}, "properties": props})
        assert resp.status_code == 400 and resp.json()["code"] == "validation_error", resp.text
        return resp.json()["message"]

    assert message({"Due date": {"date": {"start": "soon"}}}) == (
        'body failed validation: body.properties.Due date.date.start should be a valid ISO 8601 '
        'date string, instead was `"soon"`.')
    assert message({"v1.2 score": {"number": "12"}}) == (
        'body failed validation. Fix one:\n'
        'body.properties.v1.2 score.number should be a number, instead was `"12"`.\n'
        'body.properties.v1.2 score.number should be `null`, instead was `"12"`.')
    assert message({"🔥 Heat": {"rich_text": []}}) == (
        'body failed validation. Fix one:\n'
        'body.properties.🔥 Heat.number should be defined, instead was `undefined`.\n'
        'body.properties.🔥 Heat.rich_text should be not present, instead was `[]`.')
    assert message({"Due date": {"date": 5}}).startswith(
        "body failed validation. Fix one:\nbody.properties.Due date.date should be an object")
    assert message({"Gone [x]": {"rich_text": []}}) == "Gone [x] is not a property that exists."
    assert message({"Stage (v2.0)": {"status": {"name": "Done"}}}) == (
        '"Done" is an invalid select option for property Stage (v2.0).')
    control.settings(select_new_options=False)
    assert message({"Tags [old]": {"multi_select": [{"name": "new.tag"}]}}) == (
        '"new.tag" is an invalid select option for property Tags [old].')
    assert message({"Catégorie": {"select": {"name": "Thé"}}}) == (
        '"Thé" is an invalid select option for property Catégorie.')
    control.settings(select_new_options=True)
    ok = api.post("/v1/pages", {"parent": {"data_source_id": odd}, "properties": {
        "Catégorie": {"select": {"name": "Thé"}}, "Tags [old]": {"multi_select": [{"name": "a.b"}]},
        "v1.2 score": {"number": None}, "Due date": {"date": None}}})
    assert ok.status_code == 200, ok.text


def test_a_property_edited_in_notion_is_refused_under_its_old_name(api, seed, control):
    odd = seed["databases"]["odd_names"]["data_sources"]["odd_names"]
    control.change_property("odd_names", "🔥 Heat", rename="Heat 🔥")
    control.change_property("odd_names", "Stage (v2.0)", drop_option="Live")
    schema = api.get(f"/v1/data_sources/{odd}").json()["properties"]
    assert "Heat 🔥" in schema and "🔥 Heat" not in schema
    assert [o["name"] for o in schema["Stage (v2.0)"]["status"]["options"]] == ["Draft"]
    resp = api.post("/v1/pages", {"parent": {"data_source_id": odd}, "properties": {
        "🔥 Heat": {"number": 1}}})
    assert resp.json()["message"] == "🔥 Heat is not a property that exists."
    resp = api.post("/v1/pages", {"parent": {"data_source_id": odd}, "properties": {
        schema["Heat 🔥"]["id"]: {"number": 1}, "Stage (v2.0)": {"status": {"name": "Draft"}}}})
    assert resp.status_code == 200, resp.text


def test_limits_are_inclusive(api, tasks_ds):
    resp = api.post("/v1/pages", {"parent": {"data_source_id": tasks_ds}, "properties": {
        "Name": {"title": long_text(2000)},
        "Notes": {"rich_text": [{"text": {"content": "a"}}] * 100},
        "Tags": {"multi_select": [{"name": f"t{i}"} for i in range(100)]},
        "Contact": {"email": "a" * 200}}})
    assert resp.status_code == 200, resp.text[:300]


def test_time_zone_is_folded_into_the_offset(api, tasks_ds):
    resp = api.post("/v1/pages", {"parent": {"data_source_id": tasks_ds}, "properties": {
        "Due": {"date": {"start": "2026-01-31T10:00:00", "time_zone": "America/New_York"}}}})
    assert resp.json()["properties"]["Due"]["date"] == {
        "start": "2026-01-31T10:00:00.000-05:00", "end": None, "time_zone": None}


def test_properties_may_be_keyed_by_id(api, tasks_ds):
    schema = api.get(f"/v1/data_sources/{tasks_ds}").json()["properties"]
    resp = api.post("/v1/pages", {"parent": {"data_source_id": tasks_ds}, "properties": {
        schema["Estimate"]["id"]: {"number": 3}}})
    assert resp.json()["properties"]["Estimate"]["number"] == 3


def test_unshared_parent_is_not_found(connect, sandbox_url, seed):
    from .conftest import Api

    api = Api(sandbox_url, connect(pages=["welcome"])["access_token"])
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    resp = api.post("/v1/pages", {"parent": {"data_source_id": ds}, "properties": {}})
    assert resp.status_code == 404
    assert resp.json()["message"].startswith(f"Could not find data_source with ID: {ds}.")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20),
       pad=st.integers(min_value=1975, max_value=2000))
def test_text_limit_counts_utf16_units_like_notion(api, tasks_ds, extra, pad):
    content = "x" * pad + extra
    resp = api.post("/v1/pages", {"parent": {"data_source_id": tasks_ds}, "properties": {
        "Notes": {"rich_text": [{"text": {"content": content}}]}}})
    units = len(content.encode("utf-16-le")) // 2
    assert resp.status_code == (200 if units <= 2000 else 400), resp.text[:200]
    if units <= 2000:
        assert resp.json()["properties"]["Notes"]["rich_text"][0]["plain_text"] == content


def test_relation_to_an_unshared_page_is_rejected(connect, sandbox_url, seed):
    from .conftest import Api

    api = Api(sandbox_url, connect(pages=["tasks"])["access_token"])
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    resp = api.post("/v1/pages", {"parent": {"data_source_id": ds}, "properties": {
        "Project": {"relation": [{"id": seed["pages"]["project_apollo"]}]}}})
    assert resp.status_code == 400
    # Projects is not shared, so Notion leaves the relation out of the schema altogether.
    assert "Project is not a property that exists" in resp.json()["message"]
