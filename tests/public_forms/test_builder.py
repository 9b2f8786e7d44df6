"""The form builder (issue 15 point 1): "Share a form" on a data source, the settings, the
fields in order (buttons that work without JavaScript), Notion schema changes, the preview,
the submissions with their CSV; only the confirmed owner gets any of it."""

from __future__ import annotations

import csv
import io
import re

from helpers import calls, connect, csrf_from, ds_url, key, logout, signup

from notion_app.data_sources import catalog
from notion_app.extensions import db
from notion_app.models import NotionConnection
from notion_app.outbox import delivery
from notion_app.public_forms.models import PublicForm
from notion_app.sandbox.seed import prop_id
from public_forms.support import (
    browser_fields,
    confirm,
    form_rows,
    new_form,
    public_id,
    save,
    send,
)


def stored(app, form_id: int) -> PublicForm:
    with app.app_context():
        form = db.session.get(PublicForm, form_id)
        db.session.expunge(form)
        return form


def shown_names(html: str) -> list[str]:
    """The field names a visitor sees, in order."""
    return re.findall(r'<label for="p-[^"]+">([^<]+?)(?: <span class="required">|</label>)',
                      html.split("<form")[1]) if "<form" in html else []


def builder_names(html: str) -> list[str]:
    return re.findall(r"<legend>([^<]+) <small", html)


def test_share_a_form_from_the_data_source_page(client, app, sandbox):
    connect(client, sandbox)
    confirm(app)
    page = client.get(ds_url(app, sandbox, "tasks")).get_data(as_text=True)
    assert f'href="{ds_url(app, sandbox, "tasks")}/forms">Share a form</a>' in page
    form_id = new_form(client, app, sandbox)
    form = stored(app, form_id)
    assert not form.is_open  # nothing is public until its owner opens it
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert f"http://localhost/f/{form.public_id}" in html
    assert "&lt;iframe src=&#34;http://localhost/f/" in html  # the snippet to copy
    # Every field a visitor may fill, in the row form's order; the rest named as left out.
    assert builder_names(html)[0] == "Name"
    assert "Assignee" not in builder_names(html) and "Score" not in builder_names(html)
    assert "Never offered to visitors:" in html and "Score (read-only)" in html


def test_an_unconfirmed_owner_cannot_make_a_form(client, app, sandbox):
    connect(client, sandbox)
    resp = client.get(ds_url(app, sandbox, "tasks") + "/forms")
    assert resp.status_code == 403
    assert "confirm" in resp.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(db.select(PublicForm)) is None


