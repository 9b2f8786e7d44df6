"""T36 — disconnecting a workspace keeps its unsent rows and imports; reconnecting the same
workspace (the same bot, or a new one) sends each of them exactly once."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from conftest import REDIRECT_URI, TEST_CLIENT_ID, TEST_CLIENT_SECRET
from helpers import (
    connect,
    ds_url,
    key,
    logout,
    page_form,
    post_form,
    send_import,
    signup,
    start_import,
    titles_in_notion,
)
from rows import make_all_due
from sqlalchemy import func, select

from notion_app import outbox
from notion_app.connections import authorizations
from notion_app.extensions import db
from notion_app.models import Import, NotionConnection, RowSubmission, User
from notion_app.notion.ids import compact_id
from notion_app.outbox import delivery

CSV = "Name,Estimate\nImported 1,1\nImported 2,2\nImported 3,3\n"
IMPORTED = ["Imported 1", "Imported 2", "Imported 3"]


def the_connection(app) -> NotionConnection:
    with app.app_context():
        [conn] = db.session.scalars(select(NotionConnection)).all()
        db.session.expunge(conn)
        return conn


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def states(app) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(select(RowSubmission.state)))


def sweep_all(app, max_wait: float = 30.0) -> int:
    tried = 0
    with app.app_context():
        while done := delivery.sweep(max_wait=max_wait):
            tried += done
    return tried


def creates(sandbox) -> int:
    return len(sandbox.requests(path="/v1/pages", method="POST"))


def add_row_from_the_form(client, app, sandbox, title: str):
    """The row form, loaded first (its schema is then cached), then posted."""
    url = ds_url(app, sandbox, "tasks")
    form = page_form(client, url)
    return lambda: client.post(url, data=form | {key("Name"): title})


def rows_stay_unsent(app, user_client, sandbox, trouble: str) -> None:
    """One row from the form and three from a CSV import, none of which Notion takes."""
    post_row = add_row_from_the_form(user_client, app, sandbox, "From the form")
    preview = start_import(user_client, app, sandbox, CSV.encode())
    if trouble == "rate_limited":  # every API call answers 429 with a Retry-After of 4 s
        sandbox.settings(rate_limit={"rate": 0.25, "burst": 0})
    else:
        sandbox.revoke_all()
    assert post_row().status_code == 302
    assert send_import(user_client, preview).status_code == 302
    sweep_all(app, max_wait=0.5)
    assert states(app) == {"pending": 4}


@pytest.mark.parametrize("trouble", ["rate_limited", "revoked"])
def test_disconnect_keeps_unsent_rows_and_reconnect_sends_each_once(
    app, user_client, sandbox, trouble
):
    """T36."""
    connect(user_client, sandbox)
    rows_stay_unsent(app, user_client, sandbox, trouble)
    conn = the_connection(app)
    assert titles_in_notion(sandbox) == {}

    page = user_client.get(f"/connections/{conn.id}/disconnect").get_data(as_text=True)
    assert "4 rows waiting to be sent" in page and "Nothing is deleted" in page
    resp = post_form(user_client, f"/connections/{conn.id}/disconnect")
    assert resp.status_code == 302
    assert "4 unsent rows are kept" in user_client.get("/connections").get_data(as_text=True)
    assert count(app, RowSubmission) == 4 and count(app, Import) == 1  # nothing deleted
    assert the_connection(app).state == "disconnected"

    dashboard = user_client.get("/connections").get_data(as_text=True)
    assert "Disconnected" in dashboard and "4 rows waiting for this workspace" in dashboard
    history = user_client.get("/rows").get_data(as_text=True)
    assert all(t in history for t in ["From the form", *IMPORTED])

    # While disconnected nothing is sent, however due the rows are.
    sandbox.settings(rate_limit=None)
    make_all_due(app)
    sandbox.clear_requests()
    sweep_all(app)
    assert creates(sandbox) == 0 and states(app) == {"pending": 4}
    with app.app_context():
        assert all(r.last_error == delivery.WAITING_FOR_RECONNECT
                   for r in db.session.scalars(select(RowSubmission)))

    connect(user_client, sandbox)
    again = the_connection(app)
    assert again.id == conn.id and again.state == "active" and again.bot_id == conn.bot_id
    assert "4 waiting rows are being sent now" in user_client.get("/connections").get_data(
        as_text=True)
    assert sweep_all(app) == 4
    assert states(app) == {"sent": 4}
    assert titles_in_notion(sandbox) == Counter(["From the form", *IMPORTED])
    assert creates(sandbox) == 4
    make_all_due(app)
    assert sweep_all(app) == 0


def authorize_directly(sandbox, notion_user: str) -> dict:
    """The OAuth flow at the sandbox without the app: the token response for `notion_user`."""
    query = urlencode({"client_id": TEST_CLIENT_ID, "redirect_uri": REDIRECT_URI,
                       "response_type": "code", "owner": "user", "state": "direct"})
    location = sandbox.consent(f"{sandbox.base_url}/v1/oauth/authorize?{query}",
                               workspace="acme", user=notion_user)
    code = parse_qs(urlsplit(location).query)["code"][0]
    resp = requests.post(f"{sandbox.base_url}/v1/oauth/token", timeout=5,
                         auth=(TEST_CLIENT_ID, TEST_CLIENT_SECRET),
                         json={"grant_type": "authorization_code", "code": code,
                               "redirect_uri": REDIRECT_URI})
    assert resp.status_code == 200, resp.text
    return resp.json()


def disconnect_with_waiting_rows(app, user_client, sandbox) -> NotionConnection:
    connect(user_client, sandbox)
    rows_stay_unsent(app, user_client, sandbox, "revoked")
    conn = the_connection(app)
    post_form(user_client, f"/connections/{conn.id}/disconnect")
    return conn


def test_a_new_bot_for_the_same_workspace_takes_over_the_disconnected_connection(
    app, user_client, sandbox
):
    old = disconnect_with_waiting_rows(app, user_client, sandbox)
    token = authorize_directly(sandbox, "grace")  # another member authorizes: a new bot_id
    assert token["bot_id"] != old.bot_id and token["workspace_id"] == old.workspace_id
    with app.app_context():
        user = db.session.get(User, old.user_id)
        conn = authorizations.save_authorization(user, token)
        assert (conn.id, conn.bot_id, conn.state) == (old.id, token["bot_id"], "active")
        assert outbox.resume_connection(conn) == 4  # what the OAuth callback does next
    assert count(app, NotionConnection) == 1
    assert sweep_all(app) == 4
    assert states(app) == {"sent": 4}
    assert titles_in_notion(sandbox) == Counter(["From the form", *IMPORTED])
    authors = {compact_id(p["page"]["created_by"]["id"]) for p in sandbox.pages()}
    assert authors == {compact_id(token["bot_id"])}


def test_another_local_user_connecting_the_workspace_does_not_adopt_it(
    app, client, sandbox
):
    signup(client, "ada@example.com")
    old = disconnect_with_waiting_rows(app, client, sandbox)
    logout(client)
    signup(client, "bob@example.com")
    connect(client, sandbox, user="grace")  # the same workspace, a new bot, another person here
    with app.app_context():
        conns = {c.id: c for c in db.session.scalars(select(NotionConnection))}
        assert len(conns) == 2
        assert conns[old.id].state == "disconnected" and conns[old.id].bot_id == old.bot_id
        assert conns[old.id].user_id == old.user_id
        owners = set(db.session.scalars(select(RowSubmission.connection_id)))
        assert owners == {old.id}  # the rows stay with their owner's connection
        assert set(db.session.scalars(select(Import.connection_id))) == {old.id}
    make_all_due(app)
    sandbox.clear_requests()
    sweep_all(app)
    assert states(app) == {"pending": 4} and creates(sandbox) == 0
    assert "From the form" not in client.get("/rows").get_data(as_text=True)


@pytest.mark.parametrize("arrived", [True, False])
def test_a_create_in_flight_with_the_old_bot_is_reconciled_after_the_reconnect(
    app, user_client, sandbox, arrived
):
    """The create went out with the old bot and its outcome is unknown (the page was made, or
    not); the workspace is disconnected and reconnected by another member (a new bot): the
    page the old bot made is adopted, or the row is sent once by the new bot."""
    connect(user_client, sandbox)
    post_row = add_row_from_the_form(user_client, app, sandbox, "In flight")
    if arrived:
        sandbox.ambiguous(count=1, mode="status", status=502)
    else:
        sandbox.fail_next(503, count=1, path="/v1/pages", method="POST")
    post_row()
    old = the_connection(app)
    with app.app_context():
        [row] = db.session.scalars(select(RowSubmission)).all()
        assert row.state == "unknown" and row.attempt_bot_ids == [old.bot_id]
    page = user_client.get(f"/connections/{old.id}/disconnect").get_data(as_text=True)
    assert "1 row waiting to be sent" in page
    post_form(user_client, f"/connections/{old.id}/disconnect")
    connect(user_client, sandbox, user="grace")
    conn = the_connection(app)
    assert conn.id == old.id and conn.bot_id != old.bot_id and conn.state == "active"
    make_all_due(app)
    assert sweep_all(app) == 1
    assert states(app) == {"sent": 1}
    made = sandbox.pages()
    assert titles_in_notion(sandbox) == {"In flight": 1}
    expected = old.bot_id if arrived else conn.bot_id
    assert [compact_id(p["page"]["created_by"]["id"]) for p in made] == [compact_id(expected)]
    with app.app_context():
        [row] = db.session.scalars(select(RowSubmission)).all()
        assert compact_id(row.notion_page_id) == compact_id(made[0]["id"])
        bots = [old.bot_id] if arrived else [old.bot_id, conn.bot_id]
        assert row.attempt_bot_ids == bots


def test_a_row_notion_refused_is_not_counted_as_waiting_for_the_reconnect(
    app, user_client, sandbox
):
    """Only rows that go out after a reconnect are counted as waiting: a row Notion refused
    (failed, it needs a correction) does not go out by reconnecting, so it is not counted."""
    connect(user_client, sandbox)
    post_row = add_row_from_the_form(user_client, app, sandbox, "Goes out later")
    sandbox.revoke_all()
    post_row()
    conn = the_connection(app)
    with app.app_context():
        db.session.add(RowSubmission(
            user_id=conn.user_id, connection_id=conn.id, data_source_id="d" * 32,
            properties={}, title_text="Refused by Notion", state="failed",
            last_error="Status is not an option."))
        db.session.commit()
    page = user_client.get(f"/connections/{conn.id}/disconnect").get_data(as_text=True)
    assert "1 row waiting to be sent" in page
    post_form(user_client, f"/connections/{conn.id}/disconnect")
    assert "1 row waiting for this workspace" in user_client.get("/connections").get_data(
        as_text=True)
    connect(user_client, sandbox)
    assert sweep_all(app) == 1
    assert states(app) == {"sent": 1, "failed": 1}
    assert titles_in_notion(sandbox) == {"Goes out later": 1}


def test_the_confirmation_names_what_waits_and_the_buttons_rank(app, user_client, sandbox):
    """Issue 12.6: Databases is the main action, Disconnect a quiet danger link; the confirmation
    lists the waiting rows, the imports in progress and the drafts, with their numbers."""
    connect(user_client, sandbox)
    conn = the_connection(app)
    with app.app_context():
        for state in ["draft", "draft", "sending", "done"]:
            db.session.add(Import(user_id=conn.user_id, connection_id=conn.id,
                                  data_source_id="d" * 32, filename=f"{state}.csv", state=state))
        db.session.commit()
    dashboard = user_client.get("/connections").get_data(as_text=True)
    assert '<a role="button" class="primary" href="/connections/' in dashboard  # Databases
    assert 'class="danger-link"' in dashboard and ">Connect another workspace<" in dashboard
    page = user_client.get(f"/connections/{conn.id}/disconnect").get_data(as_text=True)
    assert "1 import in progress." in page and "2 CSV drafts will be deleted" in page
    assert "waiting to be sent" not in page  # no rows wait: not mentioned
