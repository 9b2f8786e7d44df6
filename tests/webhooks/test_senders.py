"""The webhook deliveries sent by the app's own background senders, with nothing run by the test:
the in-process thread (no REDIS_URL), and real RQ workers (`python -m notion_app.ops.worker`
subprocesses, as tests/outbox/test_wakeups_rq.py starts them). A row sent by the outbox wakes
the webhook sender through the commit that saved its delivery; after a 500, the delivery made
due again is sent by the worker's safety sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api.support import confirm
from conftest import build_app, make_config
from helpers import connect, signup
from rows import submit
from sqlalchemy import select, update
from standardwebhooks import Webhook
from workers import rq_app, start_worker, stop, wait_for

from notion_app.extensions import db
from notion_app.models import NotionConnection, utcnow
from notion_app.webhooks.models import WebhookDelivery
from webhooks.support import add_endpoint, attempts

DEADLINE = 30.0  # generous: a loaded machine is slow; no timing is asserted


def _ready(app, sandbox, receiver):
    """ada signed up, confirmed, connected to acme, with a webhook to the receiver."""
    client = app.test_client()
    signup(client)
    connect(client, sandbox)
    confirm(app)
    with app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        ids = (conn.user_id, conn.id, sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"])
    _, secret = add_endpoint(client, ids[1], receiver.url)
    assert secret
    return ids, secret


def test_the_thread_sender_delivers(tmp_path, sandbox, sandbox_server, receiver):
    app = build_app(make_config(tmp_path, sandbox_server.url, BACKGROUND_SENDER=True,
                                WEBHOOK_ALLOW_PRIVATE=True))
    try:
        ids, secret = _ready(app, sandbox, receiver)
        submit(app, ids, "By the thread")
        wait_for(lambda: receiver.got, DEADLINE, what="the webhook arriving")
        payload = Webhook(secret).verify(receiver.got[0].body, receiver.got[0].headers)
        assert payload["type"] == "row.sent" and payload["data"]["notion_page_id"]
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.redis
def test_rq_workers_deliver_and_retry_after_a_500(tmp_path, sandbox, sandbox_server, receiver):
    receiver.plan.append((500, {}))
    with rq_app(tmp_path, sandbox_server.url, WEBHOOK_ALLOW_PRIVATE=True) as app:
        ids, secret = _ready(app, sandbox, receiver)
        worker = start_worker(app, tmp_path / "worker.log", WEBHOOK_ALLOW_PRIVATE="1",
                              OUTBOX_SAFETY_SWEEP_SECONDS="1")
        try:
            submit(app, ids, "By RQ")
            wait_for(lambda: receiver.got, DEADLINE, what="the first webhook attempt")
            wait_for(lambda: attempts(app), DEADLINE, what="the attempt logged")
            assert attempts(app)[0].status_code == 500
            with app.app_context():  # move the clock past the backoff
                db.session.execute(update(WebhookDelivery).where(
                    WebhookDelivery.state == "pending").values(
                    next_attempt_at=utcnow() - timedelta(seconds=1)))
                db.session.commit()
            wait_for(lambda: len(receiver.got) >= 2, DEADLINE, what="the retry arriving")
            again = receiver.got[1]
            assert again.headers["webhook-id"] == receiver.got[0].headers["webhook-id"]
            assert Webhook(secret).verify(again.body, again.headers)["type"] == "row.sent"
            wait_for(lambda: [a.status_code for a in attempts(app)] == [500, 200], DEADLINE,
                     what="the retry logged")
        finally:
            stop(worker)
        assert len(receiver.got) == 2, (tmp_path / "worker.log").read_text()
