"""Mail that lets an account recover: the development mailbox (no MAIL_URL), password reset and
email confirmation, sent through a real local SMTP server (aiosmtpd) and read where it arrived."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from flask import Blueprint
from helpers import csrf_from, logout, post_form, signup
from ops.test_production import BASE, HOST, production_config
from sqlalchemy import select

from notion_app import create_app, mail
from notion_app.accounts import confirmation
from notion_app.accounts.confirmation import require_confirmed
from notion_app.extensions import db
from notion_app.models import User

LINK_RE = re.compile(r"https?://\S+\?token=[A-Za-z0-9_.\-]+")


def link_in(message) -> str:
    """The path and query of the one link with a token in a mail."""
    (link,) = LINK_RE.findall(message.get_content())
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def user(app, email="ada@example.com") -> User:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return found


def taken_address_mail(client, email="ada@example.com"):
    """Sign up twice with one address: the owner is mailed (someone tried to sign up)."""
    signup(client, email)
    logout(client)
    data = {"email": email, "password": "another password 1", "confirm": "another password 1"}
    assert post_form(client, "/auth/signup", data=data).status_code == 400


# --- the development mailbox ----------------------------------------------------------------


def test_development_without_mail_url_keeps_the_mail_in_the_dev_mailbox(app, client):
    app.config["MAIL_FROM"] = "Notion Rows <rows@example.com>"
    taken_address_mail(client)
    page = client.get("/_dev/mailbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Someone tried to sign up with your address" in html
    assert "To ada@example.com" in html
    assert '<a href="http://localhost/auth/login"' in html  # the mail's links can be followed
    assert "MAIL_URL is not set" in html


def test_with_mail_url_the_mail_goes_out_and_the_dev_mailbox_stays_empty(app, client,
                                                                         smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    taken_address_mail(client)
    smtp_server.wait_for(1)
    html = client.get("/_dev/mailbox").get_data(as_text=True)
    assert "Someone tried to sign up" not in html and "MAIL_URL is set" in html


def test_the_dev_mailbox_does_not_exist_in_production(app):
    prod = create_app(production_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    try:
        client = prod.test_client()
        client.environ_base.update(HTTP_HOST=HOST)
        with prod.test_request_context():
            mail.send("ada@example.com", "A subject", "A body")  # logged, never kept
        assert client.get("/_dev/mailbox", base_url=BASE).status_code == 404
        assert "dev_mailbox" not in prod.blueprints
    finally:
        with prod.app_context():
            db.session.remove()
            db.engine.dispose()


# --- email confirmation -----------------------------------------------------------------------


@pytest.fixture
def mailed(app, smtp_server):
    """The app sends its mail to the local SMTP server."""
    app.config["MAIL_URL"] = smtp_server.url
    yield smtp_server
    mail.wait_sent(timeout=30)  # nothing of this test is still sending when the next one starts


def confirm_with(client, path: str):
    """Open a confirmation link and press its button."""
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    assert "Confirm my address" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    return client.post("/auth/confirm", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                              "token": token[1]})


def test_sign_up_logs_in_and_mails_a_link_that_confirms_the_address(app, client, mailed):
    signup(client)
    assert client.get("/connections").status_code == 200  # logged in before confirming
    (message,) = mailed.wait_for(1)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Confirm your email address for Notion Rows"
    assert "Not confirmed" in client.get("/auth/account").get_data(as_text=True)
    assert user(app).email_confirmed_at is None

    done = confirm_with(client, link_in(message))
    assert done.status_code == 302 and done.headers["Location"] == "/auth/account"
    assert user(app).email_confirmed_at is not None
    account = client.get("/auth/account").get_data(as_text=True)
    assert "Thank you: ada@example.com is confirmed." in account
    assert "Confirmed" in account and "Not confirmed" not in account


def test_a_confirmation_link_works_on_another_device_without_logging_in(app, client, mailed):
    signup(client)
    (message,) = mailed.wait_for(1)
    elsewhere = app.test_client()
    done = confirm_with(elsewhere, link_in(message))
    assert done.headers["Location"] == "/auth/login"
    assert user(app).email_confirmed_at is not None
    assert elsewhere.get("/auth/account").status_code == 302  # the link logged nobody in


@pytest.mark.parametrize("damage", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature changed
    lambda t: t.split(".")[0] + ".x.y",  # a payload with no valid signature
    lambda t: "",
])
def test_a_forged_confirmation_link_is_refused(app, client, mailed, damage):
    signup(client)
    path = link_in(mailed.wait_for(1)[0])
    token = path.partition("token=")[2]
    resp = client.get(f"/auth/confirm?token={damage(token)}")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "This link cannot be used" in html and 'href="/auth/account"' in html
    forged = client.post("/auth/confirm", data={"csrf_token": csrf_from(html),
                                                "token": damage(token)})
    assert forged.status_code == 400
    assert user(app).email_confirmed_at is None


def test_a_link_for_another_account_cannot_be_forged_from_mine(app, client, mailed):
    """The token names its account and address, and it is signed: editing the payload of my
    link to name another account breaks the signature."""
    import base64
    import json

    signup(client)
    signup(app.test_client(), "bob@example.com")
    mine = link_in(mailed.wait_for(2)[0]).partition("token=")[2]
    payload, rest = mine.split(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["u"] = user(app, "bob@example.com").id
    data["e"] = "bob@example.com"
    edited = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    assert client.get(f"/auth/confirm?token={edited}.{rest}").status_code == 400
    assert user(app, "bob@example.com").email_confirmed_at is None


def test_a_confirmation_link_expires_after_seven_days(app, client, mailed):
    signup(client)
    ada = user(app)
    with app.test_request_context():
        old = confirmation.token_for(ada, issued_at=time.time() - 7 * 24 * 3600 - 60)
        fresh = confirmation.token_for(ada, issued_at=time.time() - 7 * 24 * 3600 + 60)
    resp = client.get(f"/auth/confirm?token={old}")
    assert resp.status_code == 400 and "This link has expired" in resp.get_data(as_text=True)
    assert client.get(f"/auth/confirm?token={fresh}").status_code == 200


def test_the_confirm_button_needs_its_csrf_token(app, client, mailed):
    signup(client)
    token = link_in(mailed.wait_for(1)[0]).partition("token=")[2]
    assert client.post("/auth/confirm", data={"token": token}).status_code == 400
    assert user(app).email_confirmed_at is None


def test_the_link_can_be_sent_again_a_few_times_an_hour(app, client, mailed):
    app.config["CONFIRMATION_THROTTLE_LIMIT"] = 2
    signup(client)
    mailed.wait_for(1)
    for _ in range(2):
        again = post_form(client, "/auth/account", "/auth/account/confirmation")
        assert again.status_code == 302
    messages = mailed.wait_for(3)
    assert len({link_in(m) for m in messages}) >= 1
    refused = post_form(client, "/auth/account", "/auth/account/confirmation")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 60
    assert "try again in 60 s" in refused.get_data(as_text=True)
    assert mail.wait_sent(timeout=30)
    assert len(mailed.messages) == 3
    confirm_with(client, link_in(messages[-1]))  # a link sent again confirms too
    assert user(app).email_confirmed_at is not None


def test_sending_the_link_again_needs_a_csrf_token(app, client, mailed):
    signup(client)
    mailed.wait_for(1)
    assert client.post("/auth/account/confirmation").status_code in (302, 400)
    assert mail.wait_sent(timeout=30)
    assert len(mailed.messages) == 1


# --- require_confirmed, through a tiny blueprint of this test's own ---------------------------

shared = Blueprint("confirmed_only", __name__)


@shared.get("/_test/share")
@require_confirmed
def share():
    return "shared with the world"


@pytest.fixture
def guarded_app(app):
    app.register_blueprint(shared)
    return app


def test_require_confirmed_stops_an_unconfirmed_account_with_the_resend_button(guarded_app,
                                                                               mailed):
    client = guarded_app.test_client()
    signup(client)
    message = mailed.wait_for(1)[0]
    blocked = client.get("/_test/share")
    assert blocked.status_code == 403
    html = blocked.get_data(as_text=True)
    assert "Confirm your email address first" in html and "shared with the world" not in html
    assert 'action="/auth/account/confirmation"' in html and "Send the link again" in html
    assert client.post("/auth/account/confirmation",
                       data={"csrf_token": csrf_from(html)}).status_code == 302
    mailed.wait_for(2)

    confirm_with(client, link_in(message))
    assert confirmation.is_confirmed(user(guarded_app))
    opened = client.get("/_test/share")
    assert opened.status_code == 200 and opened.get_data(as_text=True) == "shared with the world"


def test_require_confirmed_sends_a_visitor_to_log_in(guarded_app):
    resp = guarded_app.test_client().get("/_test/share")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
