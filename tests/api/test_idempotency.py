"""T45: `Idempotency-Key`. The same key and body give the first answer; while the first is being
saved a repeat gets 409 with Retry-After: 1; the same key with another body is a 422; 20 posts
at once with one key make one row, sent to Notion once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, update

from api.support import api_rows, bearer, make_token, send_all
from notion_app.api import idempotency
from notion_app.api.models import ApiToken, IdempotencyKey
from notion_app.extensions import db
from notion_app.models import utcnow

BODY = {"values": {"Name": "Order 1042", "Estimate": 2}}


def post(client, secret, ds, body=BODY, key="order-1042"):
    headers = bearer(secret, **({"Idempotency-Key": key} if key else {}))
    return client.post(f"/api/v1/data-sources/{ds}/rows", json=body, headers=headers)


def test_the_same_key_and_body_get_the_first_answer(app, client, sandbox, ada, tasks):
    first = post(client, ada, tasks)
    assert first.status_code == 202
    send_all(app)  # the row is sent meanwhile: the answer stays the first one
    again = post(client, ada, tasks)
    assert again.status_code == 202
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api_rows(app)) == 1
    assert len(sandbox.pages()) == 1


def test_the_same_key_with_another_body_is_a_422(app, client, ada, tasks):
    assert post(client, ada, tasks).status_code == 202
    other = post(client, ada, tasks, {"values": {"Name": "Order 1043"}})
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert other.get_json()["errors"][0]["parameter"] == "Idempotency-Key"
    assert len(api_rows(app)) == 1


def test_a_key_is_per_token(app, client, ada, tasks):
    other = make_token(app, name="Second program")
    assert post(client, ada, tasks).status_code == 202
    assert post(client, other, tasks).status_code == 202
    assert len(api_rows(app)) == 2


def test_a_repeat_while_the_first_is_being_saved_is_a_409(app, client, ada, tasks):
    path = f"/api/v1/data-sources/{tasks}/rows"
    with app.app_context():  # the first request has claimed its key and is still at work
        token = db.session.scalar(select(ApiToken))
        claimed = idempotency.begin(token, "order-1042", idempotency.request_digest(path, BODY))
        assert claimed.record is not None
    resp = post(client, ada, tasks)
    assert resp.status_code == 409
    assert resp.headers["Retry-After"] == "1"
    assert resp.mimetype == "application/problem+json"
    assert api_rows(app) == []


def test_a_key_abandoned_in_flight_is_taken_over(app, client, ada, tasks):
    """A process that died after claiming a key and before saving the row does not block the
    key for a day."""
    path = f"/api/v1/data-sources/{tasks}/rows"
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        idempotency.begin(token, "order-1042", idempotency.request_digest(path, BODY))
        five_minutes_ago = utcnow() - timedelta(minutes=5)
        db.session.execute(update(IdempotencyKey).values(created_at=five_minutes_ago))
        db.session.commit()
    assert post(client, ada, tasks).status_code == 202
    assert len(api_rows(app)) == 1


def test_a_key_expires_after_24_hours(app, client, ada, tasks):
    first = post(client, ada, tasks).get_json()
    with app.app_context():
        a_day_ago = utcnow() - timedelta(hours=25)
        db.session.execute(update(IdempotencyKey).values(created_at=a_day_ago))
        db.session.commit()
    second = post(client, ada, tasks).get_json()
    assert second["id"] != first["id"]
    assert len(api_rows(app)) == 2


def test_a_refused_body_gives_its_key_back(app, client, ada, tasks):
    bad = post(client, ada, tasks, {"values": {"Name": "x", "Due": "soon"}})
    assert bad.status_code == 422
    good = post(client, ada, tasks, {"values": {"Name": "x", "Due": "2025-01-31"}})
    assert good.status_code == 202
    assert len(api_rows(app)) == 1


def test_a_malformed_key_is_refused_at_its_header(client, ada, tasks):
    resp = post(client, ada, tasks, key="has spaces in it")
    assert resp.status_code == 422
    [entry] = resp.get_json()["errors"]
    assert entry["parameter"] == "Idempotency-Key"


def test_20_concurrent_posts_with_one_key_make_one_row_sent_once(app, sandbox, ada, tasks):
    answers, start = [], threading.Barrier(20)

    def one():
        client = app.test_client()
        start.wait()
        answers.append(post(client, ada, tasks))

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 20
    assert {a.status_code for a in answers} <= {202, 409}
    accepted = [a.get_json() for a in answers if a.status_code == 202]
    assert accepted and all(a["id"] == accepted[0]["id"] for a in accepted)
    assert all(a.headers["Retry-After"] == "1" for a in answers if a.status_code == 409)
    assert len(api_rows(app)) == 1
    send_all(app)
    assert len(sandbox.pages()) == 1


def test_housekeeping_purges_keys_past_their_day(app, client, ada, tasks):
    from notion_app.ops import housekeeping

    post(client, ada, tasks)
    with app.app_context():
        assert housekeeping.purge()["idempotency_keys"] == 0
        a_day_ago = utcnow() - timedelta(hours=25)
        db.session.execute(update(IdempotencyKey).values(created_at=a_day_ago))
        db.session.commit()
        assert housekeeping.purge()["idempotency_keys"] == 1
        assert db.session.scalar(select(IdempotencyKey)) is None


def test_a_row_saved_before_its_answer_was_recorded_is_the_answer(app, client, sandbox, ada,
                                                                   tasks):
    """The first request saved its row and its process died before recording the answer: a
    repeat answers with that row, and Notion gets it once."""
    from notion_app import outbox
    from notion_app.models import NotionConnection, User

    path = f"/api/v1/data-sources/{tasks}/rows"
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        record = idempotency.begin(token, "order-1042",
                                   idempotency.request_digest(path, BODY)).record
        row, _ = outbox.submit(
            db.session.get(User, token.user_id), db.session.scalar(select(NotionConnection)),
            {"id": tasks, "title": "Tasks"}, {"Name": {"id": "title", "type": "title"}},
            outbox.NewRow({"Name": {"title": [{"text": {"content": "Order 1042"}}]}},
                          idempotency.nonce(record), api_token_id=token.id))
        saved = row.id
    resp = post(client, ada, tasks)
    assert resp.status_code == 202
    assert resp.get_json()["id"] == saved
    assert post(client, ada, tasks).get_json()["id"] == saved
    assert len(api_rows(app)) == 1
    send_all(app)
    assert len(sandbox.pages()) == 1
