"""The row form, the CSV preview and the rows list against Notion's real behaviours (issue 11):
rows over 500 KB are caught at the field before any Notion call, relations to databases that are
not shared are absent (the form still works), wiki data sources list pages only."""

from __future__ import annotations

import re
from html import unescape

from helpers import (
    calls,
    conn_id,
    connect,
    ds_ids,
    ds_url,
    key,
    page_form,
    start_import,
    titles_in_notion,
)
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.models import RowSubmission

CYRILLIC = "Привет" * 30_000  # 180,000 characters: 1.08 MB as \\u escapes, 360 KB as UTF-8
CJK = "漢字" * 50_000  # 100,000 characters: 300 KB of UTF-8


def test_a_long_non_ascii_row_is_sent_as_utf8_under_500_kb(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): "Отчёт", key("Notes"): CYRILLIC}
    sandbox.clear_requests()
    resp = user_client.post(url, data=data)
    assert resp.status_code == 302
    [post] = sandbox.requests(path="/v1/pages", method="POST")
    assert post["status"] == 200
    assert titles_in_notion(sandbox) == {"Отчёт": 1}


def test_a_row_over_500_kb_is_refused_at_the_field_before_any_call(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): CJK, key("Notes"): CJK + "x" * 10}
    sandbox.clear_requests()
    resp = user_client.post(url, data=data)
    html = unescape(resp.get_data(as_text=True))
    assert resp.status_code == 400
    assert calls(sandbox) == 0  # nothing sent, not even a read
    # the larger field is named, with the number of bytes to cut
    notes_error = re.search(rf'id="{key("Notes")}-error"[^>]*>([^<]+)<', html).group(1)
    assert "Notion takes at most 500,000" in notes_error
    over = int(re.search(r"shorten it by at least ([\d,]+) bytes", notes_error).group(1)
               .replace(",", ""))
    assert 100_000 < over < 110_000
    assert f'id="{key("Name")}-error"' not in html  # Notes alone can bring it under the limit
    assert CJK + "x" * 10 + "</textarea>" in html and CJK in html  # nothing typed is lost
    with app.app_context():
        assert db.session.scalars(select(RowSubmission)).all() == []


def test_the_csv_preview_flags_rows_over_500_kb(user_client, app, sandbox):
    connect(user_client, sandbox)
    # 250 KB of CSV (under what the test client spools to a temporary file), over 500 KB as
    # JSON: a backslash is one byte in the file and two in the request.
    slashes = "\\" * 125_000
    csv_text = f"Name,Notes\nSmall,fine\n{slashes},{slashes}x\n"
    assert len(csv_text.encode()) < 500_000
    preview = start_import(user_client, app, sandbox, csv_text.encode())
    html = unescape(user_client.get(preview).get_data(as_text=True))
    assert '<strong data-count="valid">1</strong>' in html
    assert '<strong data-count="invalid">1</strong>' in html
    assert re.search(
        r'<td data-label="Row">2</td>'
        r'<td data-label="Error">Notes: Too long for one Notion request',
        html,
    )


def test_a_relation_to_an_unshared_database_is_absent_and_the_form_works(
    app, user_client, sandbox
):
    connect(user_client, sandbox, pages=["tasks"])
    user_client.get(f"/connections/{conn_id(app)}/databases")
    url = ds_url(app, sandbox, "tasks")
    html = user_client.get(url).get_data(as_text=True)
    assert key("Project") not in html and "Project count" not in html
    resp = user_client.post(url, data=page_form(user_client, url) | {key("Name"): "No project"})
    assert resp.status_code == 302
    assert titles_in_notion(sandbox) == {"No project": 1}


def test_a_wiki_lists_its_pages_not_the_data_sources_inside_it(app, user_client, sandbox):
    connect(user_client, sandbox)
    user_client.get(f"/connections/{conn_id(app)}/databases")
    sandbox.clear_requests()
    html = user_client.get(ds_url(app, sandbox, "handbook")).get_data(as_text=True)
    assert "Onboarding" in html and "Expenses" in html
    assert "Glossary" not in html
    [query] = sandbox.requests(path=f"/v1/data_sources/{ds_ids(sandbox)['handbook']}/query")
    assert query["body"]["result_type"] == "page"
