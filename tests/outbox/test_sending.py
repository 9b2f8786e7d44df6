"""The outbox against the sandbox: sent once, never early, never lost, reconciled when unsure."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta

import pytest
from helpers import connect
from rows import (
    TASKS_SCHEMA,
    created_titles,
    make_all_due,
    page_posts,
    send,
    submit,
    title_props,
)
from sqlalchemy import select

from notion_app import outbox
from notion_app.connections.tokens import with_client
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission, User, utcnow
from notion_app.outbox import delivery


def test_a_row_is_sent_once_with_a_link(app, conn_ids, sandbox):
    row = send(app, submit(app, conn_ids, "Write the report"))
    assert row.state == "sent" and row.notion_page_url.startswith("https://")
    assert len(page_posts(sandbox)) == 1
    assert created_titles(sandbox) == {"Write the report": 1}


def test_same_nonce_sends_once(app, conn_ids, sandbox):
    first = submit(app, conn_ids, "Once", nonce="n-1")
    second = submit(app, conn_ids, "Once", nonce="n-1")
    assert first == second
    send(app, first)
    send(app, second)
    assert len(page_posts(sandbox)) == 1


def test_rate_limited_row_is_never_sent_early(app, conn_ids, sandbox):
    """T24: a 429 with a Retry-After past the budget: pending, not resent before it is due."""
    sandbox.fail_next(429, count=1, path="/v1/pages", retry_after=3)
    row = send(app, submit(app, conn_ids, "Later"), max_wait=1.0)
    assert row.state == "pending"
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=2)
    with app.app_context():
        assert delivery.sweep() == 0
    assert len(page_posts(sandbox)) == 1
    make_all_due(app)  # the row's own clock says due; the connection's pacer still waits
    with app.app_context():
        assert delivery.sweep() == 1
    [first, second] = page_posts(sandbox)
    gap = datetime.fromisoformat(second["at"]) - datetime.fromisoformat(first["at"])
    assert gap >= timedelta(seconds=2.9)
    assert created_titles(sandbox) == {"Later": 1}


def test_short_retry_after_is_waited_within_the_request(app, conn_ids, sandbox):
    sandbox.fail_next(429, count=1, path="/v1/pages", retry_after=1)
    row = send(app, submit(app, conn_ids, "Soon"))
    assert row.state == "sent"
    assert len(page_posts(sandbox)) == 2


@pytest.mark.parametrize("mode", ["status", "hang"])
def test_ambiguous_create_is_reconciled_not_resent(app, conn_ids, sandbox, mode):
    """T25: the page is created, then 502 (or no answer in time): no duplicate, not lost."""
    app.config["NOTION_READ_TIMEOUT"] = 1.0
    sandbox.settings(hang_seconds=2)
    sandbox.ambiguous(count=1, mode=mode, status=502)
    row = send(app, submit(app, conn_ids, f"Ambiguous {mode}"))
    assert row.state == "unknown"
    make_all_due(app)
    row = send(app, row.id)
    assert row.state == "sent" and row.notion_page_id
    assert len(page_posts(sandbox)) == 1
    assert created_titles(sandbox) == {f"Ambiguous {mode}": 1}
    queries = sandbox.requests(path="/v1/data_sources/", method="POST")
    assert len(queries) == 1


def test_ambiguous_create_with_a_template_is_reconciled_after_the_template_landed(
    app, conn_ids, sandbox
):
    """The template changes the page after the create (Tags, Priority, Notes): the row is still
    recognised by the values it wrote itself, and not sent twice."""
    user_id, conn_id, ds = conn_ids
    bug_report = sandbox.seed()["templates"]["bug_report"]["id"]
    template = {"type": "template_id", "template_id": bug_report, "name": "Bug report"}
    with app.app_context():
        row, _ = outbox.submit(
            db.session.get(User, user_id), db.session.get(NotionConnection, conn_id),
            {"id": ds, "title": "Tasks"}, TASKS_SCHEMA,
            outbox.NewRow(title_props("Templated"), uuid.uuid4().hex, template=template),
        )
        row_id = row.id
    sandbox.ambiguous(count=1, mode="status", status=502)
    row = send(app, row_id)
    assert row.state == "unknown"
    sandbox.apply_templates()
    (created,) = sandbox.pages()
    page = created["page"]
    assert created["template"] == {"type": "template_id", "template_id": bug_report}
    assert sandbox.page_content(page["id"])["template_applied"] == bug_report
    make_all_due(app)
    row = send(app, row_id)
    assert row.state == "sent" and row.notion_page_id == page["id"]
    assert len(page_posts(sandbox)) == 1 and created_titles(sandbox) == {"Templated": 1}


def test_unknown_outcome_that_did_not_arrive_is_sent_after_checking(app, conn_ids, sandbox):
    row_id = submit(app, conn_ids, "Never arrived")
    with app.app_context():
        row = db.session.get(RowSubmission, row_id)
        row.state = "unknown"
        db.session.commit()
    row = send(app, row_id)
    assert row.state == "sent"
    assert created_titles(sandbox) == {"Never arrived": 1}


def test_validation_error_fails_the_row_and_names_the_property(app, conn_ids, sandbox):
    user_id, conn_id, ds = conn_ids
    with app.app_context():
        row, _ = outbox.submit(
            db.session.get(User, user_id),
            db.session.get(NotionConnection, conn_id),
            {"id": ds, "title": "Tasks"},
            TASKS_SCHEMA,
            outbox.NewRow(
                {**title_props("Bad"), "Status": {"status": {"name": "No such status"}}}, "bad"
            ),
        )
        row_id = row.id
    row = send(app, row_id)
    assert row.state == "failed" and row.error_property == "Status"
    assert "Status" in row.last_error
    assert sandbox.pages() == []


def test_revoked_token_flags_connection_and_row_goes_out_after_reconnect(
    app, user_client, conn_ids, sandbox
):
    """T27: the user removed the integration: flagged, row kept, sent once after reconnect."""
    sandbox.revoke_all()
    row = send(app, submit(app, conn_ids, "Waits for reconnect"))
    assert row.state == "pending" and row.next_attempt_at is None
    assert row.last_error == delivery.WAITING_FOR_RECONNECT
    with app.app_context():
        assert db.session.get(NotionConnection, conn_ids[1]).state == "needs_reconnect"
        assert delivery.sweep() == 0
    page = user_client.get("/connections").get_data(as_text=True)
    assert "needs to be reconnected" in page
    connect(user_client, sandbox)
    with app.app_context():
        assert db.session.get(NotionConnection, conn_ids[1]).state == "active"
        assert delivery.sweep() == 1
    assert created_titles(sandbox) == {"Waits for reconnect": 1}


def test_concurrent_calls_with_an_expired_token_refresh_once(app, conn_ids, sandbox):
    """T28: 10 requests at once with an expired token and rotating refresh tokens."""
    sandbox.expire_access_tokens()
    barrier = threading.Barrier(10)
    results: list[object] = []

    def call():
        with app.app_context():
            conn = db.session.get(NotionConnection, conn_ids[1])
            barrier.wait()
            try:
                results.append(with_client(conn, lambda c: c.users_me()["type"]))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results.append(exc)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["bot"] * 10
    refreshes = [
        r
        for r in sandbox.requests(path="/v1/oauth/token")
        if r["body"].get("grant_type") == "refresh_token"
    ]
    assert len(refreshes) == 1
    with app.app_context():
        assert db.session.get(NotionConnection, conn_ids[1]).state == "active"


def test_discard_and_retry(app, conn_ids, sandbox):
    sandbox.fail_next(503, count=1, path="/v1/pages")
    row = send(app, submit(app, conn_ids, "Retry me"))
    assert row.state == "unknown" and row.next_attempt_at > utcnow()
    with app.app_context():
        assert delivery.sweep() == 0
        outbox.retry(db.session.get(RowSubmission, row.id))
        assert delivery.sweep() == 1
    assert created_titles(sandbox) == {"Retry me": 1}
    sandbox.fail_next(429, count=1, path="/v1/pages", retry_after=60)
    other = send(app, submit(app, conn_ids, "Discard me"))
    with app.app_context():
        assert outbox.discard(db.session.get(RowSubmission, other.id))
    make_all_due(app)
    with app.app_context():
        assert delivery.sweep() == 0  # a discarded row is never sent, even once "due"
        assert db.session.get(RowSubmission, other.id).state == "discarded"  # and never deleted
    assert "Discard me" not in created_titles(sandbox)


def test_200_rows_under_random_faults_none_lost_none_duplicated(app, conn_ids, sandbox):
    """T26: random 429/5xx, ambiguous creates and an expired token: 0 lost, 0 duplicates."""
    sandbox.settings(
        random_faults={"probability": 0.2, "statuses": [500, 502, 503, 504], "paths": "/v1/"}
    )
    sandbox.fail_next(429, count=3, path="/v1/pages", retry_after=1)
    sandbox.fail_next(529, count=2, path="/v1/pages", retry_after=1)
    sandbox.ambiguous(count=15, mode="status", status=502)
    titles = [f"row {i:03d}" for i in range(200)]
    ids = [submit(app, conn_ids, t) for t in titles]
    for row_id in ids[:100]:
        send(app, row_id, max_wait=0.0)
    sandbox.expire_access_tokens()
    for _ in range(40):
        make_all_due(app)
        with app.app_context():
            tried = 0
            while done := delivery.sweep(limit=500, max_wait=1.5):  # until nothing is due
                tried += done
        if not tried:
            break
    with app.app_context():
        rows = list(db.session.scalars(select(RowSubmission)))
    assert len(rows) == 200
    assert Counter(r.state for r in rows) == {"sent": 200}
    counts = created_titles(sandbox)
    assert sorted(counts) == titles
    assert max(counts.values()) == 1


def test_worker_killed_after_sending_is_reconciled_not_resent(app, conn_ids, sandbox):
    """T26 (worker kill): a worker leased the row, created the page, and died before recording
    it. When the lease runs out, the next sweep finds the page instead of sending it again."""
    row_id = submit(app, conn_ids, "Sent by a worker that died")
    with app.app_context():
        assert delivery.claim(row_id) == "pending"
        row = db.session.get(RowSubmission, row_id)
        conn = db.session.get(NotionConnection, row.connection_id)
        delivery.begin_attempt(row, conn)  # what a sender records before it creates
        with_client(conn, lambda c: c.create_page(row.data_source_id, row.properties))
        assert delivery.sweep() == 0  # the lease still holds: nobody touches the row
    make_all_due(app)
    with app.app_context():
        assert delivery.sweep() == 1
        row = db.session.get(RowSubmission, row_id)
        assert row.state == "sent" and row.notion_page_id
    assert created_titles(sandbox) == {"Sent by a worker that died": 1}


def test_retrying_a_row_that_failed_while_reconciling_checks_notion_first(app, conn_ids, sandbox):
    """The create reached Notion (a 502 after the page was made), then the look-up failed with
    a 403: the row shows as failed. Retry must look for the page again, not create a second."""
    sandbox.ambiguous(count=1, mode="status", status=502)
    row = send(app, submit(app, conn_ids, "Made, then the look-up failed"))
    assert row.state == "unknown"
    sandbox.fail_next(403, count=1, path="/v1/data_sources/", method="POST")
    make_all_due(app)
    with app.app_context():
        delivery.sweep()
        row = db.session.get(RowSubmission, row.id)
        assert row.state == "failed"
        outbox.retry(row)
        assert delivery.sweep() == 1
        assert db.session.get(RowSubmission, row.id).state == "sent"
    assert created_titles(sandbox) == {"Made, then the look-up failed": 1}


def test_a_sender_that_outlived_its_lease_does_not_overwrite_the_outcome(app, conn_ids, sandbox):
    """Sender A's create hangs past its lease; sender B takes the row over, finds A's page and
    records it as sent. When A's request finally times out, A must not mark the row unknown."""
    app.config["OUTBOX_LEASE_SECONDS"] = 1
    sandbox.settings(hang_seconds=5)  # longer than the client's 3 s read timeout
    sandbox.ambiguous(count=1, mode="hang")
    row_id = submit(app, conn_ids, "Hung past its lease")

    def sender_a():
        with app.app_context():
            delivery.send_now(db.session.get(RowSubmission, row_id), max_wait=1.0)

    a = threading.Thread(target=sender_a)
    a.start()
    with app.app_context():
        deadline = time.monotonic() + 10
        while not created_titles(sandbox) and time.monotonic() < deadline:
            time.sleep(0.05)  # A's create has reached Notion (and hangs there)
        time.sleep(1.2)  # A's lease runs out
        assert delivery.sweep() == 1  # B reconciles: finds A's page
        assert db.session.get(RowSubmission, row_id).state == "sent"
    a.join(timeout=15)
    with app.app_context():
        row = db.session.get(RowSubmission, row_id)
        assert row.state == "sent" and row.notion_page_id
    assert created_titles(sandbox) == {"Hung past its lease": 1}
