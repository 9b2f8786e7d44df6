"""The row form's shape (issue 12 point 2): a group's name is its legend, the title comes first
and is the one field marked required, the owner's field order is kept per data source, people
and pages are picked in a combobox, and the success message names the row."""

from __future__ import annotations

import re
from html import unescape

from helpers import calls, conn_id, connect, csrf_from, ds_ids, ds_url, key, page_form, signup

from notion_app.data_sources import field_order
from notion_app.notion.properties import Field
from notion_app.sandbox.seed import prop_id

# The title first, then the properties in the order Notion lists them (by name).
TASKS_IN_NOTION = ["Name", "Assignee", "Attachments", "Budget", "Contact", "Done", "Due",
                   "Estimate", "Link", "Notes", "Phone", "Priority", "Progress", "Project",
                   "Status", "Tags"]


def form_of(html: str) -> str:
    return html.split('<section class="row-form"')[1].split("</section>")[0]


def field_names(html: str) -> list[str]:
    """The names of the row form's fields, in the order the page shows them."""
    names = re.findall(r'<div class="property property-[a-z_]+">\s*(?:<fieldset[^>]*>\s*<legend>'
                       r'([^<]*)</legend>|<label for="[^"]+"(?: class="check")?>(?:<input[^>]*> )?'
                       r'([^<]*?)</label>)', form_of(html))
    return [unescape(legend or label) for legend, label in names]


def fieldset(html: str, name: str) -> str:
    return form_of(html).split(f"<legend>{name}</legend>")[1].split("</fieldset>")[0]


def test_a_group_is_named_by_its_legend_and_each_checkbox_by_its_option(
    app, user_client, sandbox
):
    connect(user_client, sandbox)
    html = user_client.get(ds_url(app, sandbox, "tasks")).get_data(as_text=True)
    form = form_of(html)
    assert "<legend>Tags</legend>" in form
    assert not re.search(r"<legend>[^/]*<label", form)  # no label inside any legend
    tags = fieldset(html, "Tags")
    checks = re.findall(r'<label class="check"><input type="checkbox" ([^>]*)> ([^<]*)</label>',
                        tags)
    assert [text for _, text in checks] == ["Bug", "Feature", "Docs"]  # "Bug", not "Tags Bug"
    assert all(f'name="{key("Tags")}"' in attrs and " id=" not in attrs for attrs, _ in checks)
    # the other groups too: their parts have their own labels
    assert '<label class="sub" for="' + key("Due") + '">Date</label>' in fieldset(html, "Due")
    assert f'<label class="sub" for="{key("Priority")}">Choose an option</label>' in form


def test_an_error_in_a_group_is_tied_to_the_group(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): "Late", key("Due"): "not a date"}
    resp = user_client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'value="Late"' in html
    error_id = key("Due") + "-error"
    assert re.search(rf'<fieldset aria-invalid="true" aria-describedby="{error_id}">\s*'
                     r"<legend>Due</legend>", html)
    assert f'<small id="{error_id}" class="field-error">' in html