def test_a_form_stops_taking_answers_when_its_owner_is_no_longer_confirmed(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    assert save(client, form_id, {"is_open": "on"}).status_code == 302
    with app.app_context():
        db.session.get(PublicForm, form_id).user.email_confirmed_at = None
        db.session.commit()
    logout(client)
    html = client.get(f"/f/{public_id(app, form_id)}").get_data(as_text=True)
    assert "This form is closed" in html


def test_another_persons_form_is_a_404(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    logout(client)
    signup(client, "bob@example.com")
    confirm(app, "bob@example.com")
    for path in (f"/forms/{form_id}", f"/forms/{form_id}/preview",
                 f"/forms/{form_id}/submissions", f"/forms/{form_id}/submissions.csv"):
        assert client.get(path).status_code == 404, path
    html = client.get("/connections").get_data(as_text=True)
    resp = client.post(f"/forms/{form_id}", data={"csrf_token": csrf_from(html), "title": "Mine"})
    assert resp.status_code == 404
    assert stored(app, form_id).title == "Tasks"


def test_saving_without_the_csrf_token_is_refused(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    resp = client.post(f"/forms/{form_id}", data={"title": "Hijacked", "is_open": "on"})
    assert resp.status_code == 400
    assert stored(app, form_id).title == "Tasks" and not stored(app, form_id).is_open


def test_settings_are_saved_and_checked_at_the_field(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    resp = save(client, form_id, {
        "title": "", "redirect_url": "http://example.com", "max_submissions": "many",
        "embed_origins": "https://ok.example\nexample.com/path",
        f"{key('Priority')}-default": "Urgent",
    })
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="title-error"' in html and 'id="redirect_url-error"' in html
    assert 'id="max_submissions-error"' in html and 'id="embed_origins-error"' in html
    assert f'id="{key("Priority")}-default-error" class="field-error">“Urgent” is not one' in html
    assert 'value="http://example.com"' in html  # what was typed is kept
    assert stored(app, form_id).redirect_url is None  # nothing saved
    resp = save(client, form_id, {
        "title": "Bug reports", "description": "Tell us.", "thank_you": "Thanks!",
        "max_submissions": "50", "embed_origins": "https://OK.example/",
        "closes_at": "2030-01-02T03:04", f"{key('Notes')}-label": "What happened?",
        f"{key('Notes')}-help": "Steps, please.", f"{key('Notes')}-required": "on",
    })
    assert resp.status_code == 302
    form = stored(app, form_id)
    assert (form.title, form.description, form.thank_you) == ("Bug reports", "Tell us.", "Thanks!")
    assert form.max_submissions == 50 and form.embed_origins == ["https://ok.example"]
    assert form.closes_at.isoformat() == "2030-01-02T03:04:00"  # UTC: the owner's zone here
    notes = next(s for s in form.fields if s["id"] == prop_id("tasks", "Notes"))
    assert notes["label"] == "What happened?" and notes["required"]
    html = client.get(f"/forms/{form_id}/preview").get_data(as_text=True)
    assert '<label for="' + key("Notes") + '">What happened? <span class="required">' in html
    assert "Steps, please." in html and "Preview:" in html
    assert "disabled>Send</button>" in html  # nothing is sent from the preview


def test_fields_move_with_buttons_and_can_be_removed_and_added_back(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    before = builder_names(client.get(f"/forms/{form_id}").get_data(as_text=True))
    notes = prop_id("tasks", "Notes")
    resp = save(client, form_id, move=f"up:{notes}")
    assert resp.status_code == 302 and "pressed=up" in resp.headers["Location"]
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    after = builder_names(html)
    at = before.index("Notes")
    assert after[at - 1] == "Notes" and after[at] == before[at - 1]
    assert re.search(rf'value="up:{notes}" autofocus>', html)  # press it again from the keyboard
    # Settings typed before pressing a move button are saved too.
    save(client, form_id, {"title": "Moved and renamed"}, move=f"down:{notes}")
    assert stored(app, form_id).title == "Moved and renamed"
    assert builder_names(client.get(f"/forms/{form_id}").get_data(as_text=True)) == before
    save(client, form_id, remove=notes)
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert "Notes" not in builder_names(html)
    assert f'name="add" value="{notes}">Add' in html
    save(client, form_id, add=notes)
    assert builder_names(client.get(f"/forms/{form_id}").get_data(as_text=True))[-1] == "Notes"


def test_the_visitor_sees_the_builders_order(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"is_open": "on"}, move=f"up:{prop_id('tasks', 'Budget')}")
    logout(client)
    html = client.get(f"/f/{public_id(app, form_id)}").get_data(as_text=True)
    assert shown_names(html)[:2] == ["Budget", "Name"]


def test_a_renamed_property_follows_and_a_removed_one_drops_out_with_a_notice(
    client, app, sandbox
):
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"is_open": "on"})
    sandbox.change_property("tasks", "Notes", rename="Details")
    sandbox.change_property("tasks", "Budget", remove=True)
    with app.app_context():  # the cached schema is five minutes old
        catalog.forget(db.session.scalar(db.select(NotionConnection)))
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert "Removed in Notion, so no longer in the form: Budget." in html
    names = builder_names(html)
    assert "Details" in names and "Budget" not in names and "Notes" not in names
    # The visitor's form was never broken: it shows the fields that are left.
    public = f"/f/{public_id(app, form_id)}"
    logout(client)
    assert "Budget" not in shown_names(client.get(public).get_data(as_text=True))


def test_a_property_added_in_notion_stays_out_until_added(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    with app.app_context():  # as if "Notes" had been added in Notion after the form was made
        form = db.session.get(PublicForm, form_id)
        form.fields = [s for s in form.fields if s["id"] != prop_id("tasks", "Notes")]
        form.schema = {n: p for n, p in form.schema.items() if n != "Notes"}
        db.session.commit()
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert "Notes" not in builder_names(html)
    assert f'name="add" value="{prop_id("tasks", "Notes")}">Add' in html


def test_submissions_show_their_state_and_export_as_csv(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"is_open": "on", "title": "Sign-ups"})
    path = f"/f/{public_id(app, form_id)}"
    visitor = app.test_client()
    send(visitor, path, {key("Name"): "=HYPERLINK(1)", key("Estimate"): "2"})
    send(visitor, path, {key("Name"): "Second"})
    sandbox.clear_requests()
    html = client.get(f"/forms/{form_id}/submissions").get_data(as_text=True)
    assert calls(sandbox) == 0  # the owner's page asks Notion nothing
    assert html.count('class="badge badge-waiting">Waiting') == 2
    with app.app_context():
        while delivery.sweep():
            pass
    html = client.get(f"/forms/{form_id}/submissions").get_data(as_text=True)
    assert html.count(">Sent</span>") == 2 and html.count(">Open</a>") == 2
    resp = client.get(f"/forms/{form_id}/submissions.csv")
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["Name"] for r in rows] == ["'=HYPERLINK(1)", "Second"]  # no formula runs
    assert rows[0]["Estimate"] == "2" and rows[0]["state"] == "sent"
    assert all(r["notion_url"].startswith("http") for r in rows)
    # The history names the form as the rows' source.
    history = client.get("/rows").get_data(as_text=True)
    assert history.count("Public form: Sign-ups") == 2
    assert len(form_rows(app)) == 2


def test_a_refused_submission_is_fixed_from_the_history(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"is_open": "on"})
    send(app.test_client(), f"/f/{public_id(app, form_id)}",
         {key("Name"): "Refused", key("Notes"): "Kept for the fix"})
    sandbox.change_property("tasks", "Notes", rename="Details")  # Notion refuses "Notes" now
    with app.app_context():
        while delivery.sweep():
            pass
    [row] = form_rows(app)
    assert row.state == "failed" and row.error_property == "Notes"
    assert "Needs your attention" in client.get(
        f"/forms/{form_id}/submissions").get_data(as_text=True)
    history = client.get("/rows?state=attention").get_data(as_text=True)
    assert "Public form: Tasks" in history
    # The row form takes it back, as typed, to correct and send as the owner.
    refill = client.get(ds_url(app, sandbox, "tasks") + f"?row={row.id}").get_data(as_text=True)
    assert "Kept for the fix</textarea>" in refill
    # Or, once Notion is put back, Retry sends it as it is.
    sandbox.change_property("tasks", "Details", rename="Notes")
    retry = browser_fields(history, f"/rows/{row.id}/retry")
    assert client.post(f"/rows/{row.id}/retry", data=retry).status_code == 302
    with app.app_context():
        while delivery.sweep():
            pass
    assert [r.state for r in form_rows(app)] == ["sent"]


