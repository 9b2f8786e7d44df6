"""Local accounts: sign-up, log-in, log-out that really ends the session, password, deletion."""

from http.cookies import SimpleCookie

import pytest
from helpers import PASSWORD, csrf_from, login, logout, post_form, signup
from sqlalchemy import select
from werkzeug.security import check_password_hash

from notion_app import config as settings
from notion_app.extensions import db
from notion_app.models import User


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_signup_logs_in_and_shows_dashboard(client):
    resp = signup(client, "Ada@Example.com ")
    assert resp.headers["Location"].endswith("/connections")
    page = client.get("/connections").get_data(as_text=True)
    assert "Connect a Notion workspace" in page
    assert "ada@example.com" in client.get("/auth/account").get_data(as_text=True)


def test_signup_rejects_mismatch_short_password_and_taken_email(client):
    bad = post_form(
        client, "/auth/signup", data={"email": "a@b.co", "password": "short", "confirm": "x"}
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Use 10 to 256 characters." in html and "The passwords do not match." in html
    assert 'value="a@b.co"' in html
    signup(client, "taken@example.com")
    logout(client)
    again = post_form(
        client,
        "/auth/signup",
        data={"email": "TAKEN@example.com", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert again.status_code == 400
    assert "already exists" in again.get_data(as_text=True)


def test_passwords_are_hashed_at_asvs_strength(app, client):
    assert settings.DEFAULTS["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1000000"
    signup(client)
    with app.app_context():
        user = db.session.scalar(select(User))
        assert PASSWORD not in user.password_hash
        assert check_password_hash(user.password_hash, PASSWORD)


def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    signup(client)
    logout(client)
    wrong = login(client, "ada@example.com", "not the password at all")
    unknown = login(client, "nobody@example.com", "not the password at all")
    assert wrong.status_code == unknown.status_code == 400

    def message(resp):
        html = resp.get_data(as_text=True)
        return html.replace("ada@example.com", "X").replace("nobody@example.com", "X")

    strip = lambda h: csrf_free(message(h))  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)


def csrf_free(html: str) -> str:
    token = csrf_from(html)
    return html.replace(token, "")


def test_login_starts_a_new_session_and_logout_really_ends_it(client):
    signup(client)
    logout(client)
    before = session_cookie(client)
    assert login(client).status_code == 302
    saved = session_cookie(client)
    assert saved != before
    assert client.get("/connections").status_code == 200
    assert logout(client).status_code == 302
    assert client.get("/connections").status_code == 302
    client.set_cookie("session", saved)
    replay = client.get("/connections")
    assert replay.status_code == 302 and "/auth/login" in replay.headers["Location"]


def test_password_change_ends_other_sessions(app, client):
    signup(client)
    other = app.test_client()
    assert login(other).status_code == 302
    saved_other = session_cookie(other)
    resp = post_form(
        client,
        "/auth/account",
        "/auth/account/password",
        data={
            "current": PASSWORD,
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert resp.status_code == 302
    assert client.get("/connections").status_code == 200
    other.set_cookie("session", saved_other)
    assert other.get("/connections").status_code == 302
    fresh = app.test_client()
    assert login(fresh, password="a brand new password").status_code == 302


def test_password_change_needs_current_password(client):
    signup(client)
    resp = post_form(
        client,
        "/auth/account",
        "/auth/account/password",
        data={
            "current": "wrong wrong wrong",
            "password": "another password 1",
            "confirm": "another password 1",
        },
    )
    assert resp.status_code == 400
    assert "Your current password is incorrect." in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example/x",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/\t/evil.example",
        "http:/evil.example",
        "///evil.example",
    ],
)
def test_next_never_leaves_the_site(client, target):
    signup(client)
    logout(client)
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    resp = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": "ada@example.com", "password": PASSWORD},
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil" not in location.split("?")[0] or location.startswith("/%")


def test_next_to_a_same_site_path_is_honoured(client):
    signup(client)
    logout(client)
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    resp = client.post(
        "/auth/login",
        query_string={"next": "/auth/account"},
        data={"csrf_token": token, "email": "ada@example.com", "password": PASSWORD},
    )
    assert resp.headers["Location"] == "/auth/account"


def test_failed_logins_are_throttled(app, client):
    app.config["LOGIN_THROTTLE_LIMIT"] = 3
    signup(client)
    logout(client)
    statuses = [login(client, password="wrong password!").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    blocked = login(client)
    assert blocked.status_code == 429
    assert "Too many attempts: try again in 30 s" in blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"] == "30"


def test_delete_account_removes_user(app, client):
    signup(client)
    resp = post_form(
        client,
        "/auth/account",
        "/auth/account/delete",
        data={"password": PASSWORD, "confirm": "delete"},
    )
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)) is None
    assert login(client).status_code == 400


def test_delete_account_needs_confirmation(app, client):
    signup(client)
    resp = post_form(
        client,
        "/auth/account",
        "/auth/account/delete",
        data={"password": PASSWORD, "confirm": "no"},
    )
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User)) is not None


def test_pages_need_login(client):
    for path in ("/connections", "/auth/account"):
        resp = client.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/auth/login")


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_logged_in_pages_are_not_cached_and_carry_security_headers(client):
    signup(client)
    resp = client.get("/connections")
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "form-action 'self' http://127.0.0.1:9" in csp


def test_cookie_is_httponly_and_lax(client):
    signup(client)
    raw = [v for k, v in client.get("/connections").headers.items() if k == "Set-Cookie"]
    resp = login(client)
    raw += resp.headers.getlist("Set-Cookie")
    cookie = SimpleCookie()
    cookie.load(raw[-1])
    assert cookie["session"]["httponly"] and cookie["session"]["samesite"] == "Lax"
