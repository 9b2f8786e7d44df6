"""What real Notion does that a sandbox easily gets wrong (contract §5.5, §1.2), issue 11:
inherited access, search lagging behind grants, GET /v1/users without the capability or with
guests, and a duplicated template."""

import time

import requests

from .conftest import REDIRECT_URI, Api, authorize_url, query_of, token_call

DS_FILTER = {"filter": {"property": "object", "value": "data_source"}}


def _search_ids(api, body=None):
    return {r["id"] for r in api.post("/v1/search", body or DS_FILTER).json()["results"]}


def _bot_id(api):
    return api.get("/v1/users/me").json()["id"]


def test_a_database_inside_a_shared_page_is_shared(connect, sandbox_url, control):
    nested = control.add_database("meeting_notes", "Action items", key="action_items")
    api = Api(sandbox_url, connect(pages=["meeting_notes"])["access_token"])
    db = api.get(f"/v1/databases/{nested['database_id']}")
    assert db.status_code == 200
    assert db.json()["parent"] == {"type": "page_id", "page_id": control.seed()["pages"][
        "meeting_notes"]}
    assert db.json()["data_sources"] == [{"id": nested["data_source_id"], "name": "Action items"}]
    assert api.get(f"/v1/data_sources/{nested['data_source_id']}").status_code == 200
    assert _search_ids(api) == {nested["data_source_id"]}
    created = api.post("/v1/pages", {
        "parent": {"data_source_id": nested["data_source_id"]},
        "properties": {"Name": {"title": [{"text": {"content": "Follow up"}}]}},
    })
    assert created.status_code == 200
    # the nested database is not offered on its own in the page picker (only top-level items)
    page = requests.get(authorize_url(sandbox_url), timeout=5).text
    assert nested["database_id"] not in page


def test_a_page_not_shared_keeps_its_databases_hidden(connect, sandbox_url, control):
    nested = control.add_database("meeting_notes", "Action items")
    api = Api(sandbox_url, connect(pages=["welcome"])["access_token"])
    assert api.get(f"/v1/data_sources/{nested['data_source_id']}").status_code == 404
    assert api.get(f"/v1/databases/{nested['database_id']}").status_code == 404
    assert _search_ids(api) == set()


def test_search_lags_behind_new_grants_while_get_answers(connect, sandbox_url, control, seed):
    control.settings(search_index_delay=0.6)
    api = Api(sandbox_url, connect(pages=["projects"])["access_token"])
    projects = seed["databases"]["projects"]["data_sources"]["projects"]
    assert _search_ids(api) == set()  # right after OAuth: not indexed yet
    assert api.get(f"/v1/data_sources/{projects}").status_code == 200
    time.sleep(0.7)
    assert _search_ids(api) == {projects}
    # sharing later (••• → Connections) lags the same way; the older grant stays found
    tasks = seed["databases"]["tasks"]["data_sources"]["tasks"]
    control.share(_bot_id(api), "tasks")
    assert api.get(f"/v1/data_sources/{tasks}").status_code == 200
    assert _search_ids(api) == {projects}
    time.sleep(0.7)
    assert _search_ids(api) == {projects, tasks}


def test_search_delay_covers_what_a_shared_page_contains(connect, sandbox_url, control):
    nested = control.add_database("meeting_notes", "Action items")
    control.settings(search_index_delay=30)
    api = Api(sandbox_url, connect(pages=["meeting_notes"])["access_token"])
    assert _search_ids(api, {}) == set()
    assert api.get(f"/v1/data_sources/{nested['data_source_id']}").status_code == 200


def test_unshare_takes_access_away(connect, sandbox_url, control, seed):
    api = Api(sandbox_url, connect(pages=["projects"])["access_token"])
    projects = seed["databases"]["projects"]["data_sources"]["projects"]
    control.share(_bot_id(api), "projects", unshare=True)
    assert api.get(f"/v1/data_sources/{projects}").status_code == 404


def test_users_list_needs_the_capability(api, control):
    control.settings(users_forbidden=True)
    resp = api.get("/v1/users")
    assert resp.status_code == 403
    assert resp.json()["code"] == "restricted_resource" and resp.json()["object"] == "error"
    assert api.get("/v1/users/me").status_code == 200  # the bot itself is still readable


def test_guests_are_never_listed_but_are_valid_people(api, control, seed):
    guest = control.add_people("acme", 1, prefix="guest", guest=True)[0]
    listed = {u["id"] for u in api.get("/v1/users").json()["results"]}
    assert guest["id"] not in listed and seed["users"]["ada"]["id"] in listed
    tasks = seed["databases"]["tasks"]["data_sources"]["tasks"]
    resp = api.post("/v1/pages", {
        "parent": {"data_source_id": tasks},
        "properties": {"Name": {"title": [{"text": {"content": "x"}}]},
                       "Assignee": {"people": [{"object": "user", "id": guest["id"]}]}},
    })
    assert resp.status_code == 200, resp.text


def test_duplicate_template_shares_the_copy_and_names_it_in_the_token(
    control, sandbox_url, seed
):
    url = authorize_url(sandbox_url)
    assert "Duplicate template" not in requests.get(url, timeout=5).text  # no template: no offer
    control.settings(template="Row tracker")
    assert "Duplicate template" in requests.get(url, timeout=5).text
    location = control.consent(url, duplicate=True)
    code = query_of(location)["code"]
    token = token_call(sandbox_url, {"grant_type": "authorization_code", "code": code,
                                     "redirect_uri": REDIRECT_URI}).json()
    copied = token["duplicated_template_id"]
    assert copied and copied not in seed["pages"].values()
    api = Api(sandbox_url, token["access_token"])
    page = api.get(f"/v1/pages/{copied}").json()
    assert page["properties"]["title"]["title"][0]["plain_text"] == "Row tracker"
    found = api.post("/v1/search", DS_FILTER).json()["results"]
    assert [r["title"][0]["plain_text"] for r in found] == ["Row tracker rows"]
    welcome = seed["pages"]["welcome"]
    assert api.get(f"/v1/pages/{welcome}").status_code == 404  # only the copy is shared
    again = token_call(sandbox_url, {"grant_type": "refresh_token",
                                     "refresh_token": token["refresh_token"]}).json()
    assert again["duplicated_template_id"] is None


def test_plain_allow_has_no_duplicated_template(connect):
    assert connect()["duplicated_template_id"] is None
