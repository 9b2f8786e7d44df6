"""Relation cells by the related page's title and people cells by name (issue 17 point 2): the
titles looked up in the related data source in one batched query, a title or a name that
matches nothing or several said at the cell; ids and emails as before. And the options a send
would create, named before sending."""

from __future__ import annotations

import re

from helpers import calls, connect, ds_ids, send_import, start_import

from notion_app.outbox import delivery
from notion_app.sandbox.ids import make_id


def sweep_all(app) -> None:
    with app.app_context():
        while delivery.sweep():
            pass


def errors_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'<td data-label="Row">(\d+)</td><td data-label="Error">([^<]+)</td>',
                           html))


def sent(sandbox, title: str) -> dict:
    return next(p["request_properties"] for p in sandbox.pages()
                if p["request_properties"]["Name"]["title"][0]["text"]["content"] == title)


def test_relation_cells_may_name_the_related_pages_by_title(user_client, app, sandbox):
    connect(user_client, sandbox)
    apollo, gemini = make_id("page", "project", "Apollo"), make_id("page", "project", "Gemini")
    data = 'Name,Project\nT1,Apollo\nT2,"Apollo, Gemini"\nT3,Nope\nT4,' + gemini + "\n"
    preview = start_import(user_client, app, sandbox, data.encode())
    sandbox.clear_requests()
    html = user_client.get(preview).get_data(as_text=True)
    assert errors_of(html) == {"3": "Project: No page is titled “Nope” in Projects."}
    assert calls(sandbox, f"/v1/data_sources/{ds_ids(sandbox)['projects']}/query") == 1
    send_import(user_client, preview)
    sweep_all(app)
    assert sent(sandbox, "T1")["Project"] == {"relation": [{"id": apollo}]}
    assert sent(sandbox, "T2")["Project"] == {"relation": [{"id": apollo}, {"id": gemini}]}
    assert sent(sandbox, "T4")["Project"] == {"relation": [{"id": gemini}]}


def test_a_title_shared_by_two_pages_is_said_at_the_cell(user_client, app, sandbox):
    connect(user_client, sandbox)
    sandbox.create_page_as(ds_ids(sandbox)["projects"],
                           {"Name": {"title": [{"text": {"content": "Apollo"}}]}})
    preview = start_import(user_client, app, sandbox, b"Name,Project\nT1,Apollo\n")
    html = user_client.get(preview).get_data(as_text=True)
    assert errors_of(html) == {"1": "Project: 2 pages are titled “Apollo” in Projects: give "
                                    "that page&#39;s link or id instead."}


def test_people_cells_may_name_a_member(user_client, app, sandbox):
    connect(user_client, sandbox)
    data = ("Name,Assignee\nP1,Grace Hopper\nP2,linus torvalds; ada@acme.example\n"
            "P3,Nobody Here\n")
    preview = start_import(user_client, app, sandbox, data.encode())
    html = user_client.get(preview).get_data(as_text=True)
    assert errors_of(html) == {"3": "Assignee: No workspace member is called “Nobody Here”."}
    send_import(user_client, preview)
    sweep_all(app)
    grace, linus, ada = (make_id("user", k) for k in ("grace", "linus", "ada"))
    assert sent(sandbox, "P1")["Assignee"]["people"] == [{"object": "user", "id": grace}]
    assert [p["id"] for p in sent(sandbox, "P2")["Assignee"]["people"]] == [linus, ada]


def test_the_options_sending_would_create_are_named_before_sending(user_client, app, sandbox):
    connect(user_client, sandbox)
    data = b"Name,Priority,Tags\nA,Urgent,\"Bug, Later\"\nB,High,Later\nC,x,\n"
    preview = start_import(user_client, app, sandbox, data)
    html = user_client.get(preview).get_data(as_text=True)
    assert "New options will be created: Urgent (Priority), Later (Tags), x (Priority)." in html
