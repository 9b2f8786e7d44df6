"""The public form at /f/<id> (issue 15 points 2-4): a visitor with no account fills it in, the
row lands once with every value through the outbox; bots, floods, closed forms and wrong
passwords land nothing (security.md T43)."""

from __future__ import annotations

import time
from datetime import timedelta

from helpers import calls, key, logout

from notion_app.extensions import db
from notion_app.models import ConnectionState, NotionConnection, RowState, utcnow
from notion_app.outbox import delivery
from notion_app.public_forms import tokens
from notion_app.public_forms.models import PublicForm
from notion_app.sandbox.seed import prop_id
from public_forms.support import (
    browser_fields,
    form_rows,
    new_form,
    open_form,
    public_id,
    save,
    send,
    visitor_fields,
)


def deliver(app) -> None:
    with app.app_context():
        while delivery.sweep():
            pass


def created(sandbox) -> list[dict]:
    """The pages made through the API, as Notion received their properties."""
    return [p["request_properties"] for p in sandbox.pages()]


def opened(client, app, sandbox, **changes) -> str:
    """A form on Tasks, open, its owner logged out: the visitor's path."""
    form_id = new_form(client, app, sandbox)
    path = open_form(app, form_id, is_open=True, **changes)
    logout(client)
    return path


EVERY_VALUE = {
    key("Name"): "Sign me up", key("Notes"): "Line one\nLine two", key("Estimate"): "3.5",
    key("Progress"): "40", key("Budget"): "$1 200", key("Priority"): "High",
    key("Tags"): ["Bug", "Docs"], key("Status"): "In progress", key("Due"): "2026-12-24",
    key("Done"): "on", key("Link"): "https://example.com/a", key("Contact"): "eve@example.com",
    key("Phone"): "+33 1 23 45 67 89",
}


def test_a_visitor_sends_a_row_that_lands_once_with_every_value(client, app, sandbox):
    path = opened(client, app, sandbox)
    fields = visitor_fields(client, path)
    resp = send(client, path, EVERY_VALUE, fields=fields)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(path + "/thanks")
    assert "Thank you!" in client.get(resp.headers["Location"]).get_data(as_text=True)
    # Sent again (a double click, Back and send): the same served form makes the same row.
    assert send(client, path, EVERY_VALUE, fields=fields).status_code == 303
    deliver(app)
    [row] = created(sandbox)
    assert row["Name"]["title"][0]["text"]["content"] == "Sign me up"
    assert row["Notes"]["rich_text"][0]["text"]["content"] == "Line one\nLine two"
    assert row["Estimate"] == {"number": 3.5}
    assert row["Progress"] == {"number": 0.4}
    assert row["Budget"] == {"number": 1200}
    assert row["Priority"] == {"select": {"name": "High"}}
    assert row["Tags"] == {"multi_select": [{"name": "Bug"}, {"name": "Docs"}]}
    assert row["Status"] == {"status": {"name": "In progress"}}
    assert row["Due"]["date"]["start"] == "2026-12-24"
    assert row["Done"] == {"checkbox": True}
    assert row["Link"] == {"url": "https://example.com/a"}
    assert row["Contact"] == {"email": "eve@example.com"}
    assert row["Phone"] == {"phone_number": "+33 1 23 45 67 89"}
    [saved] = form_rows(app)
    assert saved.state == RowState.SENT and saved.form_id is not None


def test_the_row_is_saved_but_never_sent_inside_the_visitors_request(client, app, sandbox):
    path = opened(client, app, sandbox)
    sandbox.clear_requests()
    assert send(client, path, {key("Name"): "Queued"}).status_code == 303
    assert calls(sandbox) == 0  # the thank-you page came before any Notion call
    [row] = form_rows(app)
    assert row.state == RowState.PENDING
    deliver(app)
    assert [r["Name"]["title"][0]["text"]["content"] for r in created(sandbox)] == ["Queued"]


def test_a_workspace_that_needs_reconnecting_keeps_taking_answers_and_holds_them(
    client, app, sandbox
):
    path = opened(client, app, sandbox)
    with app.app_context():
        conn = db.session.scalar(db.select(NotionConnection))
        conn.state = ConnectionState.NEEDS_RECONNECT
        db.session.commit()
    assert send(client, path, {key("Name"): "Held"}).status_code == 303
    deliver(app)
    assert created(sandbox) == []
    [row] = form_rows(app)
    assert row.state == RowState.PENDING and row.title_text == "Held"


