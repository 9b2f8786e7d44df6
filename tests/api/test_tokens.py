"""T44: who may call the API. Wrong, revoked or missing tokens are a 401 with no Notion call; a
session cookie alone never works; another person's objects are a 404; a scoped token sees its
scope only; tokens are stored hashed, shown once, and masked in logs; 429 per token."""

from __future__ import annotations

import logging

import pytest
from helpers import calls, connect, ds_ids, signup
from sqlalchemy import select, text

from api.support import api_rows, bearer, confirm, connection_id, make_token
from notion_app.api import tokens
from notion_app.api.models import ApiToken
from notion_app.extensions import db
from notion_app.redaction import mask

ROUTES = ["/api/v1/connections", "/api/v1/connections/1/data-sources",
          "/api/v1/data-sources/{ds}", "/api/v1/rows", "/api/v1/rows/1"]


def everything(client, ds, headers):
    """Every route, GET and the POST; the answers."""
    answers = [client.get(r.format(ds=ds), headers=headers) for r in ROUTES]
    answers.append(client.post(f"/api/v1/data-sources/{ds}/rows",
                               json={"values": {"Name": "x"}}, headers=headers))
    return answers


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer nrapi_not-a-real-token", "Bearer ntn_123", "Basic YTpi",
    "bearer " + "nrapi_" + "A" * 43,
])
def test_a_wrong_or_missing_token_is_a_401_with_no_notion_call(app, client, sandbox, ada,
                                                                tasks, header):
    sandbox.clear_requests()
    headers = {"Authorization": header} if header else {}
    for resp in everything(client, tasks, headers):
        assert resp.status_code == 401
        assert resp.mimetype == "application/problem+json"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert calls(sandbox) == 0
    assert api_rows(app) == []


def test_a_session_cookie_alone_never_authenticates(app, user_client, sandbox, ada, tasks):
    """ada is logged in (her session cookie goes with every request): still 401, and no CSRF
    token is needed or accepted instead of a bearer token."""
    sandbox.clear_requests()
    assert user_client.get("/connections").status_code == 200  # the cookie is a live login
    for resp in everything(user_client, tasks, {}):
        assert resp.status_code == 401
    assert calls(sandbox) == 0


def test_a_revoked_token_is_refused(app, client, sandbox, ada, tasks):
    assert client.get("/api/v1/connections", headers=bearer(ada)).status_code == 200
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert tokens.revoke(token_user(token), token.id) is not None
    sandbox.clear_requests()
    for resp in everything(client, tasks, bearer(ada)):
        assert resp.status_code == 401
    assert calls(sandbox) == 0


def token_user(token):
    from notion_app.models import User

    return db.session.get(User, token.user_id)


def test_another_persons_objects_are_404_with_no_call_on_their_token(app, client, sandbox, ada,
                                                                      tasks):
    ada_conn = connection_id(app)
    row = client.post(f"/api/v1/data-sources/{tasks}/rows", json={"values": {"Name": "Ada's"}},
                      headers=bearer(ada)).get_json()["id"]
    other = app.test_client()
    signup(other, "bob@example.com")
    confirm(app, "bob@example.com")
    bob = make_token(app, "bob@example.com")
    sandbox.clear_requests()
    assert other.get(f"/api/v1/connections/{ada_conn}/data-sources",
                     headers=bearer(bob)).status_code == 404
    assert other.get(f"/api/v1/data-sources/{tasks}", headers=bearer(bob)).status_code == 404
    assert other.get(f"/api/v1/rows/{row}", headers=bearer(bob)).status_code == 404
    assert other.get("/api/v1/rows", headers=bearer(bob)).get_json()["rows"] == []
    resp = other.post(f"/api/v1/data-sources/{tasks}/rows", json={"values": {"Name": "Bob's"}},
                      headers=bearer(bob))
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    assert other.get("/api/v1/connections", headers=bearer(bob)).get_json() == {"connections": []}
    assert calls(sandbox) == 0  # bob has no connection: nothing was asked with ada's token
    assert len(api_rows(app)) == 1


def test_a_token_limited_to_one_data_source_sees_nothing_else(app, client, sandbox, ada, tasks):
    conn = connection_id(app)
    projects = ds_ids(sandbox)["projects"]
    narrow = make_token(app, name="Only tasks", connection_id=conn, data_source_id=tasks)
    client.post(f"/api/v1/data-sources/{projects}/rows",
                json={"values": {"Name": "A project"}}, headers=bearer(ada))
    listed = client.get(f"/api/v1/connections/{conn}/data-sources",
                        headers=bearer(narrow)).get_json()["data_sources"]
    assert [d["id"] for d in listed] == [tasks]
    assert client.get(f"/api/v1/data-sources/{projects}",
                      headers=bearer(narrow)).status_code == 404
    assert client.post(f"/api/v1/data-sources/{projects}/rows",
                       json={"values": {"Name": "No"}}, headers=bearer(narrow)).status_code == 404
    assert client.get("/api/v1/rows", headers=bearer(narrow)).get_json()["rows"] == []
    resp = client.post(f"/api/v1/data-sources/{tasks}/rows", json={"values": {"Name": "Yes"}},
                       headers=bearer(narrow))
    assert resp.status_code == 202
    seen = client.get("/api/v1/rows", headers=bearer(narrow)).get_json()["rows"]
    assert [r["title"] for r in seen] == ["Yes"]


