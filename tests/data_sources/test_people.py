"""People fields when Notion will not list the workspace's people (issue 11 point 6, contract
§5.5): GET /v1/users is a 403 without the user-information capability and never lists guests.
Ids are accepted by shape, emails are looked up when the list is available, and the form says
what it cannot offer."""

from __future__ import annotations

import re
from html import unescape

from helpers import calls, connect, ds_url, key, page_form, start_import

NOT_LISTABLE = ("This integration may not list the workspace's people: paste a person's id or "
                "ask the owner to enable the capability")


def _sent_people(sandbox):
    return [p["id"] for p in sandbox.pages()[-1]["request_properties"]["Assignee"]["people"]]


def test_without_the_capability_ids_still_work_and_the_form_says_why(app, user_client, sandbox):
    sandbox.settings(users_forbidden=True)
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    grace = sandbox.seed()["users"]["grace"]["id"]
    user_client.get(url)
    sandbox.clear_requests()
    choices = user_client.get(f"{url}/choices/{key('Assignee')}")
    assert choices.status_code == 200 and choices.get_json()["items"] == []
    assert "may not list the workspace's people" in choices.get_json()["message"]
    html = unescape(user_client.get(url, query_string={"load": key("Assignee")}).get_data(
        as_text=True))
    assert NOT_LISTABLE in html and f'name="{key("Assignee")}-new"' in html
    assert calls(sandbox, "/v1/users") == 1  # the refusal is cached like a list
    # an id is accepted by its shape and sent
    data = page_form(user_client, url) | {key("Name"): "By id", key("Assignee") + "-new": grace}
    sandbox.clear_requests()
    assert user_client.post(url, data=data).status_code == 302
    assert _sent_people(sandbox) == [grace]
    # an email cannot be looked up: said at the field, nothing typed lost, no call
    data = page_form(user_client, url) | {key("Name"): "By email",
                                          key("Assignee") + "-new": "grace@acme.example"}
    sandbox.clear_requests()
    resp = user_client.post(url, data=data)
    html = unescape(resp.get_data(as_text=True))
    assert resp.status_code == 400 and calls(sandbox) == 0
    assert "cannot be looked up by email" in html and NOT_LISTABLE in html
    assert 'value="grace@acme.example"' in html and 'value="By email"' in html


def test_guests_are_not_listed_but_their_ids_are_accepted(app, user_client, sandbox):
    guest = sandbox.add_people("acme", 1, prefix="guest", guest=True)[0]
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    grace = sandbox.seed()["users"]["grace"]["id"]
    listed = user_client.get(f"{url}/choices/{key('Assignee')}").get_json()["items"]
    assert grace in {i["id"] for i in listed} and guest["id"] not in {i["id"] for i in listed}
    # the list is cached now: still, an id missing from it (a guest) is sent
    data = page_form(user_client, url) | {
        key("Name"): "Guest and member",
        key("Assignee"): grace, key("Assignee") + "-new": guest["id"].replace("-", ""),
    }
    assert user_client.post(url, data=data).status_code == 302
    assert _sent_people(sandbox) == [grace, guest["id"]]
    # an email of a listed member resolves to their id; a guest's email cannot
    data = page_form(user_client, url) | {key("Name"): "Email",
                                          key("Assignee") + "-new": "Grace@Acme.example"}
    assert user_client.post(url, data=data).status_code == 302
    assert _sent_people(sandbox) == [grace]
    data = page_form(user_client, url) | {key("Name"): "Guest email",
                                          key("Assignee") + "-new": guest["email"]}
    resp = user_client.post(url, data=data)
    assert resp.status_code == 400 and "Guests are not listed" in resp.get_data(as_text=True)


def test_the_refilled_form_keeps_unlisted_people(app, user_client, sandbox):
    guest = sandbox.add_people("acme", 1, prefix="guest", guest=True)[0]
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    user_client.get(f"{url}/choices/{key('Assignee')}")
    missing = "00000000-0000-4000-8000-000000000000"
    data = page_form(user_client, url) | {key("Name"): "Refused", key("Project"): missing,
                                          key("Assignee") + "-new": guest["id"]}
    resp = user_client.post(url, data=data)
    html = user_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'value="{guest["id"]}" checked> Person {guest["id"]}', html)


CSV = "Name,Assignee\nBy id,{grace}\nBy email,grace@acme.example\n"


def _preview_rows(user_client, app, sandbox, data):
    preview = start_import(user_client, app, sandbox, data.encode())
    return user_client.get(preview).get_data(as_text=True)


def test_csv_people_by_id_and_by_email(app, user_client, sandbox):
    guest = sandbox.add_people("acme", 1, prefix="guest", guest=True)[0]
    connect(user_client, sandbox)
    grace = sandbox.seed()["users"]["grace"]["id"]
    html = _preview_rows(user_client, app, sandbox,
                         CSV.format(grace=grace) + f"Guest,{guest['id']}\n")
    assert '<strong data-count="valid">3</strong>' in html


def test_csv_people_without_the_capability(app, user_client, sandbox):
    sandbox.settings(users_forbidden=True)
    connect(user_client, sandbox)
    grace = sandbox.seed()["users"]["grace"]["id"]
    html = _preview_rows(user_client, app, sandbox, CSV.format(grace=grace))
    assert '<strong data-count="valid">1</strong>' in html
    assert re.search(
        r'<td data-label="Row">2</td>'
        r'<td data-label="Error">Assignee: [^<]*cannot be looked up by email',
        html,
    )
    assert "may not list the workspace" in html
