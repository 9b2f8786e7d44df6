"""Imports that update rows (issue 17), end to end against the sandbox over real HTTP: the mode
and key at the mapping, the preview's counts, updates landed and new rows added once, ambiguous
and unchanged rows not written, a row made in Notion between preview and send updated (not
added), update only, multi-select options added or replaced, an uncertain PATCH checked and
resolved once, and Notion's query index lag survived without duplicates."""

from __future__ import annotations

import re

from helpers import (
    calls,
    choose_mode,
    connect,
    csrf_from,
    ds_ids,
    import_id,
    send_import,
    start_import,
)
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.imports.models import ImportMode
from notion_app.models import Import, RowState, RowSubmission
from notion_app.outbox import delivery


def sweep_all(app) -> None:
    with app.app_context():
        while delivery.sweep():
            pass


def title(text: str) -> dict:
    return {"title": [{"text": {"content": text}}]}


def in_notion(sandbox, key: str, **props) -> dict:
    """A row a person made in Notion (not the app)."""
    tasks = ds_ids(sandbox)["tasks"]
    return sandbox.create_page_as(tasks, {"Name": title(key), **props})


def summary(html: str) -> str | None:
    match = re.search(r"<p class=\"upsert-summary\" data-summary>([^<]*)</p>", html)
    return match.group(1) if match else None


def notion_titles(sandbox) -> list[str]:
    """Every row of the tasks data source in Notion now, by title."""
    return ["".join(t["plain_text"] for t in page["properties"]["Name"]["title"])
            for page in sandbox.rows(ds_ids(sandbox)["tasks"]) if not page.get("in_trash")]


def value(sandbox, page_id: str, prop: str):
    found = sandbox.page(page_id)["properties"][prop]
    inner = found[found["type"]]
    if found["type"] == "multi_select":
        return [o["name"] for o in inner]
    return inner


def results_of(client, preview) -> str:
    return client.get(f"/imports/{import_id(preview)}").get_data(as_text=True)


def test_upsert_updates_matches_adds_the_rest_and_skips_ambiguous_and_unchanged(
    user_client, app, sandbox
):
    connect(user_client, sandbox)
    changed = in_notion(sandbox, "Key 1", Estimate={"number": 1})
    same = in_notion(sandbox, "Key 2", Estimate={"number": 2})
    twins = [in_notion(sandbox, "Key 3"), in_notion(sandbox, "Key 3")]
    data = "Name,Estimate\nKey 1,10\nKey 2,2\nKey 3,30\nNew 1,4\nNew 2,5\n"
    preview = start_import(user_client, app, sandbox, data.encode())
    assert choose_mode(user_client, app, preview).status_code == 302
    sandbox.clear_requests()
    html = user_client.get(preview).get_data(as_text=True)
    assert summary(html) == "2 new · 1 update · 1 ambiguous · 1 unchanged"
    # one query for all five keys
    assert calls(sandbox, "/v1/data_sources/") == 1 and calls(sandbox, "/v1/pages") == 0
    assert "2 rows in Notion have this key" in html
    assert "Every mapped value is already in Notion." in html
    assert "Send 3 rows to Notion" in html

    send_import(user_client, preview)
    sweep_all(app)
    assert value(sandbox, changed["id"], "Estimate") == 10
    assert [value(sandbox, t["id"], "Estimate") for t in twins] == [None, None]
    assert value(sandbox, same["id"], "Estimate") == 2
    titles = notion_titles(sandbox)
    assert sorted(t for t in titles if t.startswith("New")) == ["New 1", "New 2"]
    assert titles.count("Key 1") == titles.count("Key 2") == 1
    patches = sandbox.requests("/v1/pages/", method="PATCH")
    assert [p["path"].rsplit("/", 1)[-1].replace("-", "") for p in patches] == [
        changed["id"].replace("-", "")]

    page = results_of(user_client, preview)
    assert '<span class="badge badge-sent">Updated</span>' in page
    assert page.count('<span class="badge badge-sent">Added</span>') == 2
    assert '<span class="badge badge-ambiguous">Ambiguous</span>' in page
    assert '<span class="badge badge-unchanged">Unchanged</span>' in page
    # the counts say what happened in plain words, zero counts hidden
    assert '<span data-zero-hides> · updated <span data-count="updated">1</span></span>' in page
    assert '<span data-zero-hides hidden> · checking with Notion <span' in page
    status = user_client.get(f"/imports/{import_id(preview)}/status").get_json()
    assert (status["added"], status["updated"], status["not_written"], status["state"]) == (
        2, 1, 2, "done")
    history = user_client.get("/rows").get_data(as_text=True)
    assert history.count(">Updated</span>") == 1


