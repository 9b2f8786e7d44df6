"""The outbox against Notion's real behaviours (issue 11): an over-size refusal (413 or 400) fails
the row once, a 409 is retried once, an HTML block from the edge is temporary, and background
sends wait past Notion's 60 s limit while the row form's send keeps its short budget."""

from __future__ import annotations

import pytest
from rows import created_titles, make_all_due, page_posts, send, submit

from notion_app.extensions import db
from notion_app.models import RowSubmission
from notion_app.outbox import delivery


@pytest.mark.parametrize("status", [413, 400])
def test_notion_refusing_the_size_fails_the_row_and_never_resends(app, conn_ids, sandbox,
                                                                  status):
    # A Notion stricter than the app's own measure (which "500 KB" is, is unconfirmed).
    sandbox.settings(oversize_status=status, max_body_bytes=200)
    row = send(app, submit(app, conn_ids, "A title that makes the body longer than 200 bytes"))
    assert row.state == "failed"
    assert "too large" in row.last_error and "500 KB" in row.last_error
    make_all_due(app)
    with app.app_context():
        assert delivery.sweep() == 0
    assert len(page_posts(sandbox)) == 1 and sandbox.pages() == []
    assert sandbox.requests(path="/v1/data_sources/") == []  # no reconciling: nothing was made


def test_409_conflict_is_retried_once_and_sent_once(app, conn_ids, sandbox):
    sandbox.fail_next(409, path="/v1/pages", method="POST")
    row = send(app, submit(app, conn_ids, "After a conflict"))
    assert row.state == "sent"
    assert len(page_posts(sandbox)) == 2
    assert created_titles(sandbox) == {"After a conflict": 1}


def test_html_403_from_the_edge_is_temporary_not_forbidden(app, conn_ids, sandbox):
    sandbox.fail_next(403, count=10, html=True, path="/v1/pages", method="POST")
    row = send(app, submit(app, conn_ids, "Blocked for a moment"))
    assert row.state == "pending" and row.next_attempt_at is not None
    assert "edge" in row.last_error
    assert sandbox.pages() == []


def test_html_403_then_ok_is_sent(app, conn_ids, sandbox):
    sandbox.fail_next(403, count=1, html=True, path="/v1/pages", method="POST")
    row = send(app, submit(app, conn_ids, "Through the edge"))
    assert row.state == "sent"
    assert created_titles(sandbox) == {"Through the edge": 1}


def test_a_json_403_still_fails_the_row(app, conn_ids, sandbox):
    sandbox.fail_next(403, path="/v1/pages", method="POST")
    row = send(app, submit(app, conn_ids, "Really forbidden"))
    assert row.state == "failed"


def test_background_sends_wait_past_the_web_budget(app, conn_ids, sandbox):
    """A create Notion answers after 1.5 s: the web send (1 s) cannot tell whether it arrived;
    the sweep (background timeout 4 s here, 65 s by default) gets the answer."""
    app.config.update(NOTION_READ_TIMEOUT=1.0, NOTION_BACKGROUND_READ_TIMEOUT=4.0)
    sandbox.settings(hang_seconds=1.5)
    sandbox.ambiguous(count=1, mode="hang")
    web = send(app, submit(app, conn_ids, "Slow in the web request"))
    assert web.state == "unknown"

    sandbox.ambiguous(count=1, mode="hang")
    background_id = submit(app, conn_ids, "Slow in the background")
    with app.app_context():
        db.session.query(RowSubmission).filter(RowSubmission.id == web.id).delete()
        db.session.commit()
        assert delivery.sweep() == 1
        row = db.session.get(RowSubmission, background_id)
        assert row.state == "sent" and row.notion_page_id


def test_the_background_timeout_is_a_setting_defaulting_past_60_seconds():
    from notion_app.config import DEFAULTS

    assert DEFAULTS["NOTION_BACKGROUND_READ_TIMEOUT"] > 60
    assert DEFAULTS["NOTION_READ_TIMEOUT"] <= 30
