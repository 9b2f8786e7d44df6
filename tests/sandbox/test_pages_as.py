"""POST /_sandbox/pages: a row made in Notion by a person of the workspace, not by the bot."""

import pytest
import requests


def test_a_person_creates_a_row_the_api_sees_but_did_not_create(api, control, seed):
    tasks = seed["databases"]["tasks"]["data_sources"]["tasks"]
    grace = seed["users"]["grace"]["id"]
    control.clear_requests()
    page = control.create_page_as(tasks, {
        "Name": {"title": [{"text": {"content": "Made by hand"}}]},
        "Status": {"status": {"name": "Done"}},
        "Assignee": {"people": [{"id": seed["users"]["ada"]["id"]}]},
        "Project": {"relation": [{"id": seed["pages"]["project_apollo"]}]},
    }, author="grace")
    assert page["created_by"]["id"] == grace and page["last_edited_by"]["id"] == grace
    assert page["properties"]["Created by"]["created_by"]["name"] == "Grace Hopper"
    assert page["properties"]["Status"]["status"]["name"] == "Done"
    assert control.pages() == []  # not one of the pages created through the API
    assert control.requests(path="/v1/") == []  # nor a request to the API
    # The bot sees it like any row of the data source.
    found = api.get(f"/v1/pages/{page['id']}").json()
    assert found["created_by"]["id"] == grace
    assert found["properties"]["Name"]["title"][0]["plain_text"] == "Made by hand"
    rows = api.post(f"/v1/data_sources/{tasks}/query", {
        "filter": {"property": "Name", "title": {"equals": "Made by hand"}}}).json()["results"]
    assert [r["id"] for r in rows] == [page["id"]]


def test_author_may_be_a_person_id_and_the_row_may_be_untitled(control, seed):
    tasks = seed["databases"]["tasks"]["data_sources"]["tasks"]
    page = control.create_page_as(tasks, {}, author=seed["users"]["linus"]["id"])
    assert page["created_by"]["id"] == seed["users"]["linus"]["id"]
    assert page["properties"]["Name"]["title"] == []


def test_values_are_validated_like_the_api_create(control, seed):
    tasks = seed["databases"]["tasks"]["data_sources"]["tasks"]
    with pytest.raises(requests.HTTPError) as err:
        control.create_page_as(tasks, {"Status": {"status": {"name": "No such status"}}})
    body = err.value.response.json()
    assert err.value.response.status_code == 400 and body["code"] == "validation_error"
    assert '"No such status" is an invalid select option for property Status.' in body["message"]
    with pytest.raises(requests.HTTPError) as err:
        control.create_page_as(tasks, {"Task ID": {"unique_id": {"number": 1}}})
    assert "read-only" in err.value.response.json()["message"]


@pytest.mark.parametrize("author", ["hedy", "nobody"])
def test_author_must_be_a_person_of_that_workspace(control, seed, author):
    tasks = seed["databases"]["tasks"]["data_sources"]["tasks"]
    with pytest.raises(requests.HTTPError) as err:
        control.create_page_as(tasks, {}, author=author)
    assert err.value.response.status_code == 400
    assert "author" in err.value.response.json()["error"]