def test_a_row_made_in_notion_after_the_preview_is_updated_not_added(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, b"Name,Estimate\nLate,7\n")
    choose_mode(user_client, app, preview)
    assert summary(user_client.get(preview).get_data(as_text=True)) == "1 new"
    late = in_notion(sandbox, "Late", Estimate={"number": 1})  # someone adds it meanwhile
    send_import(user_client, preview)
    sweep_all(app)
    assert notion_titles(sandbox).count("Late") == 1
    assert value(sandbox, late["id"], "Estimate") == 7
    with app.app_context():
        row = db.session.scalar(select(RowSubmission))
        assert row.target_page_id == late["id"] and row.state == RowState.SENT


def test_update_only_adds_nothing(user_client, app, sandbox):
    connect(user_client, sandbox)
    known = in_notion(sandbox, "Known", Estimate={"number": 1})
    preview = start_import(user_client, app, sandbox, b"Name,Estimate\nKnown,2\nStranger,3\n")
    choose_mode(user_client, app, preview, mode="update")
    html = user_client.get(preview).get_data(as_text=True)
    assert summary(html) == "1 update · 1 not found"
    sandbox.clear_requests()
    send_import(user_client, preview)
    sweep_all(app)
    assert calls(sandbox, "/v1/pages", method="POST") == 0
    assert "Stranger" not in notion_titles(sandbox)
    assert value(sandbox, known["id"], "Estimate") == 2
    page = results_of(user_client, preview)
    assert "No row in Notion has this key. Update only: nothing was added." in page
    assert '<span class="badge badge-missing">Not found</span>' in page


def test_update_only_needs_no_title_when_the_key_is_another_property(user_client, app, sandbox):
    connect(user_client, sandbox)
    page = in_notion(sandbox, "Has a mail", Contact={"email": "k@acme.example"})
    preview = start_import(user_client, app, sandbox, b"Mail,Estimate\nk@acme.example,9\n")
    resp = choose_mode(user_client, app, preview, mode="update", key_column="Mail",
                       key_property="Contact")
    assert resp.status_code == 302
    html = user_client.get(preview).get_data(as_text=True)
    assert summary(html) == "1 update"
    with app.app_context():  # the key column went to its property
        assert db.session.get(Import, import_id(preview)).mapping["Mail"] == "Contact"
    send_import(user_client, preview)
    sweep_all(app)
    assert value(sandbox, page["id"], "Estimate") == 9


def test_multi_select_options_are_added_or_replaced(user_client, app, sandbox):
    connect(user_client, sandbox)
    added = in_notion(sandbox, "Tagged A", Tags={"multi_select": [{"name": "Bug"}]})
    replaced = in_notion(sandbox, "Tagged B", Tags={"multi_select": [{"name": "Bug"}]})
    for key, how in (("Tagged A", "add"), ("Tagged B", "replace")):
        preview = start_import(user_client, app, sandbox, f"Name,Tags\n{key},Docs\n".encode())
        choose_mode(user_client, app, preview, **{"multi-0": how})
        html = user_client.get(preview).get_data(as_text=True)
        assert re.search(rf'<option value="{how}" selected>', html)
        send_import(user_client, preview)
        sweep_all(app)
    assert value(sandbox, added["id"], "Tags") == ["Bug", "Docs"]
    assert value(sandbox, replaced["id"], "Tags") == ["Docs"]


def test_a_row_whose_options_are_all_there_already_is_unchanged_when_adding(
    user_client, app, sandbox
):
    connect(user_client, sandbox)
    in_notion(sandbox, "Full", Tags={"multi_select": [{"name": "Bug"}, {"name": "Docs"}]})
    preview = start_import(user_client, app, sandbox, b"Name,Tags\nFull,Docs\n")
    choose_mode(user_client, app, preview, **{"multi-0": "add"})
    assert summary(user_client.get(preview).get_data(as_text=True)) == "1 unchanged"


def test_a_5xx_before_the_patch_is_checked_then_sent_once(user_client, app, sandbox):
    connect(user_client, sandbox)
    page = in_notion(sandbox, "Flaky", Estimate={"number": 1})
    preview = start_import(user_client, app, sandbox, b"Name,Estimate\nFlaky,5\n")
    choose_mode(user_client, app, preview)
    sandbox.fail_next(status=502, path="/v1/pages/", method="PATCH")
    send_import(user_client, preview)
    sandbox.clear_requests()
    sweep_all(app)
    with app.app_context():
        row = db.session.scalar(select(RowSubmission))
        assert row.state == RowState.UNKNOWN  # not repeated blindly
        row.next_attempt_at = row.created_at  # due now
        db.session.commit()
    sweep_all(app)
    assert calls(sandbox, f"/v1/pages/{page['id']}", method="GET") == 1  # checked first
    assert len(sandbox.requests("/v1/pages/", method="PATCH")) == 2  # the failed one, then one
    assert value(sandbox, page["id"], "Estimate") == 5
    with app.app_context():
        assert db.session.scalar(select(RowSubmission)).state == RowState.SENT


