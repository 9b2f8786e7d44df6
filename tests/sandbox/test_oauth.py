"""The OAuth flow over real HTTP: consent, codes, tokens, refresh, revoke, introspect."""

import time

import pytest
import requests

from .conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_REDIRECT,
    REDIRECT_URI,
    Api,
    authorize_url,
    query_of,
    token_call,
)


def code_for(control, base, **kw):
    redirect_uri = kw.pop("redirect_uri", REDIRECT_URI)
    location = control.consent(authorize_url(base, redirect_uri=redirect_uri), **kw)
    return query_of(location)["code"]


def exchange(base, code, redirect_uri=REDIRECT_URI, **kw):
    return token_call(base, {"grant_type": "authorization_code", "code": code,
                             "redirect_uri": redirect_uri}, **kw)


def test_consent_page_shows_integration_workspace_people_and_picker(control, sandbox_url, seed):
    resp = requests.get(authorize_url(sandbox_url), timeout=5)
    assert resp.status_code == 200
    html = resp.text
    assert "Notion Rows" in html and "Acme Corp" in html and "Ada Lovelace" in html
    assert "Allow access" in html and "Cancel" in html
    assert seed["databases"]["tasks"]["id"] in html and seed["pages"]["welcome"] in html
    assert seed["pages"]["task_1"] not in html  # rows are not top-level picks
    for input_id in ["workspace", "user_id", f"pick-{seed['pages']['welcome']}"]:
        assert f'for="{input_id}"' in html


def test_allow_redirects_with_code_and_state(control, sandbox_url):
    location = control.consent(authorize_url(sandbox_url, state="s-123"))
    assert location.startswith(REDIRECT_URI + "?")
    params = query_of(location)
    assert params["state"] == "s-123" and params["code"]


def test_cancel_redirects_with_access_denied(control, sandbox_url):
    location = control.consent(authorize_url(sandbox_url, state="s-9"), allow=False)
    assert query_of(location) == {"error": "access_denied", "state": "s-9"}


@pytest.mark.parametrize("override", [
    {"redirect_uri": "http://evil.example/cb"},
    {"client_id": "nobody"},
    {"response_type": "token"},
    {"owner": "workspace"},
])
def test_bad_authorize_requests_get_an_error_page_and_no_redirect(sandbox_url, override):
    resp = requests.get(authorize_url(sandbox_url, **override), timeout=5, allow_redirects=False)
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    assert 'data-error="notion-sandbox"' in resp.text


def test_token_response_has_every_documented_field(connect, seed):
    tok = connect()
    assert tok["access_token"].startswith("ntn_") and tok["refresh_token"].startswith("nrt_")
    assert tok["token_type"] == "bearer"
    assert tok["workspace_id"] == seed["workspaces"]["acme"]["id"]
    assert tok["workspace_name"] == "Acme Corp" and tok["workspace_icon"] == "🚀"
    user = tok["owner"]["user"]
    assert tok["owner"]["type"] == "user"
    assert user == {"object": "user", "id": seed["users"]["ada"]["id"], "name": "Ada Lovelace",
                    "avatar_url": None, "type": "person",
                    "person": {"email": "ada@acme.example"}}
    assert tok["duplicated_template_id"] is None
    assert isinstance(tok["bot_id"], str) and isinstance(tok["request_id"], str)


def test_code_is_single_use(control, sandbox_url):
    code = code_for(control, sandbox_url)
    assert exchange(sandbox_url, code).status_code == 200
    again = exchange(sandbox_url, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_expires_after_ten_minutes(control, sandbox_url, sandbox_server, monkeypatch):
    code = code_for(control, sandbox_url)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 601)
    resp = exchange(sandbox_url, code)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"
    assert "expired" in resp.json()["error_description"]


