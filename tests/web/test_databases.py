"""Data sources of a connection, one data source's page and its row form, against the sandbox."""

from __future__ import annotations

import re
from html import unescape

import pytest
from helpers import connect, csrf_from, post_form
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission
from notion_app.notion.properties import field_key


def conn_id(app) -> int:
    with app.app_context():
        return db.session.scalars(select(NotionConnection.id)).all()[-1]


def ds_url(app, sandbox, key: str) -> str:
    ds_id = ds_ids(sandbox)[key]
    return f"/connections/{conn_id(app)}/data-sources/{ds_id}"


def ds_ids(sandbox) -> dict[str, str]:
    dbs = sandbox.seed()["databases"].values()
    return {key: ds_id for d in dbs for key, ds_id in d["data_sources"].items()}


def calls(sandbox, path="/v1/", method=None) -> int:
    return len(sandbox.requests(path=path, method=method))


def test_list_groups_data_sources_by_database(app, user_client, sandbox):
    connect(user_client, sandbox)
    resp = user_client.get(f"/connections/{conn_id(app)}/databases")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for title in ("Tasks", "Projects", "Inventory", "Warehouse A", "Warehouse B", "Odd names"):
        assert title in html
    assert html.count("data source of Inventory") == 2
    assert "Open in Notion" in html and "Refresh" in html


def test_empty_state_explains_sharing(app, user_client, sandbox):
    connect(user_client, sandbox, pages=[])
    html = user_client.get(f"/connections/{conn_id(app)}/databases").get_data(as_text=True)
    assert "No databases shared with this app yet" in html
    assert "Connections" in html and "page picker again" in html


def test_search_filters_the_cached_list_locally(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = f"/connections/{conn_id(app)}/databases"
    user_client.get(url)
    sandbox.clear_requests()
    html = user_client.get(url + "?q=warehouse b").get_data(as_text=True)
    assert "Warehouse B" in html and "Warehouse A" not in html and "Tasks" not in html
    assert calls(sandbox) == 0


def test_listing_105_data_sources_costs_2_searches_then_0(app, user_client, sandbox):
    connect(user_client, sandbox, workspace="globex", user="hedy")
    sandbox.clear_requests()
    url = f"/connections/{conn_id(app)}/databases"
    html = user_client.get(url).get_data(as_text=True)
    assert "Ledger 001" in html and "Ledger 105" in html
    assert calls(sandbox, "/v1/search") == 2 and calls(sandbox) == 2
    user_client.get(url)
    assert calls(sandbox) == 2  # cached in the database


def test_refresh_drops_the_cache(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = f"/connections/{conn_id(app)}/databases"
    user_client.get(url)
    sandbox.clear_requests()
    resp = post_form(user_client, url, f"/connections/{conn_id(app)}/databases/refresh")
    assert resp.status_code == 302
    user_client.get(url)
    assert calls(sandbox, "/v1/search") == 1
    assert user_client.post(f"/connections/{conn_id(app)}/databases/refresh").status_code == 400


def test_opening_the_form_costs_2_calls_then_1(app, user_client, sandbox):
    connect(user_client, sandbox)
    user_client.get(f"/connections/{conn_id(app)}/databases")
    sandbox.clear_requests()
    url = ds_url(app, sandbox, "projects")
    assert user_client.get(url).status_code == 200
    assert calls(sandbox) == 2
    sandbox.clear_requests()
    assert user_client.get(url).status_code == 200
    assert [r["path"].rsplit("/", 1)[-1] for r in sandbox.requests()] == ["query"]


def test_unshared_or_bogus_data_source_is_404_without_a_call(app, user_client, sandbox):
    connect(user_client, sandbox, pages=["projects"])
    user_client.get(f"/connections/{conn_id(app)}/databases")
    sandbox.clear_requests()
    assert user_client.get(ds_url(app, sandbox, "tasks")).status_code == 404
    for bad in ("x", "../../v1/users", "0" * 32):
        assert user_client.get(f"/connections/{conn_id(app)}/data-sources/{bad}").status_code == 404
    assert calls(sandbox) == 0
