"""The history of rows (/rows): filter, retry, discard; and T10 — nobody sees another's objects."""

from __future__ import annotations

import re

from helpers import conn_id, connect, csrf_from, ds_ids, key, login, logout, page_form, signup
from sqlalchemy import select

from notion_app import crypto
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission


def add_rows(app, user_id: int, connection_id: int, states: list[str]) -> list[int]:
    with app.app_context():
        rows = [
            RowSubmission(
                user_id=user_id, connection_id=connection_id, data_source_id="d" * 32,
                data_source_title="Projects", properties={}, title_text=f"row {state} {i}",
                state=state, last_error="Notion said <no>" if state == "failed" else None,
            )
            for i, state in enumerate(states)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def test_history_lists_filters_retries_and_discards(app, user_client, sandbox):
    connect(user_client, sandbox)
    ids = add_rows(app, 1, conn_id(app), ["sent", "failed", "pending", "unknown"])
    html = user_client.get("/rows").get_data(as_text=True)
    order = re.findall(r"row (\w+) \d", html)
    assert order == ["unknown", "pending", "failed", "sent"]
    assert "Notion said &lt;no&gt;" in html
    assert html.count(">Retry</button>") == 3 and html.count(">Discard</button>") == 3
    failed = user_client.get("/rows?state=failed").get_data(as_text=True)
    assert "row failed" in failed and "row sent" not in failed and "row pending" not in failed

    data = {"csrf_token": csrf_from(html)}
    assert user_client.post(f"/rows/{ids[1]}/retry", data=data).status_code == 302
    assert user_client.post(f"/rows/{ids[2]}/discard", data=data).status_code == 302
    assert user_client.post(f"/rows/{ids[0]}/discard", data=data).status_code == 302
    assert user_client.post(f"/rows/{ids[3]}/retry").status_code == 400  # no CSRF token
    with app.app_context():
        states = {r.id: r.state for r in db.session.scalars(select(RowSubmission))}
    # Discard keeps the row (never sent); a sent row cannot be discarded.
    assert states == {ids[0]: "sent", ids[1]: "pending", ids[2]: "discarded", ids[3]: "unknown"}


def test_t10_another_user_gets_404_everywhere_and_no_notion_call(app, client, sandbox):
    signup(client, "ada@example.com")
    connect(client, sandbox)
    a_conn = conn_id(app)
    a_url = f"/connections/{a_conn}/data-sources/{ds_ids(sandbox)['tasks']}"
    form = page_form(client, a_url)
    [a_row] = add_rows(app, 1, a_conn, ["failed"])
    with app.app_context():
        a_token = crypto.decrypt(db.session.get(NotionConnection, a_conn).access_token_encrypted)
    logout(client)

    signup(client, "bob@example.com")
    connect(client, sandbox, workspace="globex", user="hedy")
    token = csrf_from(client.get("/connections").get_data(as_text=True))
    sandbox.clear_requests()
    gets = [f"/connections/{a_conn}/databases", f"/connections/{a_conn}/databases?q=x", a_url,
            a_url + "?cursor=abc", a_url + "/choices/p-title", a_url + "?load=p-title",
            f"/connections/{a_conn}/databases/open?link={ds_ids(sandbox)['tasks']}"]
    posts = [f"/connections/{a_conn}/databases/refresh", a_url, f"/rows/{a_row}/retry",
             f"/rows/{a_row}/discard", f"/connections/{a_conn}/reconnect",
             f"/connections/{a_conn}/disconnect"]
    statuses = [client.get(u).status_code for u in gets]
    body = form | {"csrf_token": token, key("Name"): "from bob"}
    statuses += [client.post(u, data=body).status_code for u in posts]
    assert statuses == [404] * len(statuses)
    assert "row failed" not in client.get("/rows").get_data(as_text=True)
    assert not [r for r in sandbox.requests() if r.get("token") == a_token]
    assert sandbox.requests() == []
    logout(client)

    login(client, "ada@example.com")
    with app.app_context():
        assert db.session.get(RowSubmission, a_row).state == "failed"
        assert db.session.get(NotionConnection, a_conn).state == "active"


def test_history_pages_past_100_rows(app, user_client, sandbox):
    connect(user_client, sandbox)
    add_rows(app, 1, conn_id(app), ["sent"] * 101)
    html = user_client.get("/rows").get_data(as_text=True)
    assert html.count("row sent ") == 100 and "Older rows" in html
    older = re.search(r'href="(/rows\?before=\d+)"', html).group(1)
    html = user_client.get(older).get_data(as_text=True)
    assert html.count("row sent ") == 1 and "Older rows" not in html
