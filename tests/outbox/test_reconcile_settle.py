"""A page Notion made a moment ago may be missing from a query's results (the sandbox's
`query_index_delay` switch does what Notion's index does). An uncertain create is looked for
once its page would be listed; a look before that which finds nothing leaves the row waiting to
look again, never sending it a second time."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from rows import make_all_due, page_posts, send, submit
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.models import RowSubmission, utcnow

INDEX_DELAY = 3.0  # seconds before the sandbox's query lists a new page
SETTLE = 8.0  # the app's RECONCILE_SETTLE_SECONDS, longer than that


@pytest.fixture
def lagging(app, sandbox):
    app.config["RECONCILE_SETTLE_SECONDS"] = SETTLE
    sandbox.settings(query_index_delay=INDEX_DELAY)
    yield
    sandbox.settings(query_index_delay=0)


def stored(app, row_id: int) -> RowSubmission:
    with app.app_context():
        row = db.session.scalar(select(RowSubmission).where(RowSubmission.id == row_id))
        db.session.expunge(row)
        return row


def test_an_uncertain_create_is_looked_for_once_its_page_can_be_listed(
        app, conn_ids, sandbox, lagging):
    sandbox.ambiguous(count=1, mode="status", status=502)  # made in Notion, then a 502
    row = send(app, submit(app, conn_ids, "Made, then a 502"))
    assert row.state == "unknown"
    # The first look is planned for when the query lists the page: one query will do.
    assert row.next_attempt_at >= row.last_attempt_at + timedelta(seconds=SETTLE)

    make_all_due(app)  # someone presses Retry at once: the page is not listed yet
    row = send(app, row.id)
    assert row.state == "unknown" and len(page_posts(sandbox)) == 1  # looked, not resent
    assert row.next_attempt_at >= row.last_attempt_at + timedelta(seconds=SETTLE)

    while utcnow() < row.next_attempt_at:  # the row's own time, as the sender waits for it
        time.sleep(0.2)
    row = send(app, row.id)
    assert row.state == "sent" and len(page_posts(sandbox)) == 1
    [made] = [p for p in sandbox.pages() if p["page"]["id"] == row.notion_page_id]
    assert made


def test_a_create_that_never_reached_notion_is_sent_again_after_the_wait(
        app, conn_ids, sandbox, lagging):
    sandbox.fail_next(503, count=1, path="/v1/pages", method="POST")  # nothing was made
    row = send(app, submit(app, conn_ids, "Never made"))
    assert row.state == "unknown"
    with app.app_context():  # the wait has passed
        db.session.get(RowSubmission, row.id).last_attempt_at = utcnow() - timedelta(
            seconds=SETTLE + 1)
        db.session.commit()
    make_all_due(app)
    row = send(app, row.id)
    assert row.state == "sent" and len(page_posts(sandbox)) == 2
    assert stored(app, row.id).notion_page_id == row.notion_page_id
