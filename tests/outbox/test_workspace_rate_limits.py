"""Two levels of rate limits against the sandbox over HTTP.

Two local users connect the same workspace: their connections share the workspace's budget in
the app's pacer (NOTION_WORKSPACE_RATE / _BURST) and in the sandbox. A 429 that names the
workspace holds every connection to it; one that names the connection holds that one only. A
Retry-After over 60 s is never slept: the row is saved with its due time and the call returns.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from conftest import build_app, make_config
from helpers import connect, signup
from sqlalchemy import select

from notion_app import outbox
from notion_app.connections.tokens import with_client
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission, User, utcnow
from notion_app.notion.errors import NotionRateLimited
from notion_app.outbox import delivery

TASKS_SCHEMA = {"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}}


@pytest.fixture
def app(sandbox_server, tmp_path):
    app = build_app(make_config(tmp_path, sandbox_server.url,
                                NOTION_WORKSPACE_RATE=0.01, NOTION_WORKSPACE_BURST=3))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def two(app, sandbox):
    """Ada and Grace, two local users, each connected to the acme workspace."""
    ids = []
    for email, person in (("ada@example.com", "ada"), ("grace@example.com", "grace")):
        client = app.test_client()
        signup(client, email)
        connect(client, sandbox, workspace="acme", user=person)
    with app.app_context():
        conns = db.session.scalars(select(NotionConnection).order_by(NotionConnection.id)).all()
        assert len({c.workspace_id for c in conns}) == 1 and len({c.bot_id for c in conns}) == 2
        ids = [c.id for c in conns]
    sandbox.clear_requests()
    return ids


def me(app, conn_id):
    with app.app_context():
        conn = db.session.get(NotionConnection, conn_id)
        return with_client(conn, lambda c: c.users_me()["type"], max_wait=0)


def api_calls(sandbox) -> int:
    return len(sandbox.requests(path="/v1/users/me"))


def test_connections_to_one_workspace_share_the_workspace_budget(app, two, sandbox):
    # Each connection's own budget is large (1000/s); the workspace's is a burst of 3.
    results = []
    for conn_id in (two[0], two[1], two[0], two[1]):
        try:
            results.append(me(app, conn_id))
        except NotionRateLimited as exc:
            results.append(exc.code)
    assert results == ["bot", "bot", "bot", "paced"]  # Grace waits for Ada's use of it too
    assert api_calls(sandbox) == results.count("bot")  # paced calls never reached Notion


@pytest.fixture
def fast_app(sandbox_server, tmp_path):
    app = build_app(make_config(tmp_path, sandbox_server.url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def submit(app, user_id, conn_id, ds, title):
    with app.app_context():
        row, _ = outbox.submit(
            db.session.get(User, user_id), db.session.get(NotionConnection, conn_id),
            {"id": ds, "title": "Tasks"}, TASKS_SCHEMA,
            outbox.NewRow({"Name": {"title": [{"text": {"content": title}}]}}, uuid.uuid4().hex),
        )
        return row.id


@pytest.mark.parametrize(("reason", "other_is_held"), [
    ("workspace_rate_limit", True),
    ("integration_rate_limit", False),
])
def test_a_429_penalizes_the_bucket_its_reason_names_and_a_long_retry_after_is_a_due_time(
    fast_app, sandbox, reason, other_is_held
):
    app = fast_app
    for email, person in (("ada@example.com", "ada"), ("grace@example.com", "grace")):
        client = app.test_client()
        signup(client, email)
        connect(client, sandbox, workspace="acme", user=person)
    with app.app_context():
        conns = db.session.scalars(select(NotionConnection).order_by(NotionConnection.id)).all()
        ada, grace = [(c.user_id, c.id) for c in conns]
    ds = sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"]
    sandbox.fail_next(429, path="/v1/pages", retry_after=120, reason=reason)

    before = utcnow()
    row_id = submit(app, *ada, ds, "Ada's row")
    with app.app_context():
        row = delivery.send_now(db.session.get(RowSubmission, row_id), max_wait=3.0)
        assert row.state == "pending"
        assert row.next_attempt_at >= before + timedelta(seconds=120)  # not before Notion said
    assert len(sandbox.requests(path="/v1/pages")) == 1

    sandbox.clear_requests()
    with pytest.raises(NotionRateLimited):  # Ada's own connection is held either way
        me(app, ada[1])
    if other_is_held:
        with pytest.raises(NotionRateLimited) as held:
            me(app, grace[1])
        assert held.value.code == "paced" and held.value.retry_after >= 100
    else:
        assert me(app, grace[1]) == "bot"
    assert api_calls(sandbox) == (0 if other_is_held else 1)


def test_the_sandbox_workspace_bucket_answers_429_naming_the_workspace(fast_app, sandbox):
    app = fast_app
    sandbox.settings(rate_limit={"rate": 100.0, "burst": 100,
                                 "workspace": {"rate": 0.01, "burst": 2, "retry_after": 90}})
    for email, person in (("ada@example.com", "ada"), ("grace@example.com", "grace")):
        client = app.test_client()
        signup(client, email)
        connect(client, sandbox, workspace="acme", user=person)
    with app.app_context():
        a, g = db.session.scalars(select(NotionConnection.id).order_by(NotionConnection.id))
    answers = []
    for conn_id in (a, g, a):
        try:
            answers.append(me(app, conn_id))
        except NotionRateLimited as exc:
            answers.append((exc.code, exc.rate_limit_reason, exc.retry_after))
    assert answers[-1] == ("rate_limited", "workspace_rate_limit", 90)
