"""notion-client (Notion's community Python SDK), unchanged, driven against the sandbox."""

from urllib.parse import parse_qs, urlsplit

import pytest
from notion_client import APIErrorCode, APIResponseError, Client
from notion_client.errors import HTTPResponseError
from notion_client.helpers import collect_paginated_api

from .conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, authorize_url


def sdk(base, token=None):
    return Client(auth=token, base_url=base, retry=False, timeout_ms=5000)


@pytest.fixture
def tokens(control, sandbox_url):
    def run(**consent):
        location = control.consent(authorize_url(sandbox_url), **consent)
        code = parse_qs(urlsplit(location).query)["code"][0]
        return sdk(sandbox_url).oauth.token(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_type="authorization_code",
            code=code, redirect_uri=REDIRECT_URI)

    return run


def test_oauth_token_introspect_revoke(tokens, sandbox_url, control):
    tok = tokens()
    oauth = sdk(sandbox_url).oauth
    assert tok["token_type"] == "bearer" and tok["refresh_token"].startswith("nrt_")
    assert control.requests(path="/v1/oauth/token")[0]["body_encoding"] == "json"
    refreshed = oauth.token(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                            grant_type="refresh_token", refresh_token=tok["refresh_token"])
    live = oauth.introspect(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                            token=refreshed["access_token"])
    assert live["active"] is True
    oauth.revoke(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                 token=refreshed["access_token"])
    dead = oauth.introspect(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                            token=refreshed["access_token"])
    assert dead["active"] is False
    with pytest.raises(HTTPResponseError) as err:
        oauth.token(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                    grant_type="authorization_code", code="used", redirect_uri=REDIRECT_URI)
    assert err.value.status == 400


def test_users_me_search_and_schema(tokens, sandbox_url, seed):
    client = sdk(sandbox_url, tokens(workspace="globex", user="hedy")["access_token"])
    assert client.users.me()["bot"]["owner"]["user"]["id"] == seed["users"]["hedy"]["id"]
    sources = collect_paginated_api(client.search,
                                    filter={"property": "object", "value": "data_source"})
    assert len(sources) == 105
    first = client.search(filter={"property": "object", "value": "data_source"})
    assert first["has_more"] is True


def test_retrieve_query_and_create_every_writable_type(tokens, sandbox_url, seed):
    client = sdk(sandbox_url, tokens()["access_token"])
    tasks = seed["databases"]["tasks"]
    ds_id = tasks["data_sources"]["tasks"]
    db = client.databases.retrieve(database_id=tasks["id"])
    assert db["data_sources"][0]["id"] == ds_id
    assert "Status" in client.data_sources.retrieve(data_source_id=ds_id)["properties"]
    rows = client.data_sources.query(
        data_source_id=ds_id, filter={"property": "Name", "title": {"equals": "Ship v1"}})
    assert len(rows["results"]) == 1
    properties = {
        "Name": {"title": [{"text": {"content": "From the SDK"}}]},
        "Notes": {"rich_text": [{"text": {"content": "bold", "link": {"url": "https://e.com"}},
                                 "annotations": {"bold": True}}]},
        "Estimate": {"number": 2.5}, "Progress": {"number": 0.5}, "Budget": {"number": 100},
        "Priority": {"select": {"name": "High"}},
        "Tags": {"multi_select": [{"name": "Bug"}, {"name": "Docs"}]},
        "Status": {"status": {"name": "Done"}},
        "Due": {"date": {"start": "2026-08-01", "end": "2026-08-03"}},
        "Done": {"checkbox": True}, "Link": {"url": "https://example.com"},
        "Contact": {"email": "ada@acme.example"}, "Phone": {"phone_number": "+44 20 7946 0000"},
        "Assignee": {"people": [{"object": "user", "id": seed["users"]["grace"]["id"]}]},
        "Project": {"relation": [{"id": seed["pages"]["project_gemini"]}]},
        "Attachments": {"files": [{"type": "external", "name": "spec.pdf",
                                   "external": {"url": "https://e.com/spec.pdf"}}]},
    }
    page = client.pages.create(parent={"type": "data_source_id", "data_source_id": ds_id},
                               properties=properties)
    props = page["properties"]
    assert props["Tags"]["multi_select"][1]["name"] == "Docs"
    assert props["Assignee"]["people"][0]["name"] == "Grace Hopper"
    assert props["Attachments"]["files"][0]["external"]["url"] == "https://e.com/spec.pdf"
    assert props["Due"]["date"]["end"] == "2026-08-03"
    assert props["Score"]["formula"]["number"] == 5.0
    assert client.pages.retrieve(page_id=page["id"])["id"] == page["id"]


def test_typed_errors(tokens, sandbox_url, seed):
    client = sdk(sandbox_url, tokens(pages=["tasks"])["access_token"])
    ds_id = seed["databases"]["tasks"]["data_sources"]["tasks"]
    with pytest.raises(APIResponseError) as err:
        client.pages.create(parent={"data_source_id": ds_id},
                            properties={"Status": {"status": {"name": "Nope"}}})
    assert err.value.code == APIErrorCode.ValidationError and err.value.status == 400
    with pytest.raises(APIResponseError) as err:
        client.databases.retrieve(database_id=seed["databases"]["projects"]["id"])
    assert err.value.code == APIErrorCode.ObjectNotFound
    with pytest.raises(APIResponseError) as err:
        sdk(sandbox_url, "ntn_bad").users.me()
    assert err.value.code == APIErrorCode.Unauthorized and err.value.status == 401


