"""Connecting Notion workspaces over OAuth, against the sandbox over real HTTP."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import connect, finish_at, logout, post_form, signup, start_connect
from sqlalchemy import func, select

from notion_app import crypto
from notion_app.extensions import db
from notion_app.models import NotionConnection


def token_posts(sandbox) -> list[dict]:
    return sandbox.requests(path="/v1/oauth/token", method="POST")


def connections(app) -> list[NotionConnection]:
    with app.app_context():
        rows = list(db.session.scalars(select(NotionConnection)))
        db.session.expunge_all()
        return rows


def flashes(client) -> str:
    return client.get("/connections").get_data(as_text=True)


def test_connect_flow_stores_every_token_field_encrypted(app, user_client, sandbox):
    authorize_url = start_connect(user_client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["owner"] == ["user"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://localhost/notion/callback"]
    location = sandbox.consent(authorize_url, workspace="acme", user="ada")
    resp = finish_at(user_client, location)
    assert resp.status_code == 302 and resp.headers["Location"] == "/connections"
    assert "Connected <strong>Acme Corp</strong>." in flashes(user_client)

    [posted] = token_posts(sandbox)
    assert posted["auth_scheme"] == "basic" and posted["client_id"] == "test-integration"
    assert posted["body_encoding"] == "json"
    assert posted["body"]["grant_type"] == "authorization_code"
    assert posted["body"]["redirect_uri"] == "http://localhost/notion/callback"

    [conn] = connections(app)
    seed = sandbox.seed()
    assert conn.workspace_id == seed["workspaces"]["acme"]["id"]
    assert conn.workspace_name == "Acme Corp"
    assert conn.notion_user_id == seed["users"]["ada"]["id"]
    assert conn.notion_user_name == "Ada Lovelace"
    assert conn.owner["type"] == "user"
    assert conn.state == "active" and conn.token_type == "bearer"
    assert conn.access_token_encrypted and not conn.access_token_encrypted.startswith("ntn_")
    with app.app_context():
        access = crypto.decrypt(conn.access_token_encrypted)
        refresh = crypto.decrypt(conn.refresh_token_encrypted)
    assert access.startswith("ntn_") and refresh.startswith("nrt_")
    page = flashes(user_client)
    assert "Acme Corp" in page and "Ada Lovelace" in page and access not in page


def test_reconnect_updates_the_same_row(app, user_client, sandbox):
    connect(user_client, sandbox)
    [first] = connections(app)
    resp = post_form(user_client, "/connections", f"/connections/{first.id}/reconnect")
    location = sandbox.consent(resp.headers["Location"], workspace="acme", user="ada")
    finish_at(user_client, location)
    [again] = connections(app)
    assert again.id == first.id and again.bot_id == first.bot_id
    assert again.access_token_encrypted != first.access_token_encrypted


def test_two_workspaces_make_two_connections(app, user_client, sandbox):
    connect(user_client, sandbox, workspace="acme", user="ada")
    connect(user_client, sandbox, workspace="globex", user="hedy")
    names = sorted(c.workspace_name for c in connections(app))
    assert names == ["Acme Corp", "Globex"]


def test_cancel_at_consent_stores_nothing(app, user_client, sandbox):
    authorize_url = start_connect(user_client)
    location = sandbox.consent(authorize_url, allow=False)
    assert "error=access_denied" in location
    resp = finish_at(user_client, location)
    assert resp.status_code == 302
    assert "You cancelled the connection in Notion" in flashes(user_client)
    assert connections(app) == [] and token_posts(sandbox) == []


def test_error_description_is_escaped(app, user_client, sandbox):
    start_connect(user_client)
    resp = user_client.get(
        "/notion/callback",
        query_string={"error": "server_error", "error_description": "<script>alert(1)</script>"},
    )
    assert resp.status_code == 302
    page = flashes(user_client)
    assert "<script>alert(1)</script>" not in page
    assert "Notion did not authorize the connection" in page
    assert token_posts(sandbox) == []


@pytest.mark.parametrize("case", ["forged", "missing", "other-user", "expired"])
def test_bad_state_never_exchanges_the_code(app, client, sandbox, case):
    signup(client, "ada@example.com")
    authorize_url = start_connect(client)
    location = sandbox.consent(authorize_url)
    query = parse_qs(urlsplit(location).query)
    code, state = query["code"][0], query["state"][0]
    params = {"code": code, "state": state}
    if case == "forged":
        params["state"] = "forged-" + state
    elif case == "missing":
        params.pop("state")
    elif case == "other-user":
        logout(client)
        signup(client, "mallory@example.com")
    elif case == "expired":
        with client.session_transaction() as sess:
            for key in [k for k in sess if k.startswith("_state_notion_")]:
                sess.pop(key)
    resp = client.get("/notion/callback", query_string=params)
    assert resp.status_code == 302
    assert token_posts(sandbox) == []
    assert connections(app) == []


def test_callback_when_logged_out_goes_to_login(app, client, sandbox):
    resp = client.get("/notion/callback", query_string={"code": "abc", "state": "xyz"})
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/auth/login")
    assert token_posts(sandbox) == []


@pytest.mark.parametrize("code", [None, ""])
def test_missing_or_empty_code(app, user_client, sandbox, code):
    authorize_url = start_connect(user_client)
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    params = {"state": state} if code is None else {"state": state, "code": code}
    resp = user_client.get("/notion/callback", query_string=params)
    assert resp.status_code == 302
    assert "Notion sent no authorization code" in flashes(user_client)
    assert token_posts(sandbox) == [] and connections(app) == []


def test_repeated_code_is_exchanged_once(app, user_client, sandbox):
    authorize_url = start_connect(user_client)
    location = sandbox.consent(authorize_url)
    assert finish_at(user_client, location).status_code == 302
    again = finish_at(user_client, location)
    assert again.status_code == 302
    assert len(token_posts(sandbox)) == 1
    assert len(connections(app)) == 1


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            400,
            {"object": "error", "status": 400, "code": "invalid_grant", "message": "Invalid code."},
            "The authorization code was not accepted",
        ),
        (
            400,
            {"error": "invalid_grant", "error_description": "bad code"},
            "Notion did not accept the authorization",
        ),
        (200, {"token_type": "bearer", "workspace_id": "x"}, "answer had no access token."),
        (502, None, "Notion had a problem finishing the connection"),
        ("timeout", None, "Notion could not be reached"),
    ],
)
def test_token_endpoint_failures(app, user_client, sandbox, monkeypatch, status, body, message):
    """T5: each failure gives a clear message, stores nothing, and POSTs the token endpoint once."""
    import responses

    authorize_url = start_connect(user_client)
    location = sandbox.consent(authorize_url)
    token_url = app.config["NOTION_API_BASE_URL"] + "/v1/oauth/token"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        if status == "timeout":
            import requests

            mock.add(responses.POST, token_url, body=requests.exceptions.ReadTimeout("slow"))
        else:
            mock.add(responses.POST, token_url, json=body, status=status)
        resp = finish_at(user_client, location)
        assert len(mock.calls) == 1
    assert resp.status_code == 302 and resp.headers["Location"] == "/connections"
    assert message in flashes(user_client)
    assert connections(app) == []


def test_another_users_bot_id_is_refused(app, client, sandbox):
    """T11: B authorizes the same Notion user and workspace as A: refused, A's row unchanged."""
    signup(client, "a@example.com")
    connect(client, sandbox, workspace="acme", user="ada")
    [a_row] = connections(app)
    logout(client)
    signup(client, "b@example.com")
    connect(client, sandbox, workspace="acme", user="ada")
    assert "already linked to another account" in flashes(client)
    [still] = connections(app)
    assert still.user_id == a_row.user_id
    assert still.access_token_encrypted == a_row.access_token_encrypted
    assert still.updated_at == a_row.updated_at


