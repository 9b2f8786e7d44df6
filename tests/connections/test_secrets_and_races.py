"""T8 (canary secrets never leak through a journey at DEBUG logging) and T12 (concurrent
callbacks for one bot_id make one row)."""

from __future__ import annotations

import json
import logging
import threading
from urllib.parse import parse_qs, urlsplit

from flask import request_finished
from helpers import finish_at, signup, start_connect
from sqlalchemy import select

from notion_app import crypto
from notion_app.connections import authorizations
from notion_app.extensions import db
from notion_app.models import NotionConnection, User
from notion_app.ops import logs

DEBUG_LOGGERS = ("", "authlib", "urllib3", "requests", "werkzeug", "notion_app", "sqlalchemy")


def test_t8_canary_secrets_never_leak(app, client, sandbox, caplog):
    """Client secret, authorization code, access and refresh tokens: 0 in logs (DEBUG, even
    for the HTTP libraries), HTML, headers and cookies; 0 plaintext tokens in the database."""
    for name in DEBUG_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    seen: list[str] = []

    def record(_sender, response, **_extra):
        seen.append(response.get_data(as_text=True))
        seen.extend(f"{k}: {v}" for k, v in response.headers.items())

    request_finished.connect(record, app)
    try:
        signup(client)
        callback_url = sandbox.consent(start_connect(client), workspace="acme", user="ada")
        code = parse_qs(urlsplit(callback_url).query)["code"][0]
        # The development server logs request lines like this one: the code must not survive.
        logging.getLogger("werkzeug").info('127.0.0.1 - - "GET %s HTTP/1.1" 302 -',
                                           callback_url)
        assert finish_at(client, callback_url).status_code == 302
        dashboard = client.get("/connections").get_data(as_text=True)
        assert "Acme Corp" in dashboard
    finally:
        request_finished.disconnect(record, app)

    with app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        access = crypto.decrypt(conn.access_token_encrypted)
        refresh = crypto.decrypt(conn.refresh_token_encrypted)
        dump = database_dump()
    canaries = {
        "client secret": app.config["NOTION_CLIENT_SECRET"],
        "code": code,
        "access token": access,
        "refresh token": refresh,
    }
    assert all(canaries.values()) and access.startswith("ntn_") and refresh.startswith("nrt_")
    cookies = [c.value for c in client._cookies.values()]
    places = {"logs": caplog.text, "responses": "\n".join(seen), "cookies": "\n".join(cookies),
              "session": json.dumps(session_contents(app, client))}
    leaks = [(what, where) for what, secret in canaries.items()
             for where, haystack in places.items() if secret in haystack]
    assert leaks == []
    assert [what for what, secret in canaries.items() if secret in dump] == []
    # The logs were really captured: the callback's request line is there, its code masked.
    callback_lines = [
        r.getMessage() for r in caplog.records if "/notion/callback" in r.getMessage()
    ]
    assert callback_lines and all(logs.MASK in line for line in callback_lines)


def session_contents(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def database_dump() -> str:
    """Every row of every table, as text."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [repr(tuple(r)) for r in db.session.execute(select(table))]
    return "\n".join(rows)


def test_redaction_patterns():
    logs.add_secrets("configured-secret-value-1234")
    samples = {
        "GET /notion/callback?code=abc123&state=xyz": "abc123",
        "Authorization: Bearer ntn_livetokenvalue12345": "ntn_livetokenvalue12345",
        "{'Authorization': 'Basic dGVzdDpzZWNyZXQ='}": "dGVzdDpzZWNyZXQ=",
        '{"grant_type": "authorization_code", "code": "c0de-9"}': "c0de-9",
        "grant_type=refresh_token&refresh_token=nrt_abcdefghijkl": "nrt_abcdefghijkl",
        '{"access_token":"tok-1","token_type":"bearer"}': "tok-1",
        "client_secret=s3cr3t-value&client_id=x": "s3cr3t-value",
        "legacy secret_abcdefghijklmnop in text": "secret_abcdefghijklmnop",
        "the configured-secret-value-1234 leaked": "configured-secret-value-1234",
    }
    for line, secret in samples.items():
        assert secret not in logs.redact(line), line
        assert logs.MASK in logs.redact(line)
    assert logs.redact("state=xyz&workspace=acme") == "state=xyz&workspace=acme"


def test_records_of_any_logger_are_redacted(caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("some.library").debug("sending %s", {"refresh_token": "nrt_zzzzzzzzzz"})
    try:
        raise ValueError("token=ntn_inexceptiontext")
    except ValueError:
        logging.getLogger("x").exception("failed")
    assert "nrt_zzzzzzzzzz" not in caplog.text and "ntn_inexceptiontext" not in caplog.text
    assert caplog.text.count(logs.MASK) >= 2


def race(app, user_ids: list[int], bot_id: str) -> list[str]:
    """Each thread saves an authorization for `bot_id` as its user; returns the outcomes."""
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[str] = []

    def callback(n: int, uid: int):
        with app.app_context():
            user = db.session.get(User, uid)
            token = {"access_token": f"ntn_race{n:04d}xxxxxxxx", "bot_id": bot_id,
                     "refresh_token": f"nrt_race{n:04d}xxxxxxxx", "workspace_id": "ws-1",
                     "workspace_name": "Race"}
            db.session.rollback()  # give the connection back: 20 threads, a pool of 15
            barrier.wait()
            try:
                authorizations.save_authorization(user, token)
                outcomes.append("saved")
            except authorizations.LinkedToAnotherAccount:
                outcomes.append("refused")
            except Exception as exc:  # noqa: BLE001 - any other outcome is the failure
                outcomes.append(f"error {type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=callback, args=(n, uid)) for n, uid in enumerate(user_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def make_users(app, *emails) -> list[int]:
    with app.app_context():
        users = [User(email=e, password_hash="x") for e in emails]
        db.session.add_all(users)
        db.session.commit()
        return [u.id for u in users]


def test_t12_twenty_concurrent_callbacks_make_one_row(app):
    """T12 (SQLite, and Postgres with --postgres): 1 row, 0 errors."""
    (ada,) = make_users(app, "ada@example.com")
    outcomes = race(app, [ada] * 20, "bot-race-1")
    assert outcomes == ["saved"] * 20
    with app.app_context():
        rows = db.session.scalars(select(NotionConnection)).all()
        assert len(rows) == 1 and rows[0].user_id == ada
        assert crypto.decrypt(rows[0].access_token_encrypted).startswith("ntn_race")


def test_t12_concurrent_callbacks_from_two_users_never_share_a_row(app):
    ada, bob = make_users(app, "ada@example.com", "bob@example.com")
    outcomes = race(app, [ada, bob] * 10, "bot-race-2")
    assert len(outcomes) == 20 and set(outcomes) <= {"saved", "refused"}, outcomes
    with app.app_context():
        rows = db.session.scalars(select(NotionConnection)).all()
    assert len(rows) == 1
    assert outcomes.count("saved") == 10 and outcomes.count("refused") == 10
