"""Mail that lets an account recover: the development mailbox (no MAIL_URL), password reset and
email confirmation, sent through a real local SMTP server (aiosmtpd) and read where it arrived."""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests
from flask import Blueprint
from helpers import PASSWORD, csrf_from, logout, post_form, signup
from ops.support import free_port
from ops.test_production import BASE, HOST, production_config
from sqlalchemy import select
from werkzeug.serving import make_server

from notion_app import create_app, mail
from notion_app.accounts import confirmation, recovery
from notion_app.accounts.confirmation import require_confirmed
from notion_app.accounts.forms import PASSWORD_MIN_LENGTH
from notion_app.extensions import db
from notion_app.models import User

LINK_RE = re.compile(r"https?://\S+\?token=[A-Za-z0-9_.\-]+")


def link_in(message) -> str:
    """The path and query of the one link with a token in a mail."""
    (link,) = LINK_RE.findall(message.get_content())
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def newest(messages, subject: str, to: str = "ada@example.com"):
    """The last of `messages` with this subject and recipient (two mails sent together may
    arrive in either order: the pool has two threads)."""
    found = [m for m in messages if m["Subject"] == subject and m["To"] == to]
    assert found, [(m["Subject"], m["To"]) for m in messages]
    return found[-1]


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


def test_the_dev_mailbox_answers_only_this_machine(app, client):
    """A non-production server reachable from elsewhere (staging without MAIL_URL) must not
    hand reset links to whoever asks."""
    taken_address_mail(client)
    assert client.get("/_dev/mailbox").status_code == 200
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    resp = remote.get("/_dev/mailbox")
    assert resp.status_code == 404 and "Someone tried" not in resp.get_data(as_text=True)


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
    mine = link_in(newest(mailed.wait_for(2), confirmation.SUBJECT)).partition("token=")[2]
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


# --- password reset ---------------------------------------------------------------------------


def ask_reset(client, email="ada@example.com"):
    return post_form(client, "/auth/reset", data={"email": email})


def choose(client, path: str, password: str, confirm: str | None = None):
    """Open a reset link and submit a new password with the token the form carries."""
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html)[1]
    data = {"csrf_token": csrf_from(html), "token": token, "password": password,
            "confirm": password if confirm is None else confirm}
    return client.post("/auth/reset/new", data=data)


def reset_link(client, mailed, count: int) -> str:
    """Ask for a reset link for ada and return it once it arrived (mail number `count`)."""
    resp = ask_reset(client)
    assert resp.status_code == 302 and resp.headers["Location"] == "/auth/reset/sent"
    return link_in(newest(mailed.wait_for(count), recovery.SUBJECT))


def logs_in(app, password: str) -> bool:
    resp = post_form(app.test_client(), "/auth/login",
                     data={"email": "ada@example.com", "password": password})
    return resp.status_code == 302


NEW_PASSWORD = "a brand new passphrase"