def test_a_5xx_after_the_patch_landed_is_checked_and_not_sent_again(user_client, app, sandbox):
    connect(user_client, sandbox)
    page = in_notion(sandbox, "Landed", Estimate={"number": 1})
    preview = start_import(user_client, app, sandbox, b"Name,Estimate\nLanded,6\n")
    choose_mode(user_client, app, preview)
    sandbox.ambiguous(method="PATCH", status=502)
    send_import(user_client, preview)
    sweep_all(app)
    with app.app_context():
        row = db.session.scalar(select(RowSubmission))
        assert row.state == RowState.UNKNOWN
        row.next_attempt_at = row.created_at
        db.session.commit()
    sandbox.clear_requests()
    sweep_all(app)
    assert calls(sandbox, "/v1/pages/", method="PATCH") == 0  # the GET showed it landed
    assert calls(sandbox, f"/v1/pages/{page['id']}", method="GET") == 1
    with app.app_context():
        row = db.session.scalar(select(RowSubmission))
        assert row.state == RowState.SENT and row.notion_page_id == page["id"]
    assert value(sandbox, page["id"], "Estimate") == 6


def test_rows_of_the_file_with_the_same_key_are_ambiguous(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, b"Name,Estimate\nTwice,1\nTwice,2\nOnce,3\n")
    choose_mode(user_client, app, preview)
    html = user_client.get(preview).get_data(as_text=True)
    assert summary(html) == "1 new · 2 ambiguous"
    assert "Rows 2 of this file have the same key." in html


def test_a_reimport_during_the_query_index_lag_updates_the_pages_it_just_made(
    user_client, app, sandbox
):
    """Notion's query does not list a page made a moment ago; the outbox knows its own."""
    connect(user_client, sandbox)
    sandbox.settings(query_index_delay=600)
    first = start_import(user_client, app, sandbox, b"Name,Estimate\nFresh 1,1\nFresh 2,2\n")
    choose_mode(user_client, app, first)
    send_import(user_client, first)
    sweep_all(app)
    again = start_import(user_client, app, sandbox, b"Name,Estimate\nFresh 1,10\nFresh 2,2\n")
    choose_mode(user_client, app, again)
    assert summary(user_client.get(again).get_data(as_text=True)) == "1 update · 1 unchanged"
    send_import(user_client, again)
    sweep_all(app)
    titles = notion_titles(sandbox)
    assert titles.count("Fresh 1") == titles.count("Fresh 2") == 1
    with app.app_context():
        updated = db.session.scalar(select(RowSubmission).where(
            RowSubmission.target_page_id.is_not(None)))
        assert value(sandbox, updated.target_page_id, "Estimate") == 10


def test_a_key_still_on_its_way_makes_the_row_ambiguous(user_client, app, sandbox):
    connect(user_client, sandbox)
    first = start_import(user_client, app, sandbox, b"Name\nWaiting\n")
    send_import(user_client, first)  # not swept: the create waits in the outbox
    again = start_import(user_client, app, sandbox, b"Name,Estimate\nWaiting,3\n")
    choose_mode(user_client, app, again)
    html = user_client.get(again).get_data(as_text=True)
    assert summary(html) == "1 ambiguous"
    assert "still on its way to Notion" in html


def test_an_unusable_key_is_said_at_the_field_and_nothing_is_sent(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, b"Name,Estimate\nA,1\n")
    resp = choose_mode(user_client, app, preview, key_property="Priority")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="key_property-error"' in html and "Choose the Notion property" in html
    assert re.search(r'<input type="radio" name="mode" value="upsert" checked>', html)
    resp = choose_mode(user_client, app, preview, key_column="Estimate")
    assert resp.status_code == 400
    assert "This column goes to Estimate" in resp.get_data(as_text=True)
    sandbox.clear_requests()
    send_import(user_client, preview)
    assert calls(sandbox, "/v1/pages") == 0
    with app.app_context():
        assert db.session.get(Import, import_id(preview)).state == "draft"
        assert db.session.scalar(select(ImportMode)).mode == "upsert"


