"""Rows in the outbox, for the tests that drive it directly: submit a Tasks row, send it as the
row form does, move the clock so every waiting row is due, see what reached Notion.

The `conn_ids` fixture (tests/conftest.py) connects acme as ada and gives
(user id, connection id, tasks data source id).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import update

from notion_app import outbox
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission, User, utcnow
from notion_app.outbox import delivery

# The part of the Tasks schema the outbox reads: which property is the title.
TASKS_SCHEMA = {"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}}


def title_props(title: str) -> dict:
    return {"Name": {"title": [{"type": "text", "text": {"content": title}}]}}


def submit(app, conn_ids, title: str, nonce: str | None = None) -> int:
    """Save a Tasks row titled `title` (as an import or the API would); its id."""
    user_id, conn_id, ds = conn_ids
    with app.app_context():
        row, _ = outbox.submit(
            db.session.get(User, user_id), db.session.get(NotionConnection, conn_id),
            {"id": ds, "title": "Tasks"}, TASKS_SCHEMA,
            outbox.NewRow(title_props(title), nonce or uuid.uuid4().hex),
        )
        return row.id


def send(app, row_id: int, max_wait: float = 3.0) -> RowSubmission:
    """The row form's send (inside a web request); the row as it ended, detached."""
    with app.app_context():
        row = delivery.send_now(db.session.get(RowSubmission, row_id), max_wait=max_wait)
        db.session.refresh(row)
        db.session.expunge(row)
        return row


def make_all_due(app) -> None:
    """Move the clock: every waiting retry is due now (instead of sleeping in the test)."""
    with app.app_context():
        db.session.execute(
            update(RowSubmission)
            .where(RowSubmission.next_attempt_at.is_not(None))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.execute(
            update(RowSubmission)
            .where(RowSubmission.state == "sending")
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def page_posts(sandbox) -> list[dict]:
    return sandbox.requests(path="/v1/pages", method="POST")


def created_titles(sandbox) -> Counter:
    """Pages created through the API, counted by their title's first text item."""
    return Counter(
        p["request_properties"]["Name"]["title"][0]["text"]["content"] for p in sandbox.pages()
    )
