"""T40: server-side login sessions end after an idle timeout and an absolute lifetime, old ones
are purged, and "log out everywhere" ends them all. The clock is moved by editing the session
row's timestamps (no sleeping)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import csrf_from, login, post_form, signup
from sqlalchemy import func, select, update

from notion_app import config as settings
from notion_app.extensions import db
from notion_app.models import LoginSession, utcnow

# Pages only a logged-in person gets (200); anything else counts as no success.
LOGGED_IN_PAGES = ("/connections", "/auth/account", "/imports")


def successes(client) -> int:
    return sum(client.get(page).status_code == 200 for page in LOGGED_IN_PAGES)


def age_sessions(app, *, idle: timedelta = timedelta(0), age: timedelta = timedelta(0)) -> None:
    """Pretend every login session was last used `idle` ago and created `age` ago."""
    now = utcnow()
    with app.app_context():
        db.session.execute(
            update(LoginSession).values(last_seen_at=now - idle, created_at=now - age)
        )
        db.session.commit()


def session_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginSession))


def test_defaults_and_environment():
    assert settings.DEFAULTS["SESSION_IDLE_TIMEOUT"] == 7 * 24 * 3600
    assert settings.DEFAULTS["SESSION_MAX_AGE"] == 30 * 24 * 3600
    found = settings.from_environ({"SESSION_IDLE_TIMEOUT": "900", "SESSION_MAX_AGE": "86400"})
    assert found["SESSION_IDLE_TIMEOUT"] == 900 and found["SESSION_MAX_AGE"] == 86400


def test_a_session_within_both_lifetimes_keeps_working(app, client):
    signup(client)
    age_sessions(app, idle=timedelta(days=6, hours=23), age=timedelta(days=29, hours=23))
    assert successes(client) == len(LOGGED_IN_PAGES)


@pytest.mark.parametrize("idle, age", [
    (timedelta(days=7, minutes=1), timedelta(days=7, minutes=1)),  # idle too long
    (timedelta(0), timedelta(days=30, minutes=1)),  # busy, but past its absolute lifetime
], ids=["idle", "absolute"])
def test_an_expired_session_gets_nothing_and_is_deleted(app, client, idle, age):
    signup(client)
    age_sessions(app, idle=idle, age=age)
    first = client.get("/connections")
    assert first.status_code == 302 and "/auth/login" in first.headers["Location"]
    assert session_rows(app) == 0  # the loader deleted it
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Your session expired. Log in again to continue." in page
    assert successes(client) == 0
    assert login(client).status_code == 302  # a new login works at once
    assert successes(client) == len(LOGGED_IN_PAGES)


def test_lifetimes_come_from_the_settings(app, client):
    signup(client)
    app.config["SESSION_IDLE_TIMEOUT"] = 600
    age_sessions(app, idle=timedelta(minutes=11), age=timedelta(minutes=11))
    assert successes(client) == 0
    login(client)
    app.config.update(SESSION_IDLE_TIMEOUT=3600, SESSION_MAX_AGE=7200)
    age_sessions(app, idle=timedelta(minutes=1), age=timedelta(hours=2, minutes=1))
    assert successes(client) == 0


def test_purge_deletes_only_expired_sessions(app, client, runner):
    signup(client)
    other = app.test_client()
    login(other)
    with app.app_context():
        keys = db.session.scalars(select(LoginSession.key).order_by(LoginSession.created_at))
        stale, fresh = list(keys)
        db.session.execute(
            update(LoginSession).where(LoginSession.key == stale)
            .values(last_seen_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 expired login session(s)" in result.output
    with app.app_context():
        assert db.session.scalars(select(LoginSession.key)).all() == [fresh]


def test_log_out_everywhere_ends_every_session_this_one_too(app, client):
    signup(client)
    others = [app.test_client() for _ in range(2)]
    for other in others:
        assert login(other).status_code == 302
    assert session_rows(app) == 3
    page = client.get("/auth/account").get_data(as_text=True)
    assert "You are logged in 3 times" in page and "Log out everywhere" in page
    # without the CSRF token nothing ends
    assert client.post("/auth/account/sessions/end").status_code == 400
    assert session_rows(app) == 3
    resp = post_form(client, "/auth/account", "/auth/account/sessions/end")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/login")
    assert session_rows(app) == 0
    assert "You were logged out everywhere (3 sessions ended)" in client.get(
        "/auth/login").get_data(as_text=True)
    assert sum(successes(c) for c in [client, *others]) == 0


def test_log_out_everywhere_ends_only_this_accounts_sessions(app, client):
    signup(client)
    bob = app.test_client()
    signup(bob, "bob@example.com")
    token = csrf_from(client.get("/auth/account").get_data(as_text=True))
    client.post("/auth/account/sessions/end", data={"csrf_token": token})
    assert successes(bob) == len(LOGGED_IN_PAGES)