def test_a_token_limited_to_one_workspace_sees_only_it(app, client, user_client, sandbox, ada,
                                                        tasks):
    acme = connection_id(app)
    connect(user_client, sandbox, workspace="globex", user="hedy")
    narrow = make_token(app, name="Acme only", connection_id=acme)
    everyone = client.get("/api/v1/connections", headers=bearer(ada)).get_json()["connections"]
    assert len(everyone) == 2
    seen = client.get("/api/v1/connections", headers=bearer(narrow)).get_json()["connections"]
    assert [c["id"] for c in seen] == [acme]
    globex = next(c["id"] for c in everyone if c["id"] != acme)
    assert client.get(f"/api/v1/connections/{globex}/data-sources",
                      headers=bearer(narrow)).status_code == 404


def test_a_scope_must_be_the_owners_own_connection(app, ada):
    with app.app_context():
        user = token_user(db.session.scalar(select(ApiToken)))
        with pytest.raises(tokens.ScopeRefused):
            tokens.create(user, "x", connection_id=999)
        with pytest.raises(tokens.ScopeRefused):
            tokens.create(user, "x", data_source_id="b0c15a10-e4c6-56b8-a94d-469224b2bfd5")


def test_tokens_are_stored_as_their_sha256_only(app, ada):
    with app.app_context():
        dump = "\n".join(str(r) for r in db.session.execute(text("SELECT * FROM api_token")))
    assert ada not in dump
    assert ada[len("nrapi_"):] not in dump
    assert tokens.digest(ada) in dump
    assert len(ada) == len("nrapi_") + 43  # token_urlsafe(32): 256 bits


def test_tokens_are_masked_in_logs(app, client, ada, caplog):
    assert mask(f"retrying with {ada} now") == "retrying with [REDACTED] now"
    with caplog.at_level(logging.INFO):
        logging.getLogger("notion_app.test").warning("token=%s header: Bearer %s", ada, ada)
    assert ada not in caplog.text


def test_each_token_has_its_own_rate_limit(app, client, ada, tasks):
    app.config["API_RATE_LIMIT"] = "3/minute"
    other = make_token(app, name="Another")
    answers = [client.get("/api/v1/connections", headers=bearer(ada)) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert answers[3].mimetype == "application/problem+json"
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    assert client.get("/api/v1/connections", headers=bearer(other)).status_code == 200


def test_last_use_is_noted(app, client, ada):
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is None
    client.get("/api/v1/connections", headers=bearer(ada))
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_unknown_api_addresses_are_problems(client, ada):
    resp = client.get("/api/v1/nothing/here", headers=bearer(ada))
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    assert client.get("/api/v1/rows/abc", headers=bearer(ada)).mimetype == \
        "application/problem+json"


def test_the_rate_limit_is_shared_through_redis(tmp_path, sandbox_server):
    """With REDIS_URL the counters live in Redis: two workers (two apps on one database) let
    a token through API_RATE_LIMIT times in all, not each."""
    import redis as redis_lib
    from conftest import build_app, make_config
    from workers import redis_url

    from notion_app import create_app
    from notion_app.models import User

    url = redis_url()
    config = make_config(tmp_path, sandbox_server.url, REDIS_URL=url, API_RATE_LIMIT="4/minute")
    first = build_app(config)
    second = create_app(config)
    store = redis_lib.Redis.from_url(url)
    try:
        with first.app_context():
            user = User(email="robot@example.com", password_hash="x")
            db.session.add(user)
            db.session.commit()
            made = tokens.create(user, "Robot")
            for key in store.scan_iter(f"throttle:api-rate:{made.token.id}:*"):
                store.delete(key)
        clients = [first.test_client(), second.test_client()] * 3
        codes = [c.get("/api/v1/connections", headers=bearer(made.secret)).status_code
                 for c in clients]
        assert codes == [200, 200, 200, 200, 429, 429]
        assert list(store.scan_iter(f"throttle:api-rate:{made.token.id}:*"))
    finally:
        for key in store.scan_iter("throttle:api-rate:*"):
            store.delete(key)
        for app in (first, second):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_a_known_address_with_another_method_is_a_405_problem(client, ada):
    resp = client.put("/api/v1/connections", headers=bearer(ada))
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "GET"
    assert resp.mimetype == "application/problem+json"
