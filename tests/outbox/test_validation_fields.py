"""A Notion validation error is pinned to the whole property name the sandbox's message names
(not cut at the first space: "Project count" used to become "Project")."""

from __future__ import annotations

import uuid

import pytest
from helpers import connect
from sqlalchemy import select

from notion_app import outbox
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission, User
from notion_app.outbox import delivery

TASKS_SCHEMA = {"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}}


@pytest.mark.parametrize(("extra", "field"), [
    ({"Project count": {"rollup": {"number": 3}}}, "Project count"),  # read-only property
    ({"Due date": {"date": {"start": "2026-01-01"}}}, "Due date"),  # not a property that exists
])
def test_the_row_error_names_the_whole_property(app, user_client, sandbox, extra, field):
    connect(user_client, sandbox)
    ds = sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"]
    with app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        props = {"Name": {"title": [{"text": {"content": "Bad"}}]}, **extra}
        row, _ = outbox.submit(db.session.get(User, conn.user_id), conn,
                               {"id": ds, "title": "Tasks"}, TASKS_SCHEMA,
                               outbox.NewRow(props, uuid.uuid4().hex))
        row = delivery.send_now(db.session.get(RowSubmission, row.id), max_wait=3.0)
        assert row.state == "failed"
        assert row.error_property == field, row.last_error
    assert sandbox.pages() == []