def test_redirect_uri_ignores_spoofed_host(app, user_client, sandbox):
    """T6: the redirect_uri sent to Notion is always the configured one."""
    from helpers import csrf_from

    csrf = csrf_from(user_client.get("/connections").get_data(as_text=True))
    cookie = user_client.get_cookie("session").value
    user_client.set_cookie("session", cookie, domain="evil.example")
    for environ in ({"HTTP_HOST": "evil.example"}, {"HTTP_X_FORWARDED_HOST": "evil.example"}):
        resp = user_client.post(
            "/connections/connect", data={"csrf_token": csrf}, environ_overrides=environ
        )
        assert resp.status_code == 302
        redirect_uri = parse_qs(urlsplit(resp.headers["Location"]).query)["redirect_uri"][0]
        assert redirect_uri == "http://localhost/notion/callback"


def test_abandoned_connect_clicks_keep_the_cookie_small(app, user_client, sandbox):
    """T33: 50 abandoned Connect clicks leave the session cookie under 4 KB, and the last works."""
    for _ in range(50):
        last = start_connect(user_client)
    assert len(user_client.get_cookie("session").value) < 4096
    finish_at(user_client, sandbox.consent(last))
    assert len(connections(app)) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/connections/connect",
        "/connections/1/reconnect",
        "/connections/1/disconnect",
        "/auth/logout",
        "/auth/account/password",
        "/auth/account/delete",
    ],
)
def test_post_routes_refuse_missing_and_foreign_csrf(app, client, sandbox, path):
    """T13: without a token, or with another session's token, nothing is accepted."""
    signup(client, "a@example.com")
    connect(client, sandbox)
    other = app.test_client()
    signup(other, "b@example.com")
    from helpers import csrf_from

    foreign = csrf_from(other.get("/connections").get_data(as_text=True))
    for data in ({}, {"csrf_token": foreign}, {"csrf_token": "garbage"}):
        resp = client.post(path, data=data)
        assert resp.status_code == 400
    assert client.get("/connections").status_code == 200
    assert len(connections(app)) == 1


