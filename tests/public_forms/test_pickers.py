"""People and relation pickers in public forms (issue 15 point 2): off by default; enabled by the
owner after a warning that visitors see member names and page titles; then a plain <select>
(no JavaScript) of the listed people / related pages, and a chosen id is checked against that
list on the server."""

from __future__ import annotations

from helpers import calls, key, logout

from notion_app.outbox import delivery
from notion_app.sandbox.seed import prop_id
from public_forms.support import browser_fields, form_rows, new_form, public_id, save, send

WARNING = "anyone with the link will see the names of your workspace's members"


def deliver(app) -> None:
    with app.app_context():
        while delivery.sweep():
            pass


def plain(some_id: str) -> str:
    return some_id.replace("-", "")


def test_pickers_are_off_by_default(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert WARNING in html
    assert f'name="add" value="{prop_id("tasks", "Assignee")}"' not in html
    assert f'name="add" value="{prop_id("tasks", "Project")}"' not in html
    # Adding one anyway (a forged button) changes nothing.
    save(client, form_id, add=prop_id("tasks", "Assignee"))
    save(client, form_id, {"is_open": "on"})
    logout(client)
    page = client.get(f"/f/{public_id(app, form_id)}").get_data(as_text=True)
    assert key("Assignee") not in page and "Grace Hopper" not in page


def enabled(client, app, sandbox, switch: str, prop: str) -> int:
    form_id = new_form(client, app, sandbox)
    assert save(client, form_id, {switch: "on", "is_open": "on"}).status_code == 302
    assert save(client, form_id, add=prop_id("tasks", prop)).status_code == 302
    return form_id


def test_a_visitor_picks_a_workspace_member_from_a_plain_select(client, app, sandbox):
    grace = sandbox.seed()["users"]["grace"]["id"]
    form_id = enabled(client, app, sandbox, "offer_people", "Assignee")
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    sandbox.clear_requests()
    html = client.get(path).get_data(as_text=True)
    assert calls(sandbox) == 0  # the list is the form's own, no Notion call for a visitor
    assert f'<select id="{key("Assignee")}" name="{key("Assignee")}"' in html
    assert "Grace Hopper" in html and "Ada Lovelace" in html
    values = {plain(v) for v in browser_fields(html.replace(" selected", ""), "/f/")
              .get(key("Assignee"), [])}
    assert values == {""}  # "Choose…" first: nobody is picked for the visitor
    resp = send(client, path, {key("Name"): "For Grace", key("Assignee"): _option(html, "Grace")})
    assert resp.status_code == 303
    deliver(app)
    [page] = sandbox.pages()
    [person] = page["request_properties"]["Assignee"]["people"]
    assert plain(person["id"]) == plain(grace)


def test_an_id_that_was_not_offered_is_refused_at_the_field(client, app, sandbox):
    form_id = enabled(client, app, sandbox, "offer_people", "Assignee")
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    resp = send(client, path, {key("Name"): "Kept", key("Assignee"): "a" * 32})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Choose one of the listed options." in html and 'value="Kept"' in html
    assert form_rows(app) == []


def test_a_visitor_picks_a_related_page(client, app, sandbox):
    apollo = sandbox.seed()["pages"]["project_apollo"]
    form_id = enabled(client, app, sandbox, "offer_relations", "Project")
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    html = client.get(path).get_data(as_text=True)
    assert "Apollo" in html and "Gemini" in html
    resp = send(client, path, {key("Name"): "Part of Apollo",
                               key("Project"): _option(html, "Apollo")})
    assert resp.status_code == 303
    deliver(app)
    [page] = sandbox.pages()
    [related] = page["request_properties"]["Project"]["relation"]
    assert plain(related["id"]) == plain(apollo)


def test_switching_a_picker_off_takes_it_out_of_the_form(client, app, sandbox):
    form_id = enabled(client, app, sandbox, "offer_people", "Assignee")
    assert save(client, form_id, drop=("offer_people",)).status_code == 302
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert f'id="{key("Assignee")}-label"' not in html
    assert "Removed in Notion" not in html
    logout(client)
    assert "Grace Hopper" not in client.get(f"/f/{public_id(app, form_id)}").get_data(
        as_text=True)


def _option(html: str, label: str) -> str:
    import re

    return re.search(r'<option value="([^"]+)"[^>]*>' + label, html).group(1)
