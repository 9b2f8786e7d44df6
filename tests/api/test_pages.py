"""The account page's API tokens (create, shown once; listed with last use; revoke), the CLI
that makes one for scripts, and the /api/docs guide."""

from __future__ import annotations

import re

from helpers import connect, csrf_from, post_form

from api.support import bearer, confirm, connection_id

TOKEN_RE = re.compile(r"nrapi_[A-Za-z0-9_\-]{43}")


def make_on_page(client, **data):
    return post_form(client, "/auth/account", "/auth/account/api-tokens",
                     data={"name": "Zapier", "connection": "", "data_source": "", **data})


def test_a_token_made_on_the_account_page_is_shown_once_and_works(app, user_client, sandbox):
    connect(user_client, sandbox)
    confirm(app)
    resp = make_on_page(user_client)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    [secret] = set(TOKEN_RE.findall(page))
    assert "shown this once" in page
    assert resp.headers["Cache-Control"] == "no-store"
    account = user_client.get("/auth/account").get_data(as_text=True)
    assert secret not in account  # never again
    assert "Zapier" in account and secret[:10] in account and "Never" in account
    assert user_client.get("/api/v1/connections", headers=bearer(secret)).status_code == 200
    assert "Never" not in user_client.get("/auth/account").get_data(as_text=True)


def test_a_token_can_be_limited_to_a_data_source_on_the_page(app, user_client, sandbox, tasks):
    connect(user_client, sandbox)
    confirm(app)
    conn = connection_id(app)
    resp = make_on_page(user_client, connection=str(conn), data_source=tasks)
    [secret] = set(TOKEN_RE.findall(resp.get_data(as_text=True)))
    listed = user_client.get(f"/api/v1/connections/{conn}/data-sources",
                             headers=bearer(secret)).get_json()["data_sources"]
    assert [d["id"] for d in listed] == [tasks]


def test_a_data_source_scope_needs_its_workspace_and_a_shared_id(app, user_client, sandbox):
    connect(user_client, sandbox)
    confirm(app)
    no_workspace = make_on_page(user_client, data_source="b0c15a10-e4c6-56b8-a94d-469224b2bfd5")
    assert no_workspace.status_code == 400
    assert "Choose the workspace" in no_workspace.get_data(as_text=True)
    not_shared = make_on_page(user_client, connection=str(connection_id(app)),
                              data_source="00000000-0000-4000-8000-000000000000")
    assert not_shared.status_code == 400
    page = not_shared.get_data(as_text=True)
    assert "does not share" in page and not TOKEN_RE.search(page)


def test_revoking_on_the_page_stops_the_token(app, user_client, sandbox):
    connect(user_client, sandbox)
    confirm(app)
    secret = TOKEN_RE.search(make_on_page(user_client).get_data(as_text=True)).group(0)
    account = user_client.get("/auth/account").get_data(as_text=True)
    action = re.search(r'action="(/auth/account/api-tokens/\d+/revoke)"', account).group(1)
    resp = user_client.post(action, data={"csrf_token": csrf_from(account)})
    assert resp.status_code == 302
    assert user_client.get("/api/v1/connections", headers=bearer(secret)).status_code == 401
    assert "Revoked" in user_client.get("/auth/account").get_data(as_text=True)


def test_an_unconfirmed_account_cannot_make_a_token(app, user_client):
    page = user_client.get("/auth/account").get_data(as_text=True)
    assert "Confirm your email address first" in page
    resp = make_on_page(user_client)
    assert resp.status_code == 403
    assert not TOKEN_RE.search(resp.get_data(as_text=True))


def test_the_token_forms_need_their_csrf_token(app, user_client):
    confirm(app)
    assert user_client.post("/auth/account/api-tokens", data={"name": "x"}).status_code == 400
    assert user_client.post("/auth/account/api-tokens/1/revoke").status_code in (302, 400)


def test_someone_elses_token_cannot_be_revoked(app, user_client, sandbox):
    from helpers import signup

    confirm(app)
    secret = TOKEN_RE.search(make_on_page(user_client).get_data(as_text=True)).group(0)
    account = user_client.get("/auth/account").get_data(as_text=True)
    action = re.search(r'action="(/auth/account/api-tokens/\d+/revoke)"', account).group(1)
    bob = app.test_client()
    signup(bob, "bob@example.com")
    bob_page = bob.get("/auth/account").get_data(as_text=True)
    bob.post(action, data={"csrf_token": csrf_from(bob_page)})
    assert bob.get("/api/v1/connections", headers=bearer(secret)).status_code == 200


def test_the_cli_prints_a_working_token_on_one_line(app, runner, user_client, sandbox):
    connect(user_client, sandbox)
    refused = runner.invoke(args=["api-token", "create", "ada@example.com"])
    assert refused.exit_code != 0 and "not confirmed" in refused.output
    confirm(app)
    result = runner.invoke(args=["api-token", "create", "Ada@Example.com", "--name", "Backup"])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    assert TOKEN_RE.fullmatch(line)
    client = app.test_client()
    assert client.get("/api/v1/connections", headers=bearer(line)).status_code == 200
    assert "Backup" in user_client.get("/auth/account").get_data(as_text=True)
    unknown = runner.invoke(args=["api-token", "create", "nobody@example.com"])
    assert unknown.exit_code != 0 and "No account" in unknown.output


def test_the_docs_page_has_curl_examples_and_no_outside_scripts(client):
    resp = client.get("/api/docs")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "curl -X POST" in page and "Idempotency-Key" in page
    assert "/api/openapi.json" in page
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert all(src.startswith("/static/") for src in scripts)
