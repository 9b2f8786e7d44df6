"""Webhooks out, delivered to a real receiver on 127.0.0.1: a row sent through the outbox (to the
Notion sandbox) arrives as a signed `row.sent`; a 500 is tried again after its backoff with the
same message id; a redirect is not followed; a day of failures is given up; a refused row is
`row.failed`. The sender's sweep runs in the test (tests/webhooks/test_senders.py runs the thread
and RQ senders themselves)."""

from __future__ import annotations

from datetime import timedelta

from rows import make_all_due, send, submit, title_props
from sqlalchemy import update
from standardwebhooks import Webhook

from notion_app import crypto, outbox
from notion_app.extensions import db
from notion_app.models import NotionConnection, User, utcnow
from notion_app.outbox import delivery as outbox_delivery
from notion_app.webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.support import add_endpoint, attempts, deliveries, sweep


def _hook(user_client, ada, receiver, **kw) -> str:
    resp, secret = add_endpoint(user_client, ada[1], receiver.url, **kw)
    assert resp.status_code == 200 and secret, resp.get_data(as_text=True)
    return secret


def test_a_sent_row_reaches_the_receiver_signed(hooks_app, user_client, ada, receiver, sandbox):
    secret = _hook(user_client, ada, receiver)
    row = send(hooks_app, submit(hooks_app, ada, "Webhook me"))
    assert row.state == "sent"
    assert receiver.got == []  # saved with the outcome, never sent inside the outbox's lease

    assert sweep(hooks_app) == 1
    [got] = receiver.got
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "row.sent"
    assert payload["data"]["id"] == row.id
    assert payload["data"]["notion_page_id"] == row.notion_page_id
    assert payload["data"]["notion_page_url"] == row.notion_page_url
    assert payload["data"]["source"] == "row_form"
    assert got.headers["webhook-signature"].startswith("v1,")
    # Nothing that opens the workspace travels with it.
    with hooks_app.app_context():
        conn = db.session.get(NotionConnection, ada[1])
        assert crypto.decrypt(conn.access_token_encrypted) not in got.body.decode()
    assert [d.state for d in deliveries(hooks_app)] == ["delivered"]
    assert sweep(hooks_app) == 0  # delivered once


def test_a_wrong_secret_does_not_verify(hooks_app, user_client, ada, receiver, sandbox):
    _hook(user_client, ada, receiver)
    send(hooks_app, submit(hooks_app, ada, "Signed"))
    sweep(hooks_app)
    [got] = receiver.got
    other = Webhook("whsec_" + "A" * 32)
    try:
        other.verify(got.body, got.headers)
    except Exception as exc:  # noqa: BLE001 - the library's verification error
        assert "signature" in str(exc).lower()
    else:
        raise AssertionError("a delivery verified with another secret")


def test_a_500_is_tried_again_after_the_backoff(hooks_app, user_client, ada, receiver, sandbox):
    secret = _hook(user_client, ada, receiver)
    receiver.plan.append((500, {}))
    send(hooks_app, submit(hooks_app, ada, "Retry me"))

    assert sweep(hooks_app) == 1
    [first] = attempts(hooks_app)
    assert first.status_code == 500 and first.next_try_at is not None
    assert [d.state for d in deliveries(hooks_app)] == ["pending"]
    assert sweep(hooks_app) == 0  # not before its backoff
    assert len(receiver.got) == 1

    _make_deliveries_due(hooks_app)
    assert sweep(hooks_app) == 1
    assert len(receiver.got) == 2
    again = receiver.got[1]
    assert again.headers["webhook-id"] == receiver.got[0].headers["webhook-id"]
    assert Webhook(secret).verify(again.body, again.headers)["type"] == "row.sent"
    assert [d.state for d in deliveries(hooks_app)] == ["delivered"]
    assert [a.status_code for a in attempts(hooks_app)] == [500, 200]


def test_a_redirect_is_not_followed(hooks_app, user_client, ada, receiver, sandbox):
    _hook(user_client, ada, receiver)
    receiver.plan.append((307, {"Location": receiver.url.replace("/hooks", "/elsewhere")}))
    send(hooks_app, submit(hooks_app, ada, "Redirected"))
    sweep(hooks_app)
    assert [g.path for g in receiver.got] == ["/hooks"]
    [attempt] = attempts(hooks_app)
    assert attempt.status_code == 307 and "not followed" in attempt.error


def test_a_connection_error_is_retried(hooks_app, user_client, ada, receiver, sandbox):
    _hook(user_client, ada, receiver)
    receiver.stop()  # nobody listens on its port now
    send(hooks_app, submit(hooks_app, ada, "Nobody home"))
    sweep(hooks_app)
    [attempt] = attempts(hooks_app)
    assert attempt.status_code is None and "connect" in attempt.error.lower()
    assert attempt.next_try_at is not None
    receiver.stop = lambda: None  # the fixture's stop() must not run twice


