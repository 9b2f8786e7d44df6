"""Disconnect revokes the refresh token as well as the access token, checks each answer, and
says plainly when the integration may still be installed (with the way to remove it in Notion).

The sandbox kills only the token it is given (whether Notion kills the pair is unconfirmed), so
an app that revoked the access token alone would leave a working refresh token behind.
"""

from __future__ import annotations

import pytest
from helpers import connect, post_form
from sqlalchemy import select

from notion_app import crypto
from notion_app.connections.views import CONNECTIONS_HELP_URL
from notion_app.extensions import db
from notion_app.models import NotionConnection

REVOKE = "/v1/oauth/revoke"


def tokens(app) -> tuple[str, str, int]:
    with app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        return (crypto.decrypt(conn.access_token_encrypted),
                crypto.decrypt(conn.refresh_token_encrypted), conn.id)


def refresh_still_works(sandbox_server_url: str, refresh: str) -> bool:
    import requests
    from conftest import TEST_CLIENT_ID, TEST_CLIENT_SECRET

    resp = requests.post(f"{sandbox_server_url}/v1/oauth/token", timeout=5,
                         auth=(TEST_CLIENT_ID, TEST_CLIENT_SECRET),
                         json={"grant_type": "refresh_token", "refresh_token": refresh})
    return resp.status_code == 200


def dashboard(client) -> str:
    return client.get("/connections").get_data(as_text=True)


def test_disconnect_revokes_both_tokens_and_notion_records_both(
    app, user_client, sandbox, sandbox_server
):
    connect(user_client, sandbox)
    access, refresh, conn_id = tokens(app)
    post_form(user_client, "/connections", f"/connections/{conn_id}/disconnect")
    assert [r["kind"] for r in sandbox.revocations()] == ["access", "refresh"]
    assert not refresh_still_works(sandbox_server.url, refresh)  # no way back in
    page = dashboard(user_client)
    assert "Notion confirmed that it revoked" in page
    assert "may still be installed" not in page


FAILURES = {
    "503": {"status": 503},
    "429": {"status": 429},
    "connection dropped": {"kind": "drop"},
    "invalid_client": {"kind": "oauth", "error": "invalid_client"},
}


@pytest.mark.parametrize("fault", FAILURES.values(), ids=list(FAILURES))
def test_an_unconfirmed_revoke_says_the_integration_may_still_be_installed(
    app, user_client, sandbox, fault
):
    connect(user_client, sandbox)
    _, _, conn_id = tokens(app)
    sandbox.fail_next(path=REVOKE, count=1, **fault)  # the access token's revoke fails
    post_form(user_client, "/connections", f"/connections/{conn_id}/disconnect")
    page = dashboard(user_client)
    assert "the integration may still be installed" in page
    assert "access token" in page
    assert f'href="{CONNECTIONS_HELP_URL}"' in page and "Settings → Connections" in page
    with app.app_context():
        kept = db.session.get(NotionConnection, conn_id)
        assert kept.state == "disconnected" and kept.refresh_token_encrypted is None


def test_an_answer_that_is_not_a_confirmation_is_not_taken_for_one(
    app, user_client, sandbox, monkeypatch
):
    """A 200 whose body is an HTML page (an edge's block) did not revoke anything."""
    connect(user_client, sandbox)
    _, _, conn_id = tokens(app)

    import requests

    from notion_app.notion import oauth

    real = oauth._oauth_post

    def html_page(path, payload):
        if path != REVOKE:
            return real(path, payload)
        resp = requests.Response()
        resp.status_code, resp._content = 200, b"<html>Just a moment...</html>"
        resp.headers["Content-Type"] = "text/html"
        return resp

    monkeypatch.setattr(oauth, "_oauth_post", html_page)
    post_form(user_client, "/connections", f"/connections/{conn_id}/disconnect")
    assert "the integration may still be installed" in dashboard(user_client)
