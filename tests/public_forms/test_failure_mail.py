"""The owner's mail when a submission fails (issue 15 point 3): sent through a real SMTP server
when the outbox gives a form's row up, naming the form, the row's title and Notion's reason with
a link to the submissions page, never the visitor's other answers; only when asked for."""

from __future__ import annotations

from helpers import key

from notion_app.models import RowState
from notion_app.outbox import delivery
from public_forms.support import form_rows, new_form, public_id, save, send


def deliver(app) -> None:
    with app.app_context():
        while delivery.sweep():
            pass


def refused_submission(client, app, sandbox, smtp_server, **settings) -> int:
    """A visitor's row that Notion refuses: Notes was removed in Notion after the form cached
    the schema. Returns the form's id."""
    form_id = new_form(client, app, sandbox)
    app.config["MAIL_URL"] = smtp_server.url
    assert save(client, form_id, {"is_open": "on", "title": "Bug reports", **settings}
                ).status_code == 302
    sandbox.change_property("tasks", "Notes", remove=True)
    resp = send(app.test_client(), f"/f/{public_id(app, form_id)}",
                {key("Name"): "Crash on save", key("Notes"): "my private phone 0612"})
    assert resp.status_code == 303
    deliver(app)
    [row] = form_rows(app)
    assert row.state == RowState.FAILED and sandbox.pages() == []
    return form_id


def test_the_owner_is_mailed_when_a_submission_fails(client, app, sandbox, smtp_server):
    form_id = refused_submission(client, app, sandbox, smtp_server, notify_failures="on")
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"] == "A submission to “Bug reports” did not reach Notion"
    body = mail.get_content()
    assert "“Bug reports”" in body and "Crash on save" in body
    assert "Notes is not a property that exists" in body
    assert f"http://localhost/forms/{form_id}/submissions" in body
    assert "0612" not in body  # the visitor's other answers stay in the app


def test_no_mail_unless_the_owner_asked(client, app, sandbox, smtp_server):
    refused_submission(client, app, sandbox, smtp_server)
    # A row sent afterwards through a form that mails on each one proves the server is heard.
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"is_open": "on", "title": "Sign-ups", "notify_each": "on"})
    send(app.test_client(), f"/f/{public_id(app, form_id)}", {key("Name"): "Hello"})
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == "New submission: Sign-ups"
    deliver(app)
    assert [m["Subject"] for m in smtp_server.messages] == ["New submission: Sign-ups"]


def test_the_builder_keeps_the_choice(client, app, sandbox):
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"notify_failures": "on"})
    assert 'name="notify_failures" value="on" checked' in \
        client.get(f"/forms/{form_id}").get_data(as_text=True)
    save(client, form_id, drop=("notify_failures",))
    assert 'name="notify_failures" value="on" checked' not in \
        client.get(f"/forms/{form_id}").get_data(as_text=True)
