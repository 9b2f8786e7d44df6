"""Templates on create from the row form, against the sandbox over real HTTP: offered from a
cached list, sent with the create, recorded with the row, refused at the field when not offered."""

from __future__ import annotations

import re

from helpers import calls, connect, ds_url, key, page_form
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.models import RowSubmission


def templates(sandbox) -> dict[str, str]:
    return {k: t["id"] for k, t in sandbox.seed()["templates"].items()}


def options(html: str) -> list[tuple[str, str]]:
    select_html = re.search(r'<select id="template" name="template".*?</select>', html, re.S)
    assert select_html, "no template select on the page"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_html.group(0))


def saved_rows(app) -> list[RowSubmission]:
    with app.app_context():
        rows = list(db.session.scalars(select(RowSubmission).order_by(RowSubmission.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_form_offers_the_templates_only_where_there_are_some(app, user_client, sandbox):
    connect(user_client, sandbox)
    ids = templates(sandbox)
    html = user_client.get(ds_url(app, sandbox, "tasks")).get_data(as_text=True)
    assert options(html) == [("", "None"), ("default", "Default (Bug report)"),
                             (ids["bug_report"], "Bug report"),
                             (ids["weekly_review"], "Weekly review")]
    projects = user_client.get(ds_url(app, sandbox, "projects")).get_data(as_text=True)
    assert 'name="template"' not in projects


def test_reopening_the_form_asks_notion_for_the_rows_only(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    user_client.get(url)
    sandbox.clear_requests()
    html = user_client.get(url).get_data(as_text=True)
    assert "Weekly review" in html
    assert [r["path"].rsplit("/", 1)[-1] for r in sandbox.requests()] == ["query"]
    # Sending the form reads the same cached list: the create is its only Notion call.
    data = page_form(user_client, url)
    sandbox.clear_requests()
    resp = user_client.post(url, data=data | {key("Name"): "Cached", "template": "default"})
    assert resp.status_code == 302
    assert [(r["method"], r["path"]) for r in sandbox.requests()] == [("POST", "/v1/pages")]


def test_a_row_is_created_with_its_template_and_the_history_shows_it(app, user_client, sandbox):
    connect(user_client, sandbox)
    ids = templates(sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): "Crash on save",
                                          "template": ids["bug_report"]}
    resp = user_client.post(url, data=data)
    assert resp.status_code == 302
    created = sandbox.pages()[-1]
    assert created["template"] == {"type": "template_id", "template_id": ids["bug_report"]}
    (row,) = saved_rows(app)
    assert row.state == "sent"
    assert row.template == {"type": "template_id", "template_id": ids["bug_report"],
                            "name": "Bug report"}
    sandbox.apply_templates()
    content = sandbox.page_content(row.notion_page_id)
    assert content["template_applied"] == ids["bug_report"]
    history = user_client.get("/rows").get_data(as_text=True)
    assert "Template: Bug report" in history


def test_default_or_none_are_sent_as_notion_expects(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    user_client.post(url, data=page_form(user_client, url) | {key("Name"): "With default",
                                                               "template": "default"})
    user_client.post(url, data=page_form(user_client, url) | {key("Name"): "Plain",
                                                               "template": ""})
    with_default, plain = sandbox.pages()[-2:]
    assert with_default["template"] == {"type": "default"}
    assert plain["template"] is None  # the default template is not applied unless asked for
    rows = saved_rows(app)
    assert rows[0].template == {"type": "default", "name": "Bug report"}
    assert rows[1].template is None
    assert "Template: Bug report (default)" in user_client.get("/rows").get_data(as_text=True)


def test_a_template_not_offered_is_refused_at_the_field_and_nothing_typed_is_lost(
    app, user_client, sandbox
):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): "Keep me ✨", key("Estimate"): "4",
                                          "template": "0" * 32}
    sandbox.clear_requests()
    resp = user_client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert re.search(r'<small id="template-error" class="field-error">This template is not '
                     r"one of this database&#39;s templates", html)
    assert 'aria-describedby="template-error"' in html
    assert 'value="Keep me ✨"' in html and 'value="4"' in html
    assert calls(sandbox) == 0 and saved_rows(app) == []


def test_a_template_deleted_in_notion_fails_the_row_which_can_be_sent_without_it(
    app, user_client, sandbox
):
    connect(user_client, sandbox)
    ids = templates(sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): "Late", "template": ids["weekly_review"]}
    sandbox.delete_template(ids["weekly_review"])  # the app's list is cached: still offered
    resp = user_client.post(url, data=data, follow_redirects=True)
    html = resp.get_data(as_text=True)
    (row,) = saved_rows(app)
    assert row.state == "failed" and "is not a template of data source" in row.last_error
    # The form comes back filled with the row, its template still chosen, to change or drop.
    assert 'value="Late"' in html
    assert f'<option value="{ids["weekly_review"]}" selected>' in html
    again = page_form(user_client, f"{url}?row={row.id}") | {
        key("Name"): "Late", "template": "", "replaces": str(row.id)}
    user_client.post(url, data=again)
    rows = saved_rows(app)
    assert [r.state for r in rows] == ["discarded", "sent"] and rows[1].template is None