def test_a_unique_id_key_finds_rows_by_their_number(user_client, app, sandbox):
    connect(user_client, sandbox)
    page = in_notion(sandbox, "Numbered")
    number = sandbox.page(page["id"])["properties"]["Task ID"]["unique_id"]["number"]
    data = f"ID,Estimate\nTSK-{number},8\n999,1\nnot an id,2\n".encode()
    preview = start_import(user_client, app, sandbox, data)
    choose_mode(user_client, app, preview, mode="update", key_column="ID",
                key_property="Task ID")
    html = user_client.get(preview).get_data(as_text=True)
    assert summary(html) == "1 update · 1 not found"
    assert "is not an ID of this data source" in html
    send_import(user_client, preview)
    sweep_all(app)
    assert value(sandbox, page["id"], "Estimate") == 8


def test_many_keys_take_one_query_per_hundred(user_client, app, sandbox):
    connect(user_client, sandbox)
    for n in range(0, 250, 50):
        in_notion(sandbox, f"Bulk {n}")
    data = "Name,Estimate\n" + "".join(f"Bulk {n},{n}\n" for n in range(250))
    preview = start_import(user_client, app, sandbox, data.encode())
    choose_mode(user_client, app, preview)
    sandbox.clear_requests()
    html = user_client.get(preview).get_data(as_text=True)
    assert summary(html) == "245 new · 5 updates"
    assert calls(sandbox, "/v1/data_sources/") == 3


def test_the_app_decides_text_equality_itself_whatever_notions_case_rule(
    user_client, app, sandbox
):
    """How Notion compares text is not documented: its answer only narrows the candidates."""
    connect(user_client, sandbox)
    in_notion(sandbox, "Key 1")
    preview = start_import(user_client, app, sandbox, b"Name,Estimate\nKEY 1,1\n")
    choose_mode(user_client, app, preview)
    assert summary(user_client.get(preview).get_data(as_text=True)) == "1 new"
    sandbox.settings(text_filters_ignore_case=True)  # Notion lists "Key 1" for "KEY 1"
    assert summary(user_client.get(preview).get_data(as_text=True)) == "1 new"


def test_notion_trouble_during_the_lookups_is_said_and_nothing_is_sent(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, b"Name,Estimate\nA,1\n")
    choose_mode(user_client, app, preview)
    query = f"/v1/data_sources/{ds_ids(sandbox)['tasks']}/query"
    sandbox.fail_next(status=503, count=10, path=query)
    resp = user_client.get(preview)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "could not be looked up. Try again." in html
    assert re.search(r"<button type=\"submit\" disabled>Send", html)
    token = csrf_from(html)
    resp = user_client.post(preview + "/send", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == preview
    assert "nothing was sent" in user_client.get(preview).get_data(as_text=True)
    assert calls(sandbox, "/v1/pages", method="POST") == 0
    with app.app_context():
        assert db.session.get(Import, import_id(preview)).state == "draft"
        assert db.session.scalar(select(RowSubmission)) is None


def test_a_key_longer_than_a_filter_holds_is_looked_for_by_its_start(user_client, app, sandbox):
    connect(user_client, sandbox)
    long_key = "L" * 2500
    tasks = ds_ids(sandbox)["tasks"]
    page = sandbox.create_page_as(tasks, {"Name": {"title": [
        {"text": {"content": long_key[:2000]}}, {"text": {"content": long_key[2000:]}}]}})
    sandbox.create_page_as(tasks, {"Name": {"title": [  # the same start, another key
        {"text": {"content": long_key[:2000]}}, {"text": {"content": "other"}}]}})
    preview = start_import(user_client, app, sandbox,
                           f"Name,Estimate\n{long_key},4\n".encode())
    choose_mode(user_client, app, preview, mode="update")
    sandbox.clear_requests()
    assert summary(user_client.get(preview).get_data(as_text=True)) == "1 update"
    query = sandbox.requests("/v1/data_sources/")[0]["body"]
    assert query["filter"] == {"property": "Name", "title": {"starts_with": long_key[:2000]}}
    send_import(user_client, preview)
    sweep_all(app)
    assert value(sandbox, page["id"], "Estimate") == 4


def test_an_id_nobody_has_is_not_added_even_when_adding_the_rest(user_client, app, sandbox):
    """Notion numbers new rows itself: a row named by an ID Notion lacks cannot be added."""
    connect(user_client, sandbox)
    data = b"Name,ID\nNumbered,TSK-999\nUnnumbered,\n"
    preview = start_import(user_client, app, sandbox, data)
    choose_mode(user_client, app, preview, key_column="ID", key_property="Task ID")
    html = user_client.get(preview).get_data(as_text=True)
    assert summary(html) == "1 new · 1 not found"
    assert "Notion numbers a new row itself" in html
