"""Templates on create (contract §3.10): the templates list, the `template` parameter checked like
Notion, and the template applied after the create has answered."""

import time

import pytest

from .conftest import Api


@pytest.fixture
def tasks(seed):
    return seed["databases"]["tasks"]["data_sources"]["tasks"]


@pytest.fixture
def templates(seed):
    return {key: t["id"] for key, t in seed["templates"].items()}


def row(ds, title, **extra):
    return {"parent": {"data_source_id": ds},
            "properties": {"Name": {"title": [{"text": {"content": title}}]}}, **extra}


def names(page, prop):
    value = page["properties"][prop]
    return [o["name"] for o in value["multi_select"]] if "multi_select" in value else value


def test_templates_are_listed_in_notions_shape_and_paginated(api, tasks, templates):
    body = api.get(f"/v1/data_sources/{tasks}/templates").json()
    assert set(body) == {"templates", "has_more", "next_cursor", "request_id"}
    assert body["templates"] == [
        {"id": templates["bug_report"], "name": "Bug report", "is_default": True},
        {"id": templates["weekly_review"], "name": "Weekly review", "is_default": False},
    ]
    assert body["has_more"] is False and body["next_cursor"] is None
    first = api.get(f"/v1/data_sources/{tasks}/templates", params={"page_size": 1}).json()
    assert first["has_more"] is True and first["next_cursor"] == templates["weekly_review"]
    rest = api.get(f"/v1/data_sources/{tasks}/templates",
                   params={"start_cursor": first["next_cursor"]}).json()
    assert [t["name"] for t in first["templates"] + rest["templates"]] == [
        "Bug report", "Weekly review"]
    found = api.get(f"/v1/data_sources/{tasks}/templates", params={"name": "WEEK"}).json()
    assert [t["name"] for t in found["templates"]] == ["Weekly review"]


def test_templates_list_errors_and_empty_lists(api, seed, tasks, connect, sandbox_url):
    resp = api.get(f"/v1/data_sources/{tasks}/templates", params={"page_size": 101})
    assert resp.status_code == 400 and resp.json()["code"] == "validation_error"
    projects = seed["databases"]["projects"]["data_sources"]["projects"]
    assert api.get(f"/v1/data_sources/{projects}/templates").json()["templates"] == []
    only_projects = Api(sandbox_url, connect(pages=["projects"])["access_token"])
    resp = only_projects.get(f"/v1/data_sources/{tasks}/templates")
    assert resp.status_code == 404 and resp.json()["code"] == "object_not_found"


def test_a_template_is_applied_after_the_create_has_answered(api, control, tasks, templates):
    control.settings(template_delay_ms=60_000)
    body = row(tasks, "Crash on save", template={"type": "template_id",
                                                  "template_id": templates["bug_report"]})
    body["properties"]["Priority"] = {"select": {"name": "Low"}}
    created = api.post("/v1/pages", body)
    assert created.status_code == 200, created.text
    page = created.json()
    assert names(page, "Tags") == [] and page["properties"]["Notes"]["rich_text"] == []
    assert api.get(f"/v1/pages/{page['id']}").json()["properties"]["Tags"]["multi_select"] == []
    assert control.page_content(page["id"])["template_pending"] is True
    assert control.apply_templates()["applied"] == 1
    later = api.get(f"/v1/pages/{page['id']}").json()
    assert names(later, "Tags") == ["Bug"]
    assert later["properties"]["Notes"]["rich_text"][0]["plain_text"].startswith("Steps")
    # What the create itself set stays: the template fills only what it left empty.
    assert later["properties"]["Priority"]["select"]["name"] == "Low"
    assert later["properties"]["Name"]["title"][0]["plain_text"] == "Crash on save"
    content = control.page_content(page["id"])
    assert content["template_applied"] == templates["bug_report"]
    assert content["content"] == ["Steps to reproduce", "Expected", "Actual"]
    assert control.pages()[-1]["template"]["template_id"] == templates["bug_report"]