def test_the_title_comes_first_and_is_the_only_field_marked_required(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    html = user_client.get(url).get_data(as_text=True)
    assert field_names(html) == TASKS_IN_NOTION
    form = form_of(html)
    assert form.count("(required)") == 1 and form.count("aria-required") == 1
    # seen on the label; heard from the input's required state (not read twice)
    assert re.search(rf'<label for="{key("Name")}">Name</label> <span class="required" aria-hidden='
                     rf'"true">\(required\)</span>\s*<input type="text" id="{key("Name")}" '
                     r'name="[^"]+" required aria-required="true"', form)
    # ... because it is the one the app refuses a row without
    resp = user_client.post(url, data=page_form(user_client, url) | {key("Notes"): "no title"})
    assert resp.status_code == 400 and "This field is required." in resp.get_data(as_text=True)


def _order(app, sandbox, ds: str, names: list[str], extra: tuple[str, ...] = ()):
    from notion_app.extensions import db
    from notion_app.models import NotionConnection

    with app.app_context():
        conn = db.session.get(NotionConnection, conn_id(app))
        ids = ["title" if n == "Name" else prop_id(ds, n) for n in names]
        field_order.save(conn, ds_ids(sandbox)[ds], [*ids, *extra])


def test_the_saved_order_is_applied_new_properties_last_removed_ones_dropped(
    app, user_client, sandbox
):
    connect(user_client, sandbox)
    # saved before "Notes" and the rest existed, and with a property Notion has removed since
    _order(app, sandbox, "tasks", ["Status", "Tags", "Name"], extra=("gone-from-notion",))
    html = user_client.get(ds_url(app, sandbox, "tasks")).get_data(as_text=True)
    rest = [n for n in TASKS_IN_NOTION if n not in ("Status", "Tags", "Name")]
    assert field_names(html) == ["Status", "Tags", "Name", *rest]
    # the order belongs to that data source only
    projects = user_client.get(ds_url(app, sandbox, "projects")).get_data(as_text=True)
    assert field_names(projects)[0] == "Name"


def test_ordered_keeps_the_title_first_unless_the_owner_moved_it():
    def field(pid: str, ptype: str = "rich_text") -> Field:
        return Field(name=pid.upper(), id=pid, type=ptype, key=f"p-{pid}", writable=True)

    a, b, c, title = field("a"), field("b"), field("c"), field("t", "title")
    in_notion = [a, title, b, c]
    assert field_order.ordered(in_notion, None) == [title, a, b, c]
    assert field_order.ordered(in_notion, ["c", "a"]) == [title, c, a, b]
    assert field_order.ordered(in_notion, ["b", "t", "x", "b"]) == [b, title, a, c]


def _move(client, url: str, how: str, name: str, **kw):
    html = client.get(url).get_data(as_text=True)
    pid = "title" if name == "Name" else prop_id("tasks", name)
    return client.post(f"{url}/field-order", data={"csrf_token": csrf_from(html),
                                                   "move": f"{how}:{pid}", **kw})


def test_the_owner_moves_a_field_and_the_form_follows(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    html = user_client.get(url).get_data(as_text=True)
    assert 'name="move" value="up:title" disabled' in html  # already first
    assert re.search(r"Move down<span class=\"visually-hidden\"> Tags</span>", html)
    resp = _move(user_client, url, "up", "Tags")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#field-order")
    page = user_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Moved “Tags” up." in page and "<details class=\"details\" id=\"details\" open>" in page
    # the button just pressed has the focus again, to press it again from the keyboard
    focused = re.findall(r'value="([a-z]+:[^"]+)" autofocus>', page)
    assert focused == [f'up:{prop_id("tasks", "Tags")}']
    names = field_names(page)
    assert names[-2:] == ["Tags", "Status"]
    resp = _move(user_client, url, "down", "Name")
    page = user_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert re.findall(r'value="([a-z]+:[^"]+)" autofocus>', page) == ["down:title"]
    resp = _move(user_client, url, "up", "Name")  # back at the top: its Move down has the focus
    page = user_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert re.findall(r'value="([a-z]+:[^"]+)" autofocus>', page) == ["down:title"]
    _move(user_client, url, "down", "Name")
    assert field_names(user_client.get(url).get_data(as_text=True))[:2] == ["Assignee", "Name"]
    # an unknown property or direction is refused, the order untouched
    assert _move(user_client, url, "sideways", "Tags").status_code == 400
    html = user_client.get(url).get_data(as_text=True)
    assert user_client.post(f"{url}/field-order", data={
        "csrf_token": csrf_from(html), "move": "up:not-a-property"}).status_code == 400
    assert field_names(user_client.get(url).get_data(as_text=True))[:2] == ["Assignee", "Name"]


def test_moving_a_field_needs_the_csrf_token_and_the_owner(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    pid = prop_id("tasks", "Tags")
    assert user_client.post(f"{url}/field-order", data={"move": f"up:{pid}"}).status_code == 400
    other = app.test_client()
    signup(other, "eve@example.com")
    token = csrf_from(other.get("/connections").get_data(as_text=True))
    resp = other.post(f"{url}/field-order", data={"csrf_token": token, "move": f"up:{pid}"})
    assert resp.status_code == 404
    assert field_names(user_client.get(url).get_data(as_text=True)) == TASKS_IN_NOTION


def test_people_and_pages_are_comboboxes_that_cost_nothing_until_focused(
    app, user_client, sandbox
):
    connect(user_client, sandbox)
    user_client.get(f"/connections/{conn_id(app)}/databases")
    url = ds_url(app, sandbox, "tasks")
    sandbox.clear_requests()
    html = user_client.get(url).get_data(as_text=True)
    # schema, templates, latest rows and the workspace's file size limit: no people, no pages
    assert calls(sandbox) == 4
    assert [r["path"] for r in sandbox.requests(path="/v1/users")] == ["/v1/users/me"]
    for name, what in (("Assignee", "a person"), ("Project", "a page")):
        group = fieldset(html, name)
        find = key(name) + "-find"
        assert re.search(rf'<label class="sub" id="{find}-label" for="{find}">Find {what}', group)
        assert re.search(rf'<input type="text" id="{find}" role="combobox" aria-autocomplete='
                         rf'"list" aria-expanded="false" aria-controls="{key(name)}-listbox"',
                         group)
        assert f'role="listbox" id="{key(name)}-listbox"' in group
        assert "data-choices-url=" in group and "Show the" not in group
        # the combobox has no name: only the chosen checkboxes are sent
        assert not re.search(rf'id="{find}"[^>]* name=', group)


def test_the_success_message_names_the_row(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    resp = user_client.post(url, data=page_form(user_client, url) | {key("Name"): "Buy milk"})
    html = user_client.get(resp.headers["Location"]).get_data(as_text=True)
    link = sandbox.pages()[-1]["page"]["url"]
    assert f'Row added to Tasks: “Buy milk” — <a href="{link}">Open in Notion</a>' in html
