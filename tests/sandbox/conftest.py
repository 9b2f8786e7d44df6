"""A real sandbox over loopback HTTP for the whole session, reset before every test."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from notion_app.sandbox.control import SandboxControl
from notion_app.sandbox.server import SandboxServer

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
REDIRECT_URI = "http://127.0.0.1:9/oauth/callback"
OTHER_REDIRECT = "http://127.0.0.1:9/other/callback"
VERSION = "2025-09-03"


@pytest.fixture(scope="session")
def sandbox_server():
    settings = {
        "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                     "redirect_uris": [REDIRECT_URI, OTHER_REDIRECT], "name": "Notion Rows"}],
        "rate_limit": None,
    }
    with SandboxServer(settings) as server:
        yield server.url


@pytest.fixture
def sandbox_url(sandbox_server):
    return sandbox_server


@pytest.fixture
def control(sandbox_server):
    with SandboxControl(sandbox_server) as ctl:
        ctl.reset()
        yield ctl


@pytest.fixture
def seed(control):
    return control.seed()


def authorize_url(base, state="xyz", redirect_uri=REDIRECT_URI, client_id=CLIENT_ID, **extra):
    params = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
              "owner": "user", "state": state, **extra}
    return f"{base}/v1/oauth/authorize?{urlencode(params)}"


def query_of(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def token_call(base, body, auth=(CLIENT_ID, CLIENT_SECRET), path="token", form=False):
    kw = {"data": body} if form else {"json": body}
    return requests.post(f"{base}/v1/oauth/{path}", auth=auth, timeout=5,
                         headers={"Notion-Version": VERSION}, **kw)


@pytest.fixture
def connect(control, sandbox_url):
    """Run the whole OAuth flow; return the token response."""

    def run(workspace="acme", user="ada", pages="all", redirect_uri=REDIRECT_URI):
        location = control.consent(authorize_url(sandbox_url, redirect_uri=redirect_uri),
                                   workspace=workspace, user=user, pages=pages)
        code = query_of(location)["code"]
        resp = token_call(sandbox_url, {"grant_type": "authorization_code", "code": code,
                                        "redirect_uri": redirect_uri})
        assert resp.status_code == 200, resp.text
        return resp.json()

    return run


class Api:
    """A tiny bearer client for the API endpoints."""

    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, json=None, token=None, version=VERSION, **kw):
        headers = {"Authorization": f"Bearer {token or self.token}"}
        if version:
            headers["Notion-Version"] = version
        return requests.request(method, self.base + path, json=json, headers=headers,
                                timeout=5, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json if json is not None else {}, **kw)


@pytest.fixture
def api(connect, sandbox_url):
    return Api(sandbox_url, connect()["access_token"])
