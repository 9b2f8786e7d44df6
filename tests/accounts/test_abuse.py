"""Accounts under abuse: T38 (no lockout of the owner), T39 (a spoofed client address is
ignored), the growing wait of the log-in throttle, and sign-up that tells nothing by its timing
(hashing either way), is throttled per address and mails the owner of a taken address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import PASSWORD, csrf_from, logout, signup
from werkzeug import security

from notion_app.accounts import throttle
from notion_app.accounts import users as accounts
from notion_app.extensions import db
from notion_app.models import utcnow

VICTIM = "ada@example.com"


def client_at(app, address: str):
    """A test client whose requests come from `address` (REMOTE_ADDR)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


BAD_GUESS = "wrong guess 123"


def attempt(client, email=VICTIM, password=None, headers=None):
    password = password or BAD_GUESS
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    return client.post("/auth/login", headers=headers or {},
                       data={"csrf_token": token, "email": email, "password": password})


@pytest.fixture
def victim(app):
    owner = client_at(app, "198.51.100.7")
    signup(owner, VICTIM)
    logout(owner)
    return owner


def test_t38_wrong_passwords_from_elsewhere_never_lock_the_owner_out(app, victim):
    """T38: 50 wrong passwords for one email from other addresses; the owner's right password
    from a clean address still logs in. The attackers themselves are slowed."""
    from_one = client_at(app, "203.0.113.66")
    statuses = [attempt(from_one).status_code for _ in range(25)]
    assert statuses == [400] * 10 + [429] * 15
    for n in range(25):  # and from 25 more addresses
        assert attempt(client_at(app, f"203.0.113.{100 + n}")).status_code == 400
    resp = attempt(victim, password=PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/connections")


def test_the_owner_behind_a_shared_address_an_attacker_uses_still_logs_in(app, victim):
    """The address counter slows pairs that already failed, never a clean one."""
    app.config["LOGIN_THROTTLE_ADDRESS_LIMIT"] = 5
    shared = client_at(app, "192.0.2.44")
    for n in range(8):
        attempt(shared, email=f"guess{n}@example.com")
    assert attempt(shared, email="guess0@example.com").status_code == 429  # failed before
    neighbour = client_at(app, "192.0.2.44")
    assert attempt(neighbour, password=PASSWORD).status_code == 302


def test_t39_a_spoofed_forwarded_for_is_ignored_without_behind_proxy(app, victim):
    """T39: gunicorn without BEHIND_PROXY (a production app, no DYNO): a new X-Forwarded-For
    on every attempt is throttled at the same count as one fixed address."""
    from notion_app import create_app

    prod = create_app({**app.config, "APP_ENV": "production", "TESTING": True,
                       "DATABASE_URL": "postgres://u@db.example.com/app",
                       "NOTION_REDIRECT_URI": "https://app.example.com/notion/callback"})
    try:
        assert prod.config["PRODUCTION"] and not prod.config["BEHIND_PROXY"]
        client = client_at(prod, "203.0.113.5")
        client.environ_base.update({"wsgi.url_scheme": "https",
                                    "HTTP_REFERER": "https://localhost/"})
        statuses = [
            attempt(client, headers={"X-Forwarded-For": f"10.9.{n}.1"}).status_code
            for n in range(12)
        ]
        assert statuses == [400] * 10 + [429] * 2
    finally:
        with prod.app_context():  # its own engine: close its pooled connections
            db.session.remove()
            db.engine.dispose()


def test_the_wait_grows_with_each_failure_and_is_capped(app, victim, monkeypatch):
    """429 + Retry-After, never a sleep: 30 s after the 10th failure, doubling per failure
    made after waiting, at most LOGIN_THROTTLE_MAX_DELAY."""
    clock = {"now": utcnow()}
    monkeypatch.setattr(throttle, "_now", lambda: clock["now"])
    attacker = client_at(app, "203.0.113.66")
    for _ in range(10):
        assert attempt(attacker).status_code == 400
    waits = []
    for _ in range(7):
        resp = attempt(attacker)
        assert resp.status_code == 429
        wait = int(resp.headers["Retry-After"])
        assert f"Too many attempts: try again in {wait} s." in resp.get_data(as_text=True)
        waits.append(wait)
        clock["now"] += timedelta(seconds=wait)
        assert attempt(attacker).status_code == 400  # waited: one more guess, counted
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    # the right password waits its turn at a failed pair too, then works
    assert attempt(attacker, password=PASSWORD).status_code == 429
    clock["now"] += timedelta(seconds=900)
    assert attempt(attacker, password=PASSWORD).status_code == 302


def test_a_counter_is_forgotten_a_window_after_its_last_failure(app, victim, monkeypatch):
    clock = {"now": utcnow()}
    monkeypatch.setattr(throttle, "_now", lambda: clock["now"])
    attacker = client_at(app, "203.0.113.66")
    for _ in range(10):
        attempt(attacker)
    assert attempt(attacker).status_code == 429
    clock["now"] += timedelta(seconds=app.config["LOGIN_THROTTLE_WINDOW"])
    assert [attempt(attacker).status_code for _ in range(11)] == [400] * 10 + [429]


# --- sign-up ------------------------------------------------------------------------------


def signup_attempt(client, email, password=PASSWORD):
    token = csrf_from(client.get("/auth/signup").get_data(as_text=True))
    data = {"csrf_token": token, "email": email, "password": password, "confirm": password}
    return client.post("/auth/signup", data=data)


def test_signup_hashes_the_password_whether_or_not_the_email_is_taken(app, monkeypatch):
    """The same work either way (so the same time): one password hash per attempt."""
    calls = []
    real = security.generate_password_hash

    def counting(password, *args, **kwargs):
        calls.append(password)
        return real(password, *args, **kwargs)

    monkeypatch.setattr(accounts, "generate_password_hash", counting)
    client = client_at(app, "198.51.100.7")
    assert signup_attempt(client, "new@example.com", "first password 1").status_code == 302
    logout(client)
    new_calls = calls.count("first password 1")
    taken = signup_attempt(client, "NEW@example.com", "second password 2")
    assert taken.status_code == 400
    assert new_calls == calls.count("second password 2") == 1


def test_taken_email_keeps_a_helpful_message_with_a_login_link(app):
    client = client_at(app, "198.51.100.7")
    signup(client, VICTIM)
    logout(client)
    html = signup_attempt(client, VICTIM).get_data(as_text=True)
    assert ('An account with this email already exists. <a href="/auth/login">Log in</a> '
            "instead.") in html


def test_signup_attempts_are_throttled_per_address(app):
    app.config["SIGNUP_THROTTLE_LIMIT"] = 3
    client = client_at(app, "203.0.113.9")
    statuses = [signup_attempt(client, f"probe{n}@example.com").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    resp = signup_attempt(client, "again@example.com")
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) == 60
    assert "Too many attempts: try again in 60 s." in resp.get_data(as_text=True)
    assert signup_attempt(client_at(app, "203.0.113.10"), "other@example.com").status_code == 302


# --- mail to the owner of a taken address ---------------------------------------------------


def test_the_owner_of_a_taken_address_is_mailed_without_secrets(app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    app.config["MAIL_FROM"] = "Notion Rows <rows@example.com>"
    client = client_at(app, "198.51.100.7")
    signup(client, VICTIM)
    logout(client)
    (welcome,) = smtp_server.wait_for(1)  # a new account gets its confirmation link only
    assert welcome["Subject"] == "Confirm your email address for Notion Rows"
    signup_attempt(client, "Ada@Example.com", "attacker password 42")
    message = smtp_server.wait_for(2)[1]
    assert message["To"] == VICTIM and message["From"] == "Notion Rows <rows@example.com>"
    assert message["Subject"] == "Someone tried to sign up with your address"
    body = message.get_content()
    assert "already has" in body and "http://localhost/auth/login" in body
    assert "choose a new one: http://localhost/auth/reset\r\n" in body  # a way in, no token
    raw = message.as_string()
    for secret in ("attacker password 42", PASSWORD, app.config["SECRET_KEY"],
                   app.config["NOTION_CLIENT_SECRET"], "csrf"):
        assert secret not in raw


def test_a_mail_server_that_does_not_answer_never_breaks_the_page(app, caplog):
    from ops.support import free_port

    app.config["MAIL_URL"] = f"smtp://mailer:mail-pass-canary-9@127.0.0.1:{free_port()}"
    app.config["MAIL_TIMEOUT"] = 2.0
    client = client_at(app, "198.51.100.7")
    signup(client, VICTIM)
    logout(client)
    with caplog.at_level("WARNING", logger="notion_app.mail"):
        resp = signup_attempt(client, VICTIM)
        assert resp.status_code == 400 and "already exists" in resp.get_data(as_text=True)
        from notion_app import mail

        assert mail.wait_sent(timeout=30)  # the send has finished (and failed)
    sent = [r.getMessage() for r in caplog.records if r.name == "notion_app.mail"]
    assert any("not sent via smtp://127.0.0.1" in m for m in sent), sent
    assert not any("mail-pass-canary-9" in m for m in sent)


def test_without_mail_url_development_logs_the_mail(app, caplog):
    client = client_at(app, "198.51.100.7")
    signup(client, VICTIM)
    logout(client)
    with caplog.at_level("INFO", logger="notion_app.mail"):
        signup_attempt(client, VICTIM, "attacker password 42")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "notion_app.mail")
    assert "MAIL_URL is not set" in logged and "Someone tried to sign up" in logged
    assert "attacker password 42" not in logged


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.com:25", ("mail.example.com", 25, None, None, False, False)),
    ("smtp://mail.example.com", ("mail.example.com", 25, None, None, False, False)),
    ("smtp://u%40x:s3cr3t%3A1@mail.example.com:587",
     ("mail.example.com", 587, "u@x", "s3cr3t:1", False, True)),
    ("smtp://u:s3cr3t@mail.example.com:2525",
     ("mail.example.com", 2525, "u", "s3cr3t", False, True)),
    ("smtps://u:s3cr3t@mail.example.com:465",
     ("mail.example.com", 465, "u", "s3cr3t", True, False)),
    ("smtps://u:s3cr3t@mail.example.com", ("mail.example.com", 465, "u", "s3cr3t", True, False)),
])
def test_mail_url_forms(url, expected):
    from notion_app import mail

    target = mail.parse_url(url)
    got = (target.host, target.port, target.username, target.password, target.tls,
           target.starttls)
    assert got == expected
    assert "s3cr3t" not in str(target) and "s3cr3t" not in repr(target)


def test_mail_url_with_another_scheme_is_refused():
    from notion_app import mail

    with pytest.raises(mail.MailConfigError):
        mail.parse_url("http://mail.example.com")