def test_prefill_from_the_link_and_hidden_values_land(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    assert save(client, form_id, {
        "is_open": "on",
        f"{key('Status')}-prefill": "on", f"{key('Tags')}-prefill": "on",
        f"{key('Link')}-hidden": "on", f"{key('Link')}-default": "https://example.com/campaign",
        f"{key('Priority')}-default": "Low",
    }).status_code == 302
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    html = client.get(path + "?Status=Done&Tags=Bug,Feature&Link=https://evil.example")
    html = html.get_data(as_text=True)
    assert '<option value="Done" selected>' in html
    assert 'value="Bug" checked' in html and 'value="Feature" checked' in html
    assert '<option value="Low" selected>' in html  # the owner's default
    assert key("Link") not in html  # hidden: never an input
    fields = visitor_fields(client, path + "?Status=Done&Tags=Bug,Feature")
    # The body cannot replace a hidden field's fixed value either.
    fields[key("Link")] = ["https://evil.example"]
    assert send(client, path, {key("Name"): "From the link"}, fields=fields).status_code == 303
    deliver(app)
    [row] = created(sandbox)
    assert row["Status"] == {"status": {"name": "Done"}}
    assert row["Tags"] == {"multi_select": [{"name": "Bug"}, {"name": "Feature"}]}
    assert row["Priority"] == {"select": {"name": "Low"}}
    assert row["Link"] == {"url": "https://example.com/campaign"}


def test_a_field_error_shows_at_the_field_and_keeps_what_was_typed(client, app, sandbox):
    path = opened(client, app, sandbox)
    resp = send(client, path, {key("Name"): "", key("Estimate"): "lots",
                               key("Notes"): "Keep me"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert f'id="{key("Name")}-error" class="field-error">This field is required.' in html
    assert f'aria-describedby="{key("Estimate")}-error"' in html
    assert "Keep me</textarea>" in html and 'value="lots"' in html
    deliver(app)
    assert form_rows(app) == [] and created(sandbox) == []


def test_the_honeypot_thanks_a_bot_and_lands_nothing(client, app, sandbox):
    path = opened(client, app, sandbox)
    resp = send(client, path, {key("Name"): "Cheap pills", "website": "http://spam.example"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/thanks")
    deliver(app)
    assert form_rows(app) == [] and created(sandbox) == []


def test_a_form_sent_too_fast_lands_nothing_and_comes_back_as_typed(client, app, sandbox):
    app.config["FORM_MIN_SECONDS"] = 3.0
    path = opened(client, app, sandbox)
    resp = send(client, path, {key("Name"): "Bot speed"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "That was quick!" in html and 'value="Bot speed"' in html
    assert form_rows(app) == []
    # A person who took their time: the token says the form was served 10 seconds ago.
    fields = visitor_fields(client, path)
    with app.app_context():
        fields["token"] = [tokens.issue(path.rsplit("/", 1)[1], served_at=time.time() - 10)]
    assert send(client, path, {key("Name"): "Human speed"}, fields=fields).status_code == 303
    assert [r.title_text for r in form_rows(app)] == ["Human speed"]


def test_a_forged_or_another_forms_token_lands_nothing(client, app, sandbox):
    path = opened(client, app, sandbox)
    for token in ("", "x" * 40, visitor_fields(client, path)["token"][0][:-3] + "abc"):
        resp = send(client, path, {key("Name"): "Forged", "token": token})
        assert resp.status_code == 400
        assert 'value="Forged"' in resp.get_data(as_text=True)
    with app.app_context():
        other = tokens.issue("another-form-id-aaaaaaaaaaaaa")
    assert send(client, path, {key("Name"): "Forged", "token": other}).status_code == 400
    assert form_rows(app) == []


def test_closed_expired_and_full_forms_land_nothing(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    logout(client)
    closed = open_form(app, form_id, is_open=False)
    fields = visitor_fields(client, closed)
    assert "This form is closed" in client.get(closed).get_data(as_text=True)
    assert not fields  # no form to fill in
    open_form(app, form_id, is_open=True)
    served = visitor_fields(client, closed)
    open_form(app, form_id, is_open=False)
    resp = send(client, closed, {key("Name"): "Late"}, fields=served)
    assert resp.status_code == 403 and "This form is closed" in resp.get_data(as_text=True)
    open_form(app, form_id, is_open=True, closes_at=utcnow() - timedelta(minutes=1))
    resp = send(client, closed, {key("Name"): "Late"}, fields=served)
    assert resp.status_code == 403 and "The time for answers has passed." in resp.get_data(
        as_text=True)
    open_form(app, form_id, closes_at=utcnow() + timedelta(days=1), max_submissions=1)
    assert send(client, closed, {key("Name"): "First"}).status_code == 303
    resp = send(client, closed, {key("Name"): "Second"})
    assert resp.status_code == 403 and "all the answers it can take" in resp.get_data(
        as_text=True)
    deliver(app)
    assert [r.title_text for r in form_rows(app)] == ["First"]
    assert len(created(sandbox)) == 1


def test_a_full_form_refuses_a_form_served_before_it_filled(client, app, sandbox):
    """The count is checked in the row's own transaction, not only when the form is served."""
    path = opened(client, app, sandbox, max_submissions=1)
    first, second = visitor_fields(client, path), visitor_fields(client, path)
    assert send(client, path, {key("Name"): "A"}, fields=first).status_code == 303
    assert send(client, path, {key("Name"): "B"}, fields=second).status_code == 403
    assert [r.title_text for r in form_rows(app)] == ["A"]


def test_a_wrong_password_is_refused_at_the_field(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    assert save(client, form_id, {"is_open": "on", "password": "open sesame"}).status_code == 302
    with app.app_context():
        stored = db.session.get(PublicForm, form_id).password_hash
    assert stored and "open sesame" not in stored  # kept hashed
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    resp = send(client, path, {key("Name"): "Guess", "form_password": "open says me"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="form_password-error" class="field-error">That password is not right.' in html
    assert 'value="Guess"' in html and "open says me" not in html
    assert form_rows(app) == []
    resp = send(client, path, {key("Name"): "Friend", "form_password": "open sesame"})
    assert resp.status_code == 303
    assert [r.title_text for r in form_rows(app)] == ["Friend"]


def test_a_flood_from_one_address_gets_a_friendly_429(client, app, sandbox):
    app.config["FORM_RATE_LIMIT"] = 2
    path = opened(client, app, sandbox)
    for n in range(2):
        assert send(client, path, {key("Name"): f"Row {n}"}).status_code == 303
    resp = send(client, path, {key("Name"): "One too many"})
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert "Too many answers at once" in resp.get_data(as_text=True)
    # Another address is not slowed by this one.
    other = send(client, path, {key("Name"): "Neighbour"},
                 environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 303
    assert [r.title_text for r in form_rows(app)] == ["Row 0", "Row 1", "Neighbour"]


def test_the_per_form_limit_holds_across_addresses(client, app, sandbox):
    app.config["FORM_RATE_FORM_LIMIT"] = 1
    path = opened(client, app, sandbox)
    assert send(client, path, {key("Name"): "A"}).status_code == 303
    resp = send(client, path, {key("Name"): "B"}, environ_base={"REMOTE_ADDR": "127.0.0.7"})
    assert resp.status_code == 429
    assert [r.title_text for r in form_rows(app)] == ["A"]


def test_a_body_over_one_megabyte_is_refused_before_it_is_read(client, app, sandbox):
    path = opened(client, app, sandbox)
    resp = send(client, path, {key("Name"): "Big", key("Notes"): "x" * (1024 * 1024 + 10)})
    assert resp.status_code == 413
    assert "Nothing was saved" in resp.get_data(as_text=True)
    assert form_rows(app) == []


def test_the_form_needs_no_session_csrf_token(client, app, sandbox):
    """An <iframe> on another site sends no session cookie: the signed token is enough."""
    path = opened(client, app, sandbox)
    fields = visitor_fields(client, path)
    fresh = app.test_client()  # no cookie at all
    assert fresh.post(path, data={**fields, key("Name"): "Embedded"}).status_code == 303
    assert [r.title_text for r in form_rows(app)] == ["Embedded"]


def test_form_ids_are_long_and_unknown_ones_are_plain_404s(client, app, sandbox):
    path = opened(client, app, sandbox)
    form_id = path.rsplit("/", 1)[1]
    assert len(form_id) >= 22  # >= 128 bits of secrets.token_urlsafe
    assert client.get(path[:-1] + ("A" if path[-1] != "A" else "B")).status_code == 404
    assert client.get("/f/1").status_code == 404
    assert client.post("/f/" + "a" * 30, data={}).status_code == 404


def test_a_form_is_framed_only_by_its_allowed_origins(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    assert save(client, form_id, {
        "is_open": "on", "embed_origins": "https://partner.example\nhttps://blog.example:8443",
    }).status_code == 302
    other_id = new_form(client, app, sandbox)
    logout(client)
    embeddable = client.get(f"/f/{public_id(app, form_id)}")
    csp = embeddable.headers["Content-Security-Policy"]
    assert "frame-ancestors https://partner.example https://blog.example:8443;" in csp
    assert "X-Frame-Options" not in embeddable.headers
    assert embeddable.headers["Cache-Control"] == "no-store"
    other = client.get(f"/f/{public_id(app, other_id)}")
    assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]
    assert other.headers["X-Frame-Options"] == "DENY"
    # Every other page of the app stays unframeable.
    login_page = client.get("/auth/login")
    assert "frame-ancestors 'none'" in login_page.headers["Content-Security-Policy"]
    assert login_page.headers["X-Frame-Options"] == "DENY"


def test_a_french_form_speaks_french(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    assert save(client, form_id, {"is_open": "on", "language": "fr"}).status_code == 302
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    html = client.get(path).get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Envoyer</button>" in html and "(obligatoire)" in html
    resp = send(client, path, {key("Name"): ""})
    assert "Ce champ est obligatoire." in resp.get_data(as_text=True)
    thanks = client.get(send(client, path, {key("Name"): "Bonjour"}).headers["Location"])
    assert "Merci !" in thanks.get_data(as_text=True)
    # The app around it stays English.
    assert "Log in" in client.get("/auth/login").get_data(as_text=True)


def test_a_redirect_after_sending_goes_to_the_owners_page(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    assert save(client, form_id, {"is_open": "on",
                                  "redirect_url": "https://example.com/thanks"}).status_code == 302
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    page = client.get(path)
    assert "form-action 'self' https://example.com" in page.headers["Content-Security-Policy"]
    resp = send(client, path, {key("Name"): "Off we go"})
    assert resp.status_code == 303 and resp.headers["Location"] == "https://example.com/thanks"


def test_people_relations_files_and_read_only_properties_are_never_inputs(client, app, sandbox):
    path = opened(client, app, sandbox)
    html = client.get(path).get_data(as_text=True)
    for name in ("Assignee", "Project", "Attachments", "Score", "Created", "Task ID"):
        assert key(name) not in html and f">{name}<" not in html
    # Posting them anyway sends nothing for them.
    assert send(client, path, {key("Name"): "Sneaky", key("Assignee"): "a" * 32,
                               key("Project"): "b" * 32}).status_code == 303
    deliver(app)
    [row] = created(sandbox)
    assert set(row) == {"Name"}
    assert prop_id("tasks", "Assignee") not in str(row)


def test_a_form_left_open_past_the_tokens_lifetime_is_served_again_as_typed(
    client, app, sandbox
):
    path = opened(client, app, sandbox)
    fields = visitor_fields(client, path)
    with app.app_context():
        fields["token"] = [tokens.issue(path.rsplit("/", 1)[1],
                                        served_at=time.time() - 2 * 24 * 3600)]
    resp = send(client, path, {key("Name"): "Stale"}, fields=fields)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "open too long" in html and 'value="Stale"' in html
    assert form_rows(app) == []
    # The page it came back with carries a fresh token: sending it again works.
    again = send(client, path, {}, fields=browser_fields(html, "/f/"))
    assert again.status_code == 303
    assert [r.title_text for r in form_rows(app)] == ["Stale"]
