"""The account page's webhooks: the secret is shown once and never again (pages, logs, the
database), "Send a test" arrives signed, the delivery log shows each attempt, bad input is kept
with a message at its field, and another person's endpoint is a 404."""

from __future__ import annotations

import logging

from helpers import csrf_from, post_form, signup
from rows import send, submit
from sqlalchemy import select
from standardwebhooks import Webhook

from notion_app.extensions import db
from notion_app.webhooks.models import WebhookEndpoint
from webhooks.support import add_endpoint, sweep


def _endpoint_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(WebhookEndpoint.id))


def test_the_secret_is_shown_once(hooks_app, user_client, ada, receiver, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    resp, secret = add_endpoint(user_client, ada[1], receiver.url)
    assert resp.status_code == 200 and secret.startswith("whsec_")
    assert len(__import__("base64").b64decode(secret[6:])) >= 24
    endpoint_id = _endpoint_id(hooks_app)
    send(hooks_app, submit(hooks_app, ada, "Quiet"))
    sweep(hooks_app)
    pages = [user_client.get("/auth/account"), user_client.get(
        f"/auth/account/webhooks/{endpoint_id}")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and receiver.url in html
        assert secret not in html and secret[6:] not in html
    assert secret[6:] not in caplog.text
    with hooks_app.app_context():
        stored = db.session.get(WebhookEndpoint, endpoint_id).secret_encrypted
        assert secret[6:] not in stored


def test_send_a_test_arrives_and_is_logged(hooks_app, user_client, ada, receiver):
    _, secret = add_endpoint(user_client, ada[1], receiver.url)
    log_page = f"/auth/account/webhooks/{_endpoint_id(hooks_app)}"
    resp = post_form(user_client, log_page, log_page + "/test")
    assert resp.status_code == 302
    assert "Not tried yet" in user_client.get(log_page).get_data(as_text=True)
    sweep(hooks_app)
    [got] = receiver.got
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"
    html = user_client.get(log_page).get_data(as_text=True)
    assert "webhook.test" in html and "delivered" in html and ">200<" in html


def test_a_failed_attempt_shows_its_answer_and_next_try(hooks_app, user_client, ada, receiver):
    add_endpoint(user_client, ada[1], receiver.url)
    receiver.plan.append((500, {}))
    log_page = f"/auth/account/webhooks/{_endpoint_id(hooks_app)}"
    post_form(user_client, log_page, log_page + "/test")
    sweep(hooks_app)
    html = user_client.get(log_page).get_data(as_text=True)
    assert "Answered 500." in html and "pending" in html


def test_bad_input_is_kept_with_a_message(hooks_app, user_client, ada):
    resp, secret = add_endpoint(user_client, ada[1], "https://example.invalid/x", events=())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and secret is None
    assert "Choose at least one event." in html
    assert 'value="https://example.invalid/x"' in html
    resp, _ = add_endpoint(user_client, ada[1], "not a url")
    assert resp.status_code == 400 and "must start with https://" in resp.get_data(as_text=True)
    with hooks_app.app_context():
        assert db.session.scalar(select(WebhookEndpoint)) is None


def test_delete(hooks_app, user_client, ada, receiver, sandbox):
    add_endpoint(user_client, ada[1], receiver.url)
    endpoint_id = _endpoint_id(hooks_app)
    resp = post_form(user_client, "/auth/account", f"/auth/account/webhooks/{endpoint_id}/delete")
    assert resp.status_code == 302
    send(hooks_app, submit(hooks_app, ada, "After delete"))
    assert sweep(hooks_app) == 0 and receiver.got == []
    html = user_client.get("/auth/account").get_data(as_text=True)
    assert "nothing more is sent there" in html  # the flash says so; the list no longer has it
    assert f"<code>{receiver.url}</code>" not in html


def test_another_users_endpoint_is_a_404(hooks_app, user_client, ada, receiver):
    add_endpoint(user_client, ada[1], receiver.url)
    endpoint_id = _endpoint_id(hooks_app)
    other = hooks_app.test_client()
    signup(other, email="bob@example.com")
    token = csrf_from(other.get("/auth/account").get_data(as_text=True))
    base = f"/auth/account/webhooks/{endpoint_id}"
    assert other.get(base).status_code == 404
    for action in ("/test", "/delete"):
        assert other.post(base + action, data={"csrf_token": token}).status_code == 404
    assert _endpoint_id(hooks_app) == endpoint_id
    sweep(hooks_app)
    assert receiver.got == []


def test_an_unconfirmed_account_cannot_add_one(hooks_app, user_client, conn_ids, receiver):
    html = user_client.get("/auth/account").get_data(as_text=True)
    assert "Webhooks wait for a confirmed email address" in html
    resp, secret = add_endpoint(user_client, conn_ids[1], receiver.url)
    assert secret is None
    with hooks_app.app_context():
        assert db.session.scalar(select(WebhookEndpoint)) is None