def test_disconnect_revokes_and_wipes_the_tokens_but_keeps_the_connection(
    app, user_client, sandbox
):
    connect(user_client, sandbox)
    [conn] = connections(app)
    with app.app_context():
        access = crypto.decrypt(conn.access_token_encrypted)
        refresh = crypto.decrypt(conn.refresh_token_encrypted)
    page = user_client.get(f"/connections/{conn.id}/disconnect").get_data(as_text=True)
    assert "Disconnect Acme" in page and "already in Notion" in page  # asks first
    resp = post_form(user_client, f"/connections/{conn.id}/disconnect")
    assert resp.status_code == 302
    revokes = sandbox.requests(path="/v1/oauth/revoke")
    assert [r["body"] for r in revokes] == [{"token": access}, {"token": refresh}]
    assert {r["auth_scheme"] for r in revokes} == {"basic"}
    [kept] = connections(app)
    assert kept.state == "disconnected"
    assert kept.access_token_encrypted is None and kept.refresh_token_encrypted is None
    assert "Notion confirmed that it revoked" in flashes(user_client)
    dashboard = user_client.get("/connections").get_data(as_text=True)
    assert "Disconnected" in dashboard and "Reconnect" in dashboard


def test_disconnect_when_notion_is_down_wipes_locally_and_says_so(app, user_client, sandbox):
    connect(user_client, sandbox)
    [conn] = connections(app)
    sandbox.fail_next(503, count=1, path="/v1/oauth/revoke")
    post_form(user_client, "/connections", f"/connections/{conn.id}/disconnect")
    [kept] = connections(app)
    assert kept.state == "disconnected" and kept.access_token_encrypted is None
    assert "the integration may still be installed" in flashes(user_client)


def test_other_users_connection_is_404(app, client, sandbox):
    signup(client, "a@example.com")
    connect(client, sandbox)
    [conn] = connections(app)
    logout(client)
    signup(client, "b@example.com")
    for path in (f"/connections/{conn.id}/disconnect", f"/connections/{conn.id}/reconnect"):
        assert post_form(client, "/connections", path).status_code == 404
    assert len(connections(app)) == 1
    assert sandbox.requests(path="/v1/oauth/revoke") == []


def test_delete_account_revokes_every_token(app, user_client, sandbox):
    connect(user_client, sandbox, workspace="acme", user="ada")
    connect(user_client, sandbox, workspace="globex", user="hedy")
    from helpers import PASSWORD

    post_form(
        user_client,
        "/auth/account",
        "/auth/account/delete",
        data={"password": PASSWORD, "confirm": "delete"},
    )
    assert len(sandbox.requests(path="/v1/oauth/revoke")) == 4  # access and refresh, twice
    assert connections(app) == []