def test_the_template_lands_a_moment_later_on_its_own(api, control, tasks, templates):
    control.settings(template_delay_ms=200)
    page = api.post("/v1/pages", row(tasks, "Review", template={
        "type": "template_id", "template_id": templates["weekly_review"]})).json()
    assert names(page, "Tags") == []
    deadline = time.monotonic() + 5
    while names(api.get(f"/v1/pages/{page['id']}").json(), "Tags") != ["Docs"]:
        assert time.monotonic() < deadline, "the template was never applied"
        time.sleep(0.05)


def test_default_is_applied_only_when_asked_for(api, control, tasks, templates):
    plain = api.post("/v1/pages", row(tasks, "No template")).json()
    none = api.post("/v1/pages", row(tasks, "None", template={"type": "none"})).json()
    default = api.post("/v1/pages", row(tasks, "Default", template={
        "type": "default", "timezone": "Europe/Paris"})).json()
    control.apply_templates()
    assert names(api.get(f"/v1/pages/{plain['id']}").json(), "Tags") == []
    assert names(api.get(f"/v1/pages/{none['id']}").json(), "Tags") == []
    assert names(api.get(f"/v1/pages/{default['id']}").json(), "Tags") == ["Bug"]
    assert control.page_content(default["id"])["template_applied"] == templates["bug_report"]


@pytest.mark.parametrize("template, extra, says", [
    ({"type": "template_id", "template_id": "0" * 32}, {}, "is not a template of data source"),
    ({"type": "template_id", "template_id": "nope"}, {}, "template_id should be a valid uuid"),
    ({"type": "template_id"}, {}, "template_id should be a valid uuid"),
    ({"type": "copy"}, {}, "body.template.type should be"),
    ({"type": "default", "template_id": "x"}, {}, "body.template.template_id should be not"),
    ({"type": "default", "timezone": "Mars/Olympus"}, {}, "valid IANA time zone"),
    ({"type": "default"}, {"children": []}, "body.children should be not present"),
    ({"type": "default"}, {"markdown": "# Hi"}, "body.markdown should be not present"),
])
def test_bad_template_parameters_are_refused_and_nothing_is_created(
    api, control, tasks, template, extra, says
):
    before = len(control.pages())
    resp = api.post("/v1/pages", row(tasks, "Refused", template=template, **extra))
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "validation_error" and says in resp.json()["message"]
    assert len(control.pages()) == before


def test_a_template_of_another_data_source_or_none_by_default(api, control, seed, templates):
    projects = seed["databases"]["projects"]["data_sources"]["projects"]
    resp = api.post("/v1/pages", row(projects, "Wrong place", template={
        "type": "template_id", "template_id": templates["bug_report"]}))
    assert resp.status_code == 400 and "is not a template of" in resp.json()["message"]
    resp = api.post("/v1/pages", row(projects, "No default", template={"type": "default"}))
    assert resp.status_code == 400 and "has no default template" in resp.json()["message"]
    control.add_template("projects", "Kick-off", is_default=True, values={"Code": "NEW"})
    page = api.post("/v1/pages", row(projects, "Kick", template={"type": "default"})).json()
    control.apply_templates()
    code = api.get(f"/v1/pages/{page['id']}").json()["properties"]["Code"]["rich_text"]
    assert code[0]["plain_text"] == "NEW"


def test_a_template_deleted_before_it_is_applied_leaves_the_page_as_created(
    api, control, tasks, templates
):
    control.settings(template_delay_ms=60_000)
    page = api.post("/v1/pages", row(tasks, "Orphan", template={
        "type": "template_id", "template_id": templates["weekly_review"]})).json()
    assert control.delete_template(templates["weekly_review"])["deleted"] is True
    control.apply_templates()
    assert names(api.get(f"/v1/pages/{page['id']}").json(), "Tags") == []
    listed = api.get(f"/v1/data_sources/{tasks}/templates").json()["templates"]
    assert [t["name"] for t in listed] == ["Bug report"]
