"""Data sources of a connection, one data source's page and its row form, against the sandbox."""

from __future__ import annotations

import re
from html import unescape

from helpers import calls, conn_id, connect, ds_ids, ds_url, key, page_form, post_form
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.models import RowSubmission


def test_list_groups_data_sources_by_database(app, user_client, sandbox):
    connect(user_client, sandbox)
    resp = user_client.get(f"/connections/{conn_id(app)}/databases")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for title in ("Tasks", "Projects", "Inventory", "Warehouse A", "Warehouse B", "Odd names"):
        assert title in html
    assert html.count("data source of Inventory") == 2
    assert "Open in Notion" in html and "Refresh" in html


def test_empty_state_explains_sharing(app, user_client, sandbox):
    app.config["NOTION_INDEXING_SECONDS"] = 0  # long after the connect
    connect(user_client, sandbox, pages=[])
    html = user_client.get(f"/connections/{conn_id(app)}/databases").get_data(as_text=True)
    assert "No databases shared with this app yet" in html
    assert "Connections" in html and "page picker again" in html


def test_search_filters_the_cached_list_locally(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = f"/connections/{conn_id(app)}/databases"
    user_client.get(url)
    sandbox.clear_requests()
    html = user_client.get(url + "?q=warehouse b").get_data(as_text=True)
    assert "Warehouse B" in html and "Warehouse A" not in html and "Tasks" not in html
    assert calls(sandbox) == 0


def test_listing_105_data_sources_costs_2_searches_then_0(app, user_client, sandbox):
    connect(user_client, sandbox, workspace="globex", user="hedy")
    sandbox.clear_requests()
    url = f"/connections/{conn_id(app)}/databases"
    html = user_client.get(url).get_data(as_text=True)
    assert "Ledger 001" in html and "Ledger 105" in html
    assert calls(sandbox, "/v1/search") == 2 and calls(sandbox) == 2
    user_client.get(url)
    assert calls(sandbox) == 2  # cached in the database


def test_refresh_drops_the_cache(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = f"/connections/{conn_id(app)}/databases"
    user_client.get(url)
    sandbox.clear_requests()
    resp = post_form(user_client, url, f"/connections/{conn_id(app)}/databases/refresh")
    assert resp.status_code == 302
    user_client.get(url)
    assert calls(sandbox, "/v1/search") == 1
    assert user_client.post(f"/connections/{conn_id(app)}/databases/refresh").status_code == 400


def test_opening_the_form_costs_3_calls_then_1(app, user_client, sandbox):
    """The schema and the template list are cached; only the latest rows are asked again."""
    connect(user_client, sandbox)
    user_client.get(f"/connections/{conn_id(app)}/databases")
    sandbox.clear_requests()
    url = ds_url(app, sandbox, "projects")
    assert user_client.get(url).status_code == 200
    assert sorted(r["path"].rsplit("/", 1)[-1] for r in sandbox.requests()) == [
        ds_ids(sandbox)["projects"], "query", "templates"]
    sandbox.clear_requests()
    assert user_client.get(url).status_code == 200
    assert [r["path"].rsplit("/", 1)[-1] for r in sandbox.requests()] == ["query"]


def test_unshared_or_bogus_data_source_is_404(app, user_client, sandbox):
    """T10: what is not an id costs no call; an id not shared is asked of Notion once (the
    listing is no access check), with this connection's own token, and is a 404."""
    connect(user_client, sandbox, pages=["projects"])
    user_client.get(f"/connections/{conn_id(app)}/databases")
    sandbox.clear_requests()
    for bad in ("x", "../../v1/users", "0" * 31, "1a2b3c4d5e6f40718293a4b5c6d7e8f9g"):
        assert user_client.get(f"/connections/{conn_id(app)}/data-sources/{bad}").status_code == 404
    assert calls(sandbox) == 0
    resp = user_client.get(ds_url(app, sandbox, "tasks"))
    assert resp.status_code == 404 and "Add a row" not in resp.get_data(as_text=True)
    tasks = sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"]
    asked = sandbox.requests()
    assert [(r["method"], r["path"], r["status"]) for r in asked] == [
        ("GET", f"/v1/data_sources/{tasks}", 404)
    ]
    assert asked[0]["token"] == _token_of(app, conn_id(app))
    assert user_client.post(ds_url(app, sandbox, "tasks"), data={}).status_code in (400, 404)
    assert calls(sandbox, "/v1/pages") == 0


def _token_of(app, connection_id: int) -> str:
    from notion_app import crypto
    from notion_app.models import NotionConnection

    with app.app_context():
        conn = db.session.get(NotionConnection, connection_id)
        return crypto.decrypt(conn.access_token_encrypted)


def test_a_data_source_of_another_users_connection_is_404_without_a_call(app, client, sandbox):
    """T10: ada's connection id in bob's session is a 404 before anything is asked of Notion;
    bob's own connection, not shared the database, asks with bob's token only."""
    from helpers import logout, signup

    signup(client, "ada@example.com")
    connect(client, sandbox, user="ada")
    ada_conn, ada_token = conn_id(app), _token_of(app, conn_id(app))
    ada_url = ds_url(app, sandbox, "tasks")
    assert client.get(ada_url).status_code == 200
    logout(client)
    signup(client, "bob@example.com")
    connect(client, sandbox, user="grace", pages=["projects"])
    bob_conn = conn_id(app)
    assert bob_conn != ada_conn
    sandbox.clear_requests()
    assert client.get(ada_url).status_code == 404
    assert client.get(f"/connections/{ada_conn}/databases").status_code == 404
    assert calls(sandbox) == 0
    resp = client.get(f"/connections/{bob_conn}/data-sources/{ada_url.rsplit('/', 1)[-1]}")
    assert resp.status_code == 404
    assert {r["token"] for r in sandbox.requests()} == {_token_of(app, bob_conn)}
    assert ada_token not in {r["token"] for r in sandbox.requests()}


def test_every_property_type_end_to_end(app, user_client, sandbox):
    connect(user_client, sandbox)
    seed = sandbox.seed()
    grace = seed["users"]["grace"]["id"]
    apollo = seed["pages"]["project_apollo"]
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {
        key("Name"): "  Launch ✨ <b>now</b> ",
        key("Notes"): "line one\r\nline two",
        key("Estimate"): "3",
        key("Progress"): "12.5%",
        key("Budget"): "$1200.50",
        key("Priority") + "-new": "Urgent",
        key("Tags"): ["Bug", "Docs"],
        key("Tags") + "-new": "Ops",
        key("Status"): "In progress",
        key("Due"): "2026-12-01",
        key("Due") + "-time": "09:30",
        key("Due") + "-end": "2026-12-01",
        key("Due") + "-end-time": "10:00",
        key("Due") + "-tz": "Europe/Paris",
        key("Done"): "on",
        key("Link"): "https://example.com/a?b=c",
        key("Contact"): "ada@example.com",
        key("Phone"): "+44 20 7946 0958",
        key("Assignee"): grace,
        key("Project"): apollo,
        key("Attachments"): "https://example.com/files/spec.pdf",
        key("Attachments") + "-name": "Spec",
        key("Score"): "99",  # read-only: ignored
        "p-unknown": "ignored",
    }
    sandbox.clear_requests()
    resp = user_client.post(url, data=data)
    assert resp.status_code == 302 and resp.headers["Location"] == url
    assert calls(sandbox) == 1 and calls(sandbox, "/v1/pages", "POST") == 1
    sent = sandbox.pages()[-1]["request_properties"]
    text = lambda s: [{"type": "text", "text": {"content": s}}]  # noqa: E731
    assert sent == {
        "Name": {"title": text("Launch ✨ <b>now</b>")},
        "Notes": {"rich_text": text("line one\nline two")},
        "Estimate": {"number": 3},
        "Progress": {"number": 0.125},
        "Budget": {"number": 1200.5},
        "Priority": {"select": {"name": "Urgent"}},
        "Tags": {"multi_select": [{"name": "Bug"}, {"name": "Docs"}, {"name": "Ops"}]},
        "Status": {"status": {"name": "In progress"}},
        "Due": {"date": {"start": "2026-12-01T09:30:00", "end": "2026-12-01T10:00:00",
                         "time_zone": "Europe/Paris"}},
        "Done": {"checkbox": True},
        "Link": {"url": "https://example.com/a?b=c"},
        "Contact": {"email": "ada@example.com"},
        "Phone": {"phone_number": "+44 20 7946 0958"},
        "Assignee": {"people": [{"object": "user", "id": grace}]},
        "Project": {"relation": [{"id": apollo}]},
        "Attachments": {"files": [{"type": "external", "name": "Spec",
                                   "external": {"url": "https://example.com/files/spec.pdf"}}]},
    }
    page = user_client.get(url).get_data(as_text=True)
    # the flash names the row (its title escaped, not markup) and links to it
    assert "Row added to Tasks: “Launch ✨ &lt;b&gt;now&lt;/b&gt;” — <a href=" in page
    assert "Open in Notion" in page
    assert "Launch ✨ &lt;b&gt;now&lt;/b&gt;" in page and "<b>now</b>" not in page

    # the same nonce again (a reload or double click): no second page
    sandbox.clear_requests()
    assert user_client.post(url, data=data).status_code == 302
    assert calls(sandbox, "/v1/pages") == 0
    with app.app_context():
        assert len(db.session.scalars(select(RowSubmission)).all()) == 1


def test_html_in_property_names_is_escaped(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "odd_names")
    html = user_client.get(url).get_data(as_text=True)
    assert "<b>Bold</b>" not in html
    odd = key('<b>Bold</b> "quoted"', "odd_names")
    assert f'<label for="{odd}">&lt;b&gt;Bold&lt;/b&gt; &#34;quoted&#34;</label>' in html
    assert "<th scope=\"col\">&lt;b&gt;Bold&lt;/b&gt; &#34;quoted&#34;</th>" in html
    # a field's name is its label, or its group's legend
    names = r'<(?:label for="p-[^"]+"|legend)>([^<]*)</(?:label|legend)>'
    labels = {unescape(m) for m in re.findall(names, html)}
    assert {'<b>Bold</b> "quoted"', "Catégorie", "🔥 Heat", "Notes ", "Name"} <= labels
    assert "Crème brûlée" in html


def test_field_errors_keep_what_was_typed_and_call_nobody(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {
        key("Name"): "", key("Estimate"): "lots", key("Contact"): "not-an-email",
        key("Notes"): "keep <me>", key("Status"): "Nope",
    }
    sandbox.clear_requests()
    resp = user_client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert calls(sandbox) == 0  # no page created, and not even a read
    assert "This field is required." in html and "Enter a number" in html
    assert f'id="{key("Estimate")}-error"' in html and 'value="lots"' in html
    assert "keep &lt;me&gt;</textarea>" in html and 'value="not-an-email"' in html
    assert data["nonce"] in html  # the same nonce: fixing and sending still sends once
    with app.app_context():
        assert db.session.scalars(select(RowSubmission)).all() == []


def test_post_without_csrf_is_refused(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "projects")
    user_client.get(url)
    sandbox.clear_requests()
    assert user_client.post(url, data={key("Name", "projects"): "x"}).status_code == 400
    assert calls(sandbox, "/v1/pages") == 0


def test_revoked_token_redirects_to_the_dashboard(app, user_client, sandbox):
    connect(user_client, sandbox)
    sandbox.revoke_all()
    resp = user_client.get(f"/connections/{conn_id(app)}/databases")
    assert resp.status_code == 302 and resp.headers["Location"] == "/connections"
    html = user_client.get("/connections").get_data(as_text=True)
    assert "needs to be reconnected" in html and "Reconnect it to continue" in html


def test_more_rows_follows_the_cursor(app, user_client, sandbox, monkeypatch):
    from notion_app.data_sources import catalog

    monkeypatch.setattr(catalog, "ROWS_PER_PAGE", 2)
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "projects")
    html = user_client.get(url).get_data(as_text=True)
    assert html.index("Mercury") < html.index("Gemini") and "Apollo" not in html.split("Latest")[1]
    more = re.search(r'href="([^"]+cursor=[^"]+)"', html).group(1)
    html = user_client.get(unescape(more)).get_data(as_text=True)
    assert "Apollo" in html.split("Latest")[1]


def test_people_and_pages_load_on_demand_and_stay_cached(app, user_client, sandbox):
    """Opening the form: schema + templates + latest rows, and (Tasks has a files property) the
    workspace's file size limit, once per connection. The people and the related pages cost one
    call each when the person asks for them, then they are part of the page from the cache."""
    connect(user_client, sandbox)
    user_client.get(f"/connections/{conn_id(app)}/databases")
    sandbox.clear_requests()
    url = ds_url(app, sandbox, "tasks")
    html = user_client.get(url).get_data(as_text=True)
    grace_box = f'value="{sandbox.seed()["users"]["grace"]["id"]}"'
    assert calls(sandbox) == 4 and calls(sandbox, "/v1/users/me") == 1
    assert grace_box not in html and 'role="combobox"' in html
    assert "List the workspace&#39;s people to choose from" in html  # without JavaScript
    people = user_client.get(f"{url}/choices/{key('Assignee')}").get_json()["items"]
    pages = user_client.get(f"{url}/choices/{key('Project')}").get_json()["items"]
    assert "Grace Hopper" in [p["label"] for p in people]
    assert "Apollo" in [p["label"] for p in pages]
    assert calls(sandbox) == 6
    sandbox.clear_requests()
    html = user_client.get(url).get_data(as_text=True)
    assert grace_box in html and "Apollo" in html and "List the workspace" not in html
    assert calls(sandbox) == 1


def test_without_javascript_the_load_link_shows_the_choices(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    html = user_client.get(url, query_string={"load": key("Assignee")}).get_data(as_text=True)
    grace = sandbox.seed()["users"]["grace"]["id"]
    apollo = sandbox.seed()["pages"]["project_apollo"]
    assert f'value="{grace}"' in html and f'value="{apollo}"' not in html


def test_choices_only_for_people_and_relation_fields(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    assert user_client.get(f"{url}/choices/{key('Name')}").status_code == 404
    assert user_client.get(f"{url}/choices/p-nothing").status_code == 404


def flash_after_post(client, url: str, data: dict) -> str:
    resp = client.post(url, data=data)
    assert resp.status_code == 302 and resp.headers["Location"].startswith(url)
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def test_outcome_flashes(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    sandbox.ambiguous(status=502)
    html = flash_after_post(user_client, url, page_form(user_client, url) | {key("Name"): "b"})
    assert "Notion did not answer in time" in html
    missing = "00000000-0000-4000-8000-000000000000"
    data = page_form(user_client, url) | {key("Name"): "c", key("Project"): missing}
    html = flash_after_post(user_client, url, data)
    assert "Notion refused the row (Project)" in html
    assert f'id="{key("Project")}-error"' in html  # shown at the field, the form refilled
    assert f'value="{missing}"' in html and 'value="c"' in html
    sandbox.fail_next(429, path="/v1/pages", retry_after=60)
    html = flash_after_post(user_client, url, page_form(user_client, url) | {key("Name"): "a"})
    assert "Saved — it will be sent shortly" in html and "Notion asked us to slow down" in html
    with app.app_context():
        states = [r.state for r in db.session.scalars(select(RowSubmission))]
    assert states == ["unknown", "failed", "pending"]


def test_refilling_a_refused_row_gives_back_the_same_payload():
    from werkzeug.datastructures import MultiDict

    from notion_app.notion.properties import form_fields, form_values, parse_form
    from notion_app.sandbox.seed import _tasks_schema

    schema = _tasks_schema("1" * 32, "2" * 32)
    user, page = "3" * 8 + "-3333-4333-8333-" + "3" * 12, "4" * 8 + "-4444-4444-8444-" + "4" * 12
    payload = {
        "Name": {"title": [{"type": "text", "text": {"content": "x" * 2000}},
                           {"type": "text", "text": {"content": "y"}}]},
        "Progress": {"number": 0.125}, "Budget": {"number": 1200.5},
        "Priority": {"select": {"name": "Urgent"}},
        "Tags": {"multi_select": [{"name": "Bug"}, {"name": "Ops"}]},
        "Status": {"status": {"name": "Done"}},
        "Due": {"date": {"start": "2026-12-01T09:30:00", "end": "2026-12-02T10:00:00",
                         "time_zone": "Europe/Paris"}},
        "Done": {"checkbox": True}, "Link": {"url": "https://example.com/"},
        "Assignee": {"people": [{"object": "user", "id": user}]},
        "Project": {"relation": [{"id": page}]},
        "Attachments": {"files": [{"type": "external", "name": "Spec",
                                   "external": {"url": "https://example.com/s.pdf"}}]},
    }
    values = form_values(form_fields(schema), payload)
    form = MultiDict([(k, v) for k, vs in values.items() for v in vs])
    again, errors, _ = parse_form(schema, form)
    assert errors == {} and again == payload


def test_a_data_source_no_longer_shared_is_a_clear_404(app, user_client, sandbox, monkeypatch):
    from notion_app.notion.client import NotionClient
    from notion_app.notion.errors import NotionNotFound, NotionServerError

    connect(user_client, sandbox)
    user_client.get(f"/connections/{conn_id(app)}/databases")

    def gone(self, data_source_id):
        raise NotionNotFound("Could not find data source", status=404, code="object_not_found")

    monkeypatch.setattr(NotionClient, "get_data_source", gone)
    resp = user_client.get(ds_url(app, sandbox, "projects"))
    assert resp.status_code == 404 and "no longer shared" in resp.get_data(as_text=True)

    def down(self, data_source_id):
        raise NotionServerError("Notion failed", status=503)

    monkeypatch.setattr(NotionClient, "get_data_source", down)
    resp = user_client.get(ds_url(app, sandbox, "projects"))
    assert resp.status_code == 502 and "Nothing you saved was lost" in resp.get_data(as_text=True)


def test_relation_search_finds_pages_by_title_at_notion(app, user_client, sandbox):
    """Beyond the listed pages, the picker asks Notion: a title-contains query on the related
    data source (its schema once, then one query a search)."""
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    sandbox.clear_requests()
    found = user_client.get(f"{url}/choices/{key('Project')}", query_string={"q": "poll"})
    assert [i["label"] for i in found.get_json()["items"]] == ["Apollo"]
    queries = sandbox.requests(path="/v1/data_sources/", method="POST")
    assert [q["body"]["filter"] for q in queries] == [
        {"property": "Name", "title": {"contains": "poll"}}
    ]
    sandbox.clear_requests()
    user_client.get(f"{url}/choices/{key('Project')}", query_string={"q": "Merc"})
    assert calls(sandbox) == 1


def test_fixing_a_refused_row_replaces_it_in_the_history(app, user_client, sandbox):
    """Notion refuses a row (unknown related page); the form comes back filled with the error at
    the field; once corrected and sent, the refused one is discarded (kept, never sent) and the
    history lists the sent row only (the discarded one under its own filter)."""
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    missing = "00000000-0000-4000-8000-000000000000"
    data = page_form(user_client, url) | {key("Name"): "Fix me", key("Project"): missing}
    resp = user_client.post(url, data=data)
    refill_url = resp.headers["Location"]
    assert "?row=" in refill_url
    html = user_client.get(refill_url).get_data(as_text=True)
    assert 'name="replaces"' in html and 'value="Fix me"' in html
    apollo = sandbox.seed()["pages"]["project_apollo"]
    replaces = re.search(r'name="replaces" value="(\d+)"', html).group(1)
    fixed = page_form(user_client, refill_url) | {
        key("Name"): "Fix me", key("Project"): apollo, "replaces": replaces,
    }
    resp = user_client.post(url, data=fixed)
    assert resp.status_code == 302
    user_client.get(resp.headers["Location"])  # the page that shows the flash naming the row
    with app.app_context():
        rows = [(r.title_text, r.state) for r in db.session.scalars(select(RowSubmission))]
    assert rows == [("Fix me", "discarded"), ("Fix me", "sent")]
    listed = user_client.get("/rows").get_data(as_text=True)
    assert listed.count("Fix me") == 1 and "badge-sent" in listed
    assert "badge-discarded" in user_client.get("/rows?state=discarded").get_data(as_text=True)


def test_replaces_never_touches_another_users_row(app, client, sandbox):
    from helpers import logout, signup

    signup(client, "a@example.com")
    connect(client, sandbox, user="ada")
    url = ds_url(app, sandbox, "tasks")
    missing = "00000000-0000-4000-8000-000000000000"
    client.post(url, data=page_form(client, url) | {key("Name"): "A", key("Project"): missing})
    with app.app_context():
        a_row = db.session.scalar(select(RowSubmission)).id
    logout(client)
    signup(client, "b@example.com")
    connect(client, sandbox, user="grace")
    b_url = ds_url(app, sandbox, "tasks")
    resp = client.post(
        b_url, data=page_form(client, b_url) | {key("Name"): "B", "replaces": str(a_row)}
    )
    assert resp.status_code == 302
    with app.app_context():
        states = sorted((r.title_text, r.state) for r in db.session.scalars(select(RowSubmission)))
    assert states == [("A", "failed"), ("B", "sent")]