def test_list_templates_and_create_from_one(tokens, sandbox_url, seed, control):
    client = sdk(sandbox_url, tokens()["access_token"])
    ds_id = seed["databases"]["tasks"]["data_sources"]["tasks"]
    listed = client.data_sources.list_templates(data_source_id=ds_id, page_size=1)
    assert listed["templates"][0]["name"] == "Bug report" and listed["has_more"] is True
    rest = client.data_sources.list_templates(data_source_id=ds_id,
                                              start_cursor=listed["next_cursor"])
    assert [t["name"] for t in rest["templates"]] == ["Weekly review"]
    page = client.pages.create(
        parent={"type": "data_source_id", "data_source_id": ds_id},
        properties={"Name": {"title": [{"text": {"content": "Via SDK template"}}]}},
        template={"type": "template_id", "template_id": rest["templates"][0]["id"]})
    control.apply_templates()
    tags = client.pages.retrieve(page_id=page["id"])["properties"]["Tags"]["multi_select"]
    assert [t["name"] for t in tags] == ["Docs"]
    with pytest.raises(APIResponseError) as err:
        client.pages.create(parent={"data_source_id": ds_id}, properties={},
                            template={"type": "template_id", "template_id": "0" * 32})
    assert err.value.code == APIErrorCode.ValidationError


# -- issue 11: Notion as it really behaves, as the SDK sees it ----------------------------------

def _title(text):
    return {"Name": {"title": [{"text": {"content": text}}]}}


@pytest.mark.parametrize(("status", "code"), [(413, None), (400, APIErrorCode.ValidationError)])
def test_an_oversize_body_is_refused_before_anything_is_created(
        tokens, sandbox_url, seed, control, status, code):
    client = sdk(sandbox_url, tokens()["access_token"])
    ds_id = seed["databases"]["tasks"]["data_sources"]["tasks"]
    control.settings(oversize_status=status, max_body_bytes=20_000)
    notes = [{"text": {"content": "é" * 2000}}] * 10  # about 40 KB of UTF-8
    with pytest.raises(HTTPResponseError) as err:
        client.pages.create(parent={"data_source_id": ds_id},
                            properties={**_title("Too big"), "Notes": {"rich_text": notes}})
    assert err.value.status == status
    # the edge's 413 is an HTML page, not Notion's JSON: the SDK cannot type it
    assert isinstance(err.value, APIResponseError) == (code is not None)
    if code is not None:
        assert err.value.code == code
    assert control.pages() == []


def test_a_conflict_is_a_typed_409_and_nothing_is_created(tokens, sandbox_url, seed, control):
    client = sdk(sandbox_url, tokens()["access_token"])
    ds_id = seed["databases"]["tasks"]["data_sources"]["tasks"]
    control.fail_next(409, path="/v1/pages", method="POST")
    with pytest.raises(APIResponseError) as err:
        client.pages.create(parent={"data_source_id": ds_id}, properties=_title("Clash"))
    assert err.value.code == APIErrorCode.ConflictError and err.value.status == 409
    assert control.pages() == []
    assert client.pages.create(parent={"data_source_id": ds_id}, properties=_title("Clash"))


def test_the_workspace_limit_is_shared_and_named(tokens, sandbox_url, control):
    ada = sdk(sandbox_url, tokens(user="ada")["access_token"])
    grace = sdk(sandbox_url, tokens(user="grace")["access_token"])
    hedy = sdk(sandbox_url, tokens(workspace="globex", user="hedy")["access_token"])
    control.settings(rate_limit={"rate": 100.0, "burst": 100, "workspace": {
        "rate": 0.001, "burst": 1, "retry_after": 120}})
    ada.users.me()
    with pytest.raises(APIResponseError) as err:  # another connection, same workspace
        grace.users.me()
    assert err.value.code == APIErrorCode.RateLimited and err.value.status == 429
    assert err.value.additional_data == {"rate_limit_reason": "workspace_rate_limit"}
    assert err.value.headers["Retry-After"] == "120"  # over a minute: Notion allows it
    assert hedy.users.me()["object"] == "user"  # another workspace has its own budget
    control.settings(rate_limit={"rate": 0.001, "burst": 1})
    hedy.users.me()
    with pytest.raises(APIResponseError) as err:
        hedy.users.me()
    assert err.value.additional_data == {"rate_limit_reason": "integration_rate_limit"}


def test_users_list_is_forbidden_without_the_capability_and_never_lists_guests(
        tokens, sandbox_url, control):
    client = sdk(sandbox_url, tokens()["access_token"])
    guest = control.add_people("acme", 1, prefix="sdkguest", guest=True)[0]
    listed = collect_paginated_api(client.users.list)
    assert listed and guest["id"] not in {u["id"] for u in listed}
    control.settings(users_forbidden=True)
    with pytest.raises(APIResponseError) as err:
        client.users.list()
    assert err.value.code == APIErrorCode.RestrictedResource and err.value.status == 403
    assert client.users.me()["type"] == "bot"  # the bot itself still answers


def test_validation_shapes_reach_the_sdk_word_for_word(tokens, sandbox_url, seed):
    client = sdk(sandbox_url, tokens()["access_token"])
    odd = seed["databases"]["odd_names"]["data_sources"]["odd_names"]
    for props, message in [
        ({"v1.2 score": {"number": "x"}}, "body failed validation. Fix one:\n"
         'body.properties.v1.2 score.number should be a number, instead was `"x"`.\n'
         'body.properties.v1.2 score.number should be `null`, instead was `"x"`.'),
        ({"Tags [old] ": {"multi_select": []}}, "Tags [old]  is not a property that exists."),
        ({"Stage (v2.0)": {"status": {"name": "Gone"}}},
         '"Gone" is an invalid select option for property Stage (v2.0).'),
    ]:
        with pytest.raises(APIResponseError) as err:
            client.pages.create(parent={"data_source_id": odd}, properties=props)
        assert err.value.code == APIErrorCode.ValidationError
        assert str(err.value) == message