def test_the_login_page_links_to_the_reset_form(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<a href="/auth/reset">Forgot your password?</a>' in html
    assert "Forgot your password?" in client.get("/auth/reset").get_data(as_text=True)


def test_a_reset_link_sets_a_new_password_once_and_ends_every_other_session(app, mailed):
    other_device = app.test_client()
    signup(other_device)
    assert other_device.get("/auth/account").status_code == 200
    client = app.test_client()
    path = reset_link(client, mailed, 2)

    page = client.get(path)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    done = choose(client, path, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/connections"
    assert "Your new password is set." in client.get("/connections").get_data(as_text=True)
    assert other_device.get("/auth/account").status_code == 302  # logged out there
    assert logs_in(app, NEW_PASSWORD) and not logs_in(app, PASSWORD)
    assert user(app).email_confirmed_at is not None  # the link proved the mailbox is hers

    again = client.get(path)
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    assert "This link cannot be used" in html and "already used" in html
    assert '<a href="/auth/reset">Ask for a new link</a>' in html


def test_a_used_link_cannot_set_a_password_even_from_a_form_opened_before(app, client, mailed):
    signup(client)
    path = reset_link(client, mailed, 2)
    first, second = app.test_client(), app.test_client()
    pages = [c.get(path).get_data(as_text=True) for c in (first, second)]
    token = path.partition("token=")[2]

    def submit(c, html, password):
        return c.post("/auth/reset/new", data={"csrf_token": csrf_from(html), "token": token,
                                               "password": password, "confirm": password})

    assert submit(first, pages[0], NEW_PASSWORD).status_code == 302
    late = submit(second, pages[1], "the attacker's password 1")
    assert late.status_code == 400 and "This link cannot be used" in late.get_data(as_text=True)
    assert logs_in(app, NEW_PASSWORD) and not logs_in(app, "the attacker's password 1")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, client, mailed):
    signup(client)
    logout(client)
    mailed.wait_for(1)  # the confirmation mail
    unknown = ask_reset(client, "nobody@example.com")
    known = ask_reset(client, "ADA@example.com ")
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"] == "/auth/reset/sent"
    assert unknown.get_data() == known.get_data()
    page = client.get("/auth/reset/sent").get_data(as_text=True)
    assert "If an account uses that address, we sent a link" in page
    assert mail.wait_sent(timeout=30)
    to = [m["To"] for m in mailed.wait_for(2)]
    assert to == ["ada@example.com", "ada@example.com"] and len(mailed.messages) == 2


def test_a_reset_link_expires_after_an_hour(app, client, mailed):
    signup(client)
    ada = user(app)
    with app.test_request_context():
        old = recovery.token_for(ada, issued_at=time.time() - 3600 - 60)
        fresh = recovery.token_for(ada, issued_at=time.time() - 3600 + 120)
    resp = client.get(f"/auth/reset/new?token={old}")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "This link has expired" in html and 'href="/auth/reset"' in html
    late = client.post("/auth/reset/new", data={
        "csrf_token": csrf_from(client.get("/auth/reset").get_data(as_text=True)),
        "token": old, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert late.status_code == 400 and not logs_in(app, NEW_PASSWORD)
    in_time = choose(client, f"/auth/reset/new?token={fresh}", NEW_PASSWORD)
    assert in_time.status_code == 302 and logs_in(app, NEW_PASSWORD)  # still inside its hour


def test_a_forged_reset_link_or_a_confirmation_link_is_refused(app, client, mailed):
    signup(client)
    confirm_token = link_in(mailed.wait_for(1)[0]).partition("token=")[2]
    token = reset_link(client, mailed, 2).partition("token=")[2]
    for forged in (token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"), confirm_token,
                   "not-a-token"):
        resp = client.get(f"/auth/reset/new?token={forged}")
        assert resp.status_code == 400, forged
        html = resp.get_data(as_text=True)
        posted = client.post("/auth/reset/new", data={
            "csrf_token": csrf_from(html), "token": forged, "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD})
        assert posted.status_code == 400
    assert not logs_in(app, NEW_PASSWORD)


def test_the_new_password_follows_the_sign_up_rule_and_keeps_the_link(app, client, mailed):
    signup(client)
    path = reset_link(client, mailed, 2)
    short = choose(client, path, "short")
    assert short.status_code == 400
    html = short.get_data(as_text=True)
    assert f"Use {PASSWORD_MIN_LENGTH} to 256 characters." in html
    assert f"At least {PASSWORD_MIN_LENGTH} characters" in html  # the rule, still shown
    mismatch = choose(client, path, NEW_PASSWORD, "something else entirely")
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    assert logs_in(app, PASSWORD)  # nothing changed
    assert choose(client, path, NEW_PASSWORD).status_code == 302  # the link still works


def test_an_address_that_is_not_an_email_is_refused_at_the_field(client, mailed):
    resp = ask_reset(client, "not an address")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'value="not an address"' in html


def test_reset_requests_are_throttled_per_email_known_or_not(app, client, mailed):
    app.config["PASSWORD_RESET_THROTTLE_EMAIL_LIMIT"] = 2
    signup(client)
    for email in ("ada@example.com", "nobody@example.com"):
        statuses = [ask_reset(client, email).status_code for _ in range(3)]
        assert statuses == [302, 302, 429], email
        refused = ask_reset(client, email)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 60
        html = refused.get_data(as_text=True)
        assert "Too many attempts: try again in 60 s." in html and f'value="{email}"' in html
    assert mail.wait_sent(timeout=30)
    assert len(mailed.messages) == 1 + 2  # the confirmation, then two reset links


def test_reset_requests_are_throttled_per_address(app, mailed):
    app.config["PASSWORD_RESET_THROTTLE_LIMIT"] = 3
    client = app.test_client()
    statuses = [ask_reset(client, f"probe{n}@example.com").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.10"
    assert ask_reset(elsewhere, "probe9@example.com").status_code == 302


def test_the_reset_form_needs_its_csrf_token(app, client, mailed):
    signup(client)
    assert client.post("/auth/reset", data={"email": "ada@example.com"}).status_code == 400
    assert mail.wait_sent(timeout=30)
    assert len(mailed.messages) == 1  # the confirmation only


def test_no_reset_or_confirmation_token_reaches_the_log(app, caplog):
    """Development without MAIL_URL: the mail is logged and kept in the dev mailbox; served by
    Werkzeug's own server, whose access log shows each request line. The tokens are in none
    of the log lines, yet the mailbox shows working links."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with caplog.at_level("DEBUG"):
            client = app.test_client()
            signup(client)
            ask_reset(client)
            html = client.get("/_dev/mailbox").get_data(as_text=True)
            paths = [urlsplit(u).path + "?" + urlsplit(u).query
                     for u in re.findall(r'href="(http://localhost/auth/[^"]+)"', html)]
            assert len(paths) == 2  # the reset link, the confirmation link
            for path in paths:
                resp = requests.get(base + path, timeout=10, allow_redirects=False)
                assert resp.status_code in (200, 302)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    tokens = [p.partition("token=")[2] for p in paths]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/auth/reset/new?token=" in logged and "/auth/confirm?token=" in logged
    for token in tokens:
        assert len(token) > 40
        assert token not in logged
        assert token.rsplit(".", 1)[-1] not in logged  # not even the signature alone
    assert "/auth/reset/new?token=" in paths[0]  # the newest mail first
    assert choose(app.test_client(), paths[0], NEW_PASSWORD).status_code == 302