def test_code_is_bound_to_redirect_uri(control, sandbox_url):
    code = code_for(control, sandbox_url)
    resp = exchange(sandbox_url, code, redirect_uri=OTHER_REDIRECT)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_code_is_bound_to_client(control, sandbox_url):
    control.register_client("other", "other-secret", [REDIRECT_URI], "Other")
    code = code_for(control, sandbox_url)
    resp = exchange(sandbox_url, code, auth=("other", "other-secret"))
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("auth", [None, (CLIENT_ID, "wrong"), ("nobody", CLIENT_SECRET)])
def test_token_endpoint_requires_basic_client_auth(sandbox_url, control, auth):
    resp = requests.post(f"{sandbox_url}/v1/oauth/token", auth=auth, timeout=5,
                         json={"grant_type": "authorization_code", "code": "x",
                               "redirect_uri": REDIRECT_URI})
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_unsupported_grant_and_missing_fields(sandbox_url, control):
    resp = token_call(sandbox_url, {"grant_type": "client_credentials"})
    assert resp.status_code == 400 and resp.json()["error"] == "unsupported_grant_type"
    resp = token_call(sandbox_url, {"grant_type": "authorization_code"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"
    assert "error_description" in resp.json()


def test_refresh_rotates_and_kills_the_old_tokens(connect, sandbox_url):
    first = connect()
    resp = token_call(sandbox_url, {"grant_type": "refresh_token",
                                    "refresh_token": first["refresh_token"]})
    assert resp.status_code == 200
    second = resp.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["bot_id"] == first["bot_id"]
    old = token_call(sandbox_url, {"grant_type": "refresh_token",
                                   "refresh_token": first["refresh_token"]})
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant"
    assert Api(sandbox_url, first["access_token"]).get("/v1/users/me").status_code == 401
    assert Api(sandbox_url, second["access_token"]).get("/v1/users/me").status_code == 200


def test_same_user_and_workspace_get_the_same_bot_and_old_tokens_die(connect, sandbox_url):
    first = connect()
    second = connect()
    assert first["bot_id"] == second["bot_id"]
    assert Api(sandbox_url, first["access_token"]).get("/v1/users/me").status_code == 401
    other = connect(user="grace")
    assert other["bot_id"] != first["bot_id"]


def _refresh(sandbox_url, tok):
    return token_call(sandbox_url, {"grant_type": "refresh_token",
                                    "refresh_token": tok["refresh_token"]})


def test_revoke_kills_the_named_token_only_by_default(connect, sandbox_url, control):
    """Whether Notion kills the pair is unconfirmed: by default a client must revoke both."""
    tok = connect()
    resp = token_call(sandbox_url, {"token": tok["access_token"]}, path="revoke")
    assert resp.status_code == 200 and "request_id" in resp.json()
    assert Api(sandbox_url, tok["access_token"]).get("/v1/users/me").status_code == 401
    fresh = _refresh(sandbox_url, tok)
    assert fresh.status_code == 200  # the refresh token outlived the access token
    gone = token_call(sandbox_url, {"token": fresh.json()["refresh_token"]}, path="revoke")
    assert gone.status_code == 200
    assert _refresh(sandbox_url, fresh.json()).json()["error"] == "invalid_grant"
    assert [r["kind"] for r in control.revocations()] == ["access", "refresh"]


def test_revoke_cascades_behind_a_switch(connect, sandbox_url, control):
    control.settings(revoke_cascades=True)
    tok = connect()
    token_call(sandbox_url, {"token": tok["access_token"]}, path="revoke")
    assert _refresh(sandbox_url, tok).json()["error"] == "invalid_grant"


def test_revoking_an_unknown_token_is_recorded_as_unknown(sandbox_url, control):
    resp = token_call(sandbox_url, {"token": "nrt_nope"}, path="revoke")
    assert resp.status_code == 200
    assert control.revocations() == [{"kind": "unknown", "bot_id": None}]


def test_introspect(connect, sandbox_url):
    tok = connect()
    live = token_call(sandbox_url, {"token": tok["access_token"]}, path="introspect").json()
    assert live["active"] is True and isinstance(live["iat"], int)
    dead = token_call(sandbox_url, {"token": "ntn_nope"}, path="introspect").json()
    assert dead["active"] is False


def test_form_encoded_token_request_works_and_is_recorded_as_form(control, sandbox_url):
    code = code_for(control, sandbox_url)
    resp = token_call(sandbox_url, {"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": REDIRECT_URI}, form=True)
    assert resp.status_code == 200
    logged = control.requests(path="/v1/oauth/token")
    assert [r["body_encoding"] for r in logged] == ["form"]
    assert logged[0]["auth_scheme"] == "basic" and logged[0]["client_id"] == CLIENT_ID
    assert logged[0]["body"]["grant_type"] == "authorization_code"


def test_json_token_request_is_recorded_as_json(connect, control):
    connect()
    logged = control.requests(path="/v1/oauth/token", method="POST")
    assert [r["body_encoding"] for r in logged] == ["json"]
    assert logged[0]["status"] == 200


def test_consent_rejects_a_user_from_another_workspace(control, sandbox_url, seed):
    with pytest.raises(AssertionError, match="consent was refused"):
        control.consent(authorize_url(sandbox_url), workspace="acme", user="hedy")