def test_concurrent_callbacks_for_one_bot_id_make_one_row(app, sandbox):
    """T12 (this database): 20 saves of the same authorization at once → 1 row, no error."""
    from notion_app.connections import authorizations
    from notion_app.models import User

    with app.app_context():
        user = User(email="race@example.com", password_hash="x")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    token = {
        "access_token": "ntn_race",
        "refresh_token": "nrt_race",
        "bot_id": "bot-race",
        "workspace_id": "ws",
        "workspace_name": "Race",
        "token_type": "bearer",
        "owner": {"type": "user", "user": {"object": "user", "id": "u1"}},
    }
    errors: list[Exception] = []
    barrier = threading.Barrier(20)

    def save():
        with app.app_context():
            try:
                barrier.wait()
                authorizations.save_authorization(db.session.get(User, user_id), token)
            except Exception as exc:  # noqa: BLE001 - the test reports any failure
                errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count(NotionConnection.id))) == 1


@pytest.mark.parametrize("refresh", ["nrt_abc", None, "absent"])
def test_refresh_token_may_be_string_null_or_absent(app, user_client, sandbox, refresh):
    import responses

    location = sandbox.consent(start_connect(user_client))
    body = {
        "access_token": "ntn_x",
        "token_type": "bearer",
        "bot_id": "b-1",
        "workspace_id": "w-1",
        "workspace_name": "W",
        "workspace_icon": None,
        "owner": {"type": "user", "user": {"object": "user", "id": "u-1"}},
        "duplicated_template_id": None,
        "refresh_token": refresh,
    }
    if refresh == "absent":
        body.pop("refresh_token")
    token_url = app.config["NOTION_API_BASE_URL"] + "/v1/oauth/token"
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, token_url, json=body, status=200)
        finish_at(user_client, location)
    [conn] = connections(app)
    with app.app_context():
        stored = crypto.decrypt(conn.refresh_token_encrypted)
    assert stored == (refresh if refresh != "absent" else None)
    assert conn.notion_user_name is None and conn.state == "active"


def test_disconnected_workspace_shows_nothing_cached_and_calls_no_notion(app, user_client, sandbox):
    connect(user_client, sandbox)
    [conn] = connections(app)
    assert "Tasks" in user_client.get(f"/connections/{conn.id}/databases").get_data(as_text=True)
    post_form(user_client, f"/connections/{conn.id}/disconnect")
    sandbox.clear_requests()
    resp = user_client.get(f"/connections/{conn.id}/databases")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/connections")
    assert "You disconnected this workspace" in flashes(user_client)
    assert sandbox.requests(path="/v1/") == []


def test_app_binds_state_to_the_user_even_when_authlib_would_accept(app, sandbox):
    """T1b: user A's flow, finished in user B's session with A's Authlib state copied into it the
    way Authlib stores it: Authlib's own check passes, so only the app's binding (the state in
    `notion_flows`, bound to the user who clicked Connect) stops the exchange."""
    alice, bob = app.test_client(), app.test_client()
    signup(alice, "alice@example.com")
    signup(bob, "bob@example.com")
    location = sandbox.consent(start_connect(alice))
    query = parse_qs(urlsplit(location).query)
    state = query["state"][0]
    with alice.session_transaction() as sess:
        authlib_entry = sess[f"_state_notion_{state}"]
    with bob.session_transaction() as sess:
        sess[f"_state_notion_{state}"] = authlib_entry
    sandbox.clear_requests()
    resp = bob.get("/notion/callback", query_string={"code": query["code"][0], "state": state})
    assert resp.status_code == 302
    assert token_posts(sandbox) == []
    assert connections(app) == []
    assert "was not started here" in flashes(bob)


def test_abandoned_connect_clicks_stop_growing_the_cookie(app, user_client, sandbox):
    """T33b: after 3, 10 and 50 abandoned Connect clicks the session cookie has stopped growing
    (pruning keeps the last few flows), and the last click still connects."""
    sizes = {}
    clicks = 0
    for target in (3, 10, 50):
        while clicks < target:
            last = start_connect(user_client)
            clicks += 1
        sizes[target] = len(user_client.get_cookie("session").value)
    # the same up to the compression's few bytes of jitter (one more flow adds ~150 bytes)
    assert abs(sizes[50] - sizes[10]) <= 32 and abs(sizes[10] - sizes[3]) <= 32, sizes
    assert sizes[50] < 4096, sizes
    finish_at(user_client, sandbox.consent(last))
    assert len(connections(app)) == 1
