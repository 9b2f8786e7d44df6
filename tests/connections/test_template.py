"""A person who connects by duplicating the integration's template (issue 11 point 10, contract
§1.2 `duplicated_template_id`): the dashboard says so and links to the copied page."""

from __future__ import annotations

from helpers import conn_id, connect, finish_at, start_connect

from notion_app.extensions import db
from notion_app.models import NotionConnection


def _connect_by_duplicating(client, sandbox):
    location = sandbox.consent(start_connect(client), duplicate=True)
    return finish_at(client, location)


def test_duplicating_the_template_is_shown_with_a_link_to_the_copy(app, user_client, sandbox):
    sandbox.settings(template="Row tracker")
    assert _connect_by_duplicating(user_client, sandbox).status_code == 302
    with app.app_context():
        copied = db.session.get(NotionConnection, conn_id(app)).duplicated_template_id
    assert copied and copied not in sandbox.seed()["pages"].values()
    html = user_client.get("/connections").get_data(as_text=True)
    assert "You connected by duplicating this app's template" in html
    assert f'href="https://www.notion.so/{copied.replace("-", "")}"' in html
    # the copy (with its database) is what was shared
    listing = user_client.get(f"/connections/{conn_id(app)}/databases").get_data(as_text=True)
    assert "Row tracker rows" in listing and "Tasks" not in listing
    # a later reconnect without the template keeps saying where the copy is
    connect(user_client, sandbox)
    assert "duplicating this app's template" in user_client.get("/connections").get_data(
        as_text=True)


def test_a_plain_connect_says_nothing_about_a_template(app, user_client, sandbox):
    sandbox.settings(template="Row tracker")
    connect(user_client, sandbox)
    html = user_client.get("/connections").get_data(as_text=True)
    assert "duplicating" not in html and "notion.so/" not in html
