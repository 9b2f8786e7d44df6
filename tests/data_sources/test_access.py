"""Search is not an access check (issue 11 point 2, contract §5.5): a data source opens when
Notion answers GET for it, right after a connect the listing is only kept a few seconds, and a
database opens by its pasted Notion link (also one inside a shared page)."""

from __future__ import annotations

import time

from helpers import calls, conn_id, connect, ds_ids, key, page_form
from markupsafe import escape

VIEW = "abcdef0123456789abcdef0123456789"


def _list(client, app):
    return client.get(f"/connections/{conn_id(app)}/databases")


def _open(client, app, link):
    return client.get(f"/connections/{conn_id(app)}/databases/open", query_string={"link": link})


def _ds_link(app, ds_id):
    return f"/connections/{conn_id(app)}/data-sources/{ds_id}"


def test_right_after_connect_the_list_says_indexing_and_is_not_kept(app, user_client, sandbox):
    app.config.update(NOTION_INDEXING_TTL=0.2)
    sandbox.settings(search_index_delay=0.6)
    connect(user_client, sandbox, pages=["projects"])
    projects = ds_ids(sandbox)["projects"]
    sandbox.clear_requests()
    html = _list(user_client, app).get_data(as_text=True)
    assert "Notion is still indexing — this fills in within a minute" in html
    assert "indexing.js" in html and 'data-refresh-seconds="1"' in html
    assert _ds_link(app, projects) not in html  # search does not list it yet
    assert calls(sandbox, "/v1/search") == 1
    # ... but it is shared: it opens (GET is the access check), and search is never asked
    sandbox.clear_requests()
    assert user_client.get(_ds_link(app, projects)).status_code == 200
    assert [r["path"] for r in sandbox.requests()] == [
        f"/v1/data_sources/{projects}", f"/v1/data_sources/{projects}/query",
        f"/v1/data_sources/{projects}/templates",
    ]
    time.sleep(0.7)  # Notion has indexed it; the young list was kept 0.2 s only
    html = _list(user_client, app).get_data(as_text=True)
    assert _ds_link(app, projects) in html


def test_after_the_first_minute_the_list_is_kept_five_minutes(app, user_client, sandbox):
    app.config.update(NOTION_INDEXING_TTL=0.2, NOTION_INDEXING_SECONDS=0.3)
    connect(user_client, sandbox, pages=["projects"])
    _list(user_client, app)  # fetched while indexing: kept 0.2 s
    time.sleep(0.4)
    sandbox.clear_requests()
    html = _list(user_client, app).get_data(as_text=True)
    assert "still indexing" not in html and "indexing.js" not in html
    assert calls(sandbox, "/v1/search") == 1
    time.sleep(0.3)
    _list(user_client, app)
    assert calls(sandbox, "/v1/search") == 1  # now cached for CACHE_SECONDS


def test_a_database_inside_a_shared_page_opens_by_its_link(app, user_client, sandbox):
    nested = sandbox.add_database("meeting_notes", "Action items")
    sandbox.settings(search_index_delay=300)  # search has not caught up
    connect(user_client, sandbox, pages=["meeting_notes"])
    html = _list(user_client, app).get_data(as_text=True)
    assert "Action items" not in html
    compact = nested["database_id"].replace("-", "")
    sandbox.clear_requests()
    resp = _open(user_client, app, f"https://www.notion.so/acme/Action-items-{compact}?v={VIEW}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == _ds_link(app, nested["data_source_id"])
    assert [r["path"] for r in sandbox.requests()] == [f"/v1/databases/{nested['database_id']}"]
    url = resp.headers["Location"]
    page = user_client.get(url)
    assert page.status_code == 200 and "Action items" in page.get_data(as_text=True)
    sandbox.clear_requests()
    data = page_form(user_client, url) | {key("Name"): "Call the venue"}
    assert user_client.post(url, data=data).status_code == 302
    assert calls(sandbox, "/v1/pages", "POST") == 1
    assert sandbox.pages()[-1]["page"]["parent"]["data_source_id"] == nested["data_source_id"]


def test_link_shapes_all_lead_to_the_data_source(app, user_client, sandbox):
    connect(user_client, sandbox)
    seed = sandbox.seed()
    tasks_db = seed["databases"]["tasks"]["id"]
    tasks_ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    compact = tasks_db.replace("-", "")
    for link in (
        f"https://www.notion.so/acme/Tasks-{compact}?v={VIEW}&pvs=4",
        f"  https://acme.notion.site/{tasks_db}  ",
        f"notion.so/{compact}",
        f"https://app.notion.com/p/{compact}#section",
        compact.upper(),
        f"collection://{tasks_ds}",
    ):
        resp = _open(user_client, app, link)
        assert resp.status_code == 302, link
        assert resp.headers["Location"] == _ds_link(app, tasks_ds), link


def test_a_database_with_two_data_sources_asks_which(app, user_client, sandbox):
    connect(user_client, sandbox)
    inventory = sandbox.seed()["databases"]["inventory"]
    resp = _open(user_client, app, f"https://www.notion.so/{inventory['id'].replace('-', '')}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "2 data sources: choose one" in html
    for ds in inventory["data_sources"].values():
        assert _ds_link(app, ds) in html


def test_bad_or_unshared_links_are_a_clear_4xx_at_the_field(app, user_client, sandbox):
    connect(user_client, sandbox, pages=["projects"])
    _list(user_client, app)
    sandbox.clear_requests()
    for link, status, message in (
        ("", 400, "Paste a link."),
        ("https://example.com/Tasks-0123456789abcdef0123456789abcdef", 400, "not a Notion"),
        ("https://www.notion.so/acme/Just-a-title", 400, "not a Notion"),
        ("<script>alert(1)</script>", 400, "not a Notion"),
    ):
        resp = _open(user_client, app, link)
        html = resp.get_data(as_text=True)
        assert resp.status_code == status, link
        assert 'id="link-error"' in html and message in html and 'aria-invalid="true"' in html
        assert f'value="{escape(link)}"' in html and "<script>alert" not in html
    assert calls(sandbox) == 0
    tasks_db = sandbox.seed()["databases"]["tasks"]["id"]
    typed = f"https://www.notion.so/Tasks-{tasks_db.replace('-', '')}"
    resp = _open(user_client, app, typed)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "••• → Connections" in html
    assert f'value="{typed}"' in html  # what was typed is kept
    assert [r["path"].split("/")[2] for r in sandbox.requests()] == ["databases", "data_sources"]