def test_after_a_day_of_failures_it_is_given_up(hooks_app, user_client, ada, receiver, sandbox):
    _hook(user_client, ada, receiver)
    receiver.plan.append((503, {}))
    send(hooks_app, submit(hooks_app, ada, "Too late"))
    with hooks_app.app_context():
        db.session.execute(update(WebhookDelivery).values(
            created_at=utcnow() - timedelta(hours=24)))
        db.session.commit()
    sweep(hooks_app)
    [delivery] = deliveries(hooks_app)
    assert delivery.state == "failed" and delivery.next_attempt_at is None
    [attempt] = attempts(hooks_app)
    assert "Given up" in attempt.error and attempt.next_try_at is None
    _make_deliveries_due(hooks_app)
    assert sweep(hooks_app) == 0


def test_a_refused_row_is_row_failed(hooks_app, user_client, ada, receiver, sandbox):
    secret = _hook(user_client, ada, receiver, events=("row.failed",))
    user_id, conn_id, ds = ada
    with hooks_app.app_context():
        row, _ = outbox.submit(
            db.session.get(User, user_id), db.session.get(NotionConnection, conn_id),
            {"id": ds, "title": "Tasks"}, {}, outbox.NewRow(
                {**title_props("Bad"), "No such property": {"rich_text": []}}, "bad-row"))
        row_id = row.id
    failed = send(hooks_app, row_id)
    assert failed.state == "failed"
    sweep(hooks_app)
    [got] = receiver.got
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "row.failed"
    assert payload["data"]["error"] == failed.last_error


def test_only_the_events_asked_for(hooks_app, user_client, ada, receiver, sandbox):
    _hook(user_client, ada, receiver, events=("row.failed",))
    send(hooks_app, submit(hooks_app, ada, "Not wanted"))
    assert sweep(hooks_app) == 0 and receiver.got == []


def _make_deliveries_due(app) -> None:
    """Move the clock, as tests/rows.py make_all_due does for the outbox."""
    make_all_due(app)
    with app.app_context():
        db.session.execute(update(WebhookDelivery).where(
            WebhookDelivery.next_attempt_at.is_not(None)).values(
            next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_an_import_that_finishes_is_told_once(hooks_app, user_client, ada, receiver, sandbox):
    from helpers import import_id, send_import, start_import

    secret = _hook(user_client, ada, receiver, events=("import.finished",))
    preview = start_import(user_client, hooks_app, sandbox,
                           b"Name,Estimate,priority\nAlpha,1,High\nBeta,2,Low\nGamma,x,Medium\n")
    send_import(user_client, preview)
    imp_id = import_id(preview)
    with hooks_app.app_context():
        while outbox_delivery.sweep():
            pass
    for _ in range(2):  # two looks at the progress page: one event
        assert user_client.get(f"/imports/{imp_id}/status").get_json()["state"] == "done"
    assert sweep(hooks_app) == 1
    [got] = receiver.got
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "import.finished"
    assert (payload["data"]["id"], payload["data"]["sent"], payload["data"]["invalid"]) == (
        imp_id, 2, 1)


def test_a_host_that_does_not_resolve_is_tried_again(hooks_app, user_client, ada, receiver,
                                                     sandbox):
    _hook(user_client, ada, receiver)
    with hooks_app.app_context():
        db.session.execute(update(WebhookEndpoint).values(url="https://no-such-host.invalid/"))
        db.session.commit()
    send(hooks_app, submit(hooks_app, ada, "DNS down"))
    sweep(hooks_app)
    [attempt] = attempts(hooks_app)
    assert "could not be found" in attempt.error and attempt.next_try_at is not None
    assert [d.state for d in deliveries(hooks_app)] == ["pending"]


def test_old_finished_deliveries_leave_the_log(hooks_app, user_client, ada, receiver, sandbox):
    from notion_app.ops import housekeeping

    _hook(user_client, ada, receiver)
    receiver.plan.append((500, {}))
    send(hooks_app, submit(hooks_app, ada, "Old"))
    send(hooks_app, submit(hooks_app, ada, "Recent"))
    sweep(hooks_app)  # one delivered, one waiting for its retry
    with hooks_app.app_context():
        db.session.execute(update(WebhookDelivery).values(
            created_at=utcnow() - timedelta(days=31)))
        db.session.commit()
        assert housekeeping.purge()["webhook_deliveries"] == 1  # a waiting one is kept
    assert [d.state for d in deliveries(hooks_app)] == ["pending"]
    assert len(attempts(hooks_app)) == 1