def test_a_refused_submission_corrected_in_the_row_form_is_still_the_forms_row(
        client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"is_open": "on"})
    send(app.test_client(), f"/f/{public_id(app, form_id)}",
         {key("Name"): "Corrected", key("Notes"): "Refused by Notion"})
    sandbox.change_property("tasks", "Notes", rename="Details")  # Notion refuses "Notes" now
    with app.app_context():
        while delivery.sweep():
            pass
    [row] = form_rows(app)
    assert row.state == "failed"
    url = ds_url(app, sandbox, "tasks")
    refill = client.get(url + f"?row={row.id}").get_data(as_text=True)
    fields = {"csrf_token": csrf_from(refill), "replaces": str(row.id), key("Name"): "Corrected",
              "nonce": re.search(r'name="nonce" value="(\w+)"', refill).group(1)}
    assert client.post(url, data=fields).status_code == 302
    assert sorted(r.state for r in form_rows(app)) == ["discarded", "sent"]
    sent = client.get("/rows").get_data(as_text=True)
    assert "Public form: Tasks" in sent and "Corrected" in sent


def test_rows_from_the_form_get_the_template_the_owner_chose(client, app, sandbox):
    bug_report = sandbox.seed()["templates"]["bug_report"]["id"]
    form_id = new_form(client, app, sandbox)
    resp = save(client, form_id, {"is_open": "on", "template": "0" * 32})
    assert resp.status_code == 400 and 'id="template-error"' in resp.get_data(as_text=True)
    assert save(client, form_id, {"is_open": "on", "template": bug_report}).status_code == 302
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert f'<option value="{bug_report}" selected>' in html
    send(app.test_client(), f"/f/{public_id(app, form_id)}", {key("Name"): "Templated"})
    with app.app_context():
        while delivery.sweep():
            pass
    [page] = sandbox.pages()
    assert page["template"] == {"type": "template_id", "template_id": bug_report}


def test_the_owner_can_ask_for_a_mail_on_each_submission(client, app, sandbox, smtp_server):
    form_id = new_form(client, app, sandbox)
    app.config["MAIL_URL"] = smtp_server.url
    save(client, form_id, {"is_open": "on", "title": "Sign-ups", "notify_each": "on"})
    path = f"/f/{public_id(app, form_id)}"
    send(app.test_client(), path, {key("Name"): "Ada joins", key("Notes"): "a private detail"})
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ada@example.com" and mail["Subject"] == "New submission: Sign-ups"
    body = mail.get_content()
    assert "Ada joins" in body and f"http://localhost/forms/{form_id}/submissions" in body
    assert "a private detail" not in body  # the title only: the values stay in the app
    save(client, form_id, drop=("notify_each",))
    send(app.test_client(), path, {key("Name"): "Quietly"})
    assert len(form_rows(app)) == 2 and len(smtp_server.messages) == 1


def test_visitors_see_a_schema_change_as_soon_as_the_app_knows_it(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"is_open": "on"})
    sandbox.change_property("tasks", "Notes", rename="What happened")
    with app.app_context():
        catalog.forget(db.session.scalar(db.select(NotionConnection)))
    client.get(ds_url(app, sandbox, "tasks"))  # the owner's page caches the schema again
    sandbox.clear_requests()
    visitor = app.test_client()
    html = visitor.get(f"/f/{public_id(app, form_id)}").get_data(as_text=True)
    assert calls(sandbox) == 0  # taken from the app's cache, not asked of Notion
    assert "What happened" in shown_names(html) and "Notes" not in shown_names(html)
    send(visitor, f"/f/{public_id(app, form_id)}", {key("Name"): "Renamed",
                                                   key("Notes"): "Lands under its new name"})
    with app.app_context():
        while delivery.sweep():
            pass
    [page] = sandbox.pages()
    assert "What happened" in page["request_properties"]
