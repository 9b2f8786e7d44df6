"""T35 — reconciling an uncertain create against the sandbox: the app's own page is adopted,
a page anyone else made (or the app made for another row) never is, and then the row is sent
again, exactly once."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from helpers import connect
from rows import TASKS_SCHEMA, make_all_due, send
from sqlalchemy import select

from notion_app import outbox
from notion_app.connections import authorizations
from notion_app.connections.tokens import with_client
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission, User
from notion_app.notion.ids import compact_id
from notion_app.outbox import delivery


def props(title: str | None = None, **values) -> dict:
    """Notion property values as the row form sends them (title, then any others)."""
    out = {}
    if title is not None:
        out["Name"] = {"title": [{"type": "text", "text": {"content": title}}]}
    out.update(values)
    return out


def status(name: str) -> dict:
    return {"status": {"name": name}}


def submit(app, conn_ids, properties: dict) -> int:
    user_id, conn_id, ds = conn_ids
    with app.app_context():
        row, _ = outbox.submit(
            db.session.get(User, user_id), db.session.get(NotionConnection, conn_id),
            {"id": ds, "title": "Tasks"}, TASKS_SCHEMA,
            outbox.NewRow(properties, uuid.uuid4().hex),
        )
        return row.id


def uncertain(app, sandbox, conn_ids, properties: dict, *, created: bool) -> int:
    """A row whose create ended in a 5xx: made in Notion first (`created`) or not at all."""
    if created:
        sandbox.ambiguous(count=1, mode="status", status=502)
    else:
        sandbox.fail_next(503, count=1, path="/v1/pages", method="POST")
    row = send(app, submit(app, conn_ids, properties))
    assert row.state == "unknown" and row.attempt_bot_ids and row.first_attempt_at
    return row.id


def rows_in_notion(app, sandbox, conn_ids) -> list[dict]:
    """Every row of Tasks but the seed's, as the bot reads them (whoever made them)."""
    _, conn_id, ds = conn_ids
    seeded = {compact_id(p) for p in sandbox.seed()["pages"].values()}
    with app.app_context():
        conn = db.session.get(NotionConnection, conn_id)
        pages = with_client(conn, lambda c: c.query_data_source(ds, page_size=100))["results"]
    return [p for p in pages if compact_id(p["id"]) not in seeded]


def author(page: dict) -> str:
    return compact_id(page["created_by"]["id"])


def title(page: dict) -> str:
    return "".join(t["plain_text"] for t in page["properties"]["Name"]["title"])


def bot_id(app, conn_ids) -> str:
    with app.app_context():
        return compact_id(db.session.get(NotionConnection, conn_ids[1]).bot_id)


def api_creates(sandbox) -> int:
    return len(sandbox.requests(path="/v1/pages", method="POST"))


def test_a_page_someone_else_made_with_the_same_title_is_not_adopted(app, conn_ids, sandbox):
    """T35: no page was made; Grace then adds one with the same title (and the same values):
    the row is sent again, and her page is left as it was."""
    values = props("Quarterly report", Status=status("Done"))
    row_id = uncertain(app, sandbox, conn_ids, values, created=False)
    foreign = sandbox.create_page_as(conn_ids[2], values, author="grace")
    make_all_due(app)
    row = send(app, row_id)
    assert row.state == "sent"
    assert compact_id(row.notion_page_id) != compact_id(foreign["id"])
    pages = rows_in_notion(app, sandbox, conn_ids)
    grace = compact_id(sandbox.seed()["users"]["grace"]["id"])
    assert Counter(author(p) for p in pages) == {bot_id(app, conn_ids): 1, grace: 1}
    [ours] = [p for p in pages if author(p) == bot_id(app, conn_ids)]
    assert compact_id(ours["id"]) == compact_id(row.notion_page_id)
    assert title(ours) == "Quarterly report"
    assert ours["properties"]["Status"]["status"]["name"] == "Done"
    [theirs] = [p for p in pages if p["id"] == foreign["id"]]
    foreign.pop("request_id")
    assert theirs == foreign  # untouched
    assert api_creates(sandbox) == 2  # the failed attempt and the one that made the page


def test_an_untitled_row_does_not_match_an_untitled_page_made_by_someone_else(
    app, conn_ids, sandbox
):
    values = props(Status=status("In progress"))
    row_id = uncertain(app, sandbox, conn_ids, values, created=False)
    foreign = sandbox.create_page_as(conn_ids[2], values, author="linus")
    make_all_due(app)
    row = send(app, row_id)
    assert row.state == "sent" and compact_id(row.notion_page_id) != compact_id(foreign["id"])
    pages = rows_in_notion(app, sandbox, conn_ids)
    assert len(pages) == 2 and all(title(p) == "" for p in pages)
    assert Counter(author(p) for p in pages)[bot_id(app, conn_ids)] == 1


def test_a_page_the_bot_made_with_other_values_is_not_adopted(app, conn_ids, sandbox):
    """The bot made a page with the same title but another Status (not recorded for any row
    here): it is not this row's, so the row is sent again."""
    _, conn_id, ds = conn_ids
    with app.app_context():
        conn = db.session.get(NotionConnection, conn_id)
        other = with_client(conn, lambda c: c.create_page(
            ds, props("Same title", Status=status("In progress"))))
    row_id = uncertain(app, sandbox, conn_ids, props("Same title", Status=status("Done")),
                       created=False)
    make_all_due(app)
    row = send(app, row_id)
    assert row.state == "sent" and compact_id(row.notion_page_id) != compact_id(other["id"])
    statuses = sorted(p["properties"]["Status"]["status"]["name"]
                      for p in rows_in_notion(app, sandbox, conn_ids))
    assert statuses == ["Done", "In progress"]


@pytest.mark.parametrize("differs", [
    {"Status": status("In progress")},
    {"Due": {"date": {"start": "2026-07-01T15:00:00+02:00"}}},  # same day, another time
])
def test_two_uncertain_rows_with_the_same_title_each_get_their_own_page(
    app, conn_ids, sandbox, differs
):
    """Row A's create made its page then failed; row B's failed before making one. B is
    reconciled first: it must not take A's page (then A would be sent twice and B lost)."""
    a_values = props("Standup", Status=status("Done"),
                     Due={"date": {"start": "2026-07-01T10:00:00+02:00"}})
    b_values = {**a_values, **differs}
    a = uncertain(app, sandbox, conn_ids, a_values, created=True)
    b = uncertain(app, sandbox, conn_ids, b_values, created=False)
    make_all_due(app)
    row_b, row_a = send(app, b), send(app, a)
    assert row_a.state == row_b.state == "sent"
    assert compact_id(row_a.notion_page_id) != compact_id(row_b.notion_page_id)
    pages = {compact_id(p["id"]): p for p in rows_in_notion(app, sandbox, conn_ids)}
    assert len(pages) == 2  # A's first page adopted, B's sent once
    for row, values in ((row_a, a_values), (row_b, b_values)):
        page = pages[compact_id(row.notion_page_id)]
        name = next(iter(differs))
        value, echoed = values[name], page["properties"][name]
        if name == "Status":
            assert echoed["status"]["name"] == value["status"]["name"]
        else:
            assert echoed["date"]["start"].startswith(value["date"]["start"][:19])


def every_writable_type(sandbox) -> dict:
    seed = sandbox.seed()
    people, pages = seed["users"], seed["pages"]
    return props(
        "Everything",
        Notes={"rich_text": [{"text": {"content": "first, "}},
                             {"text": {"content": "second", "link": {"url": "https://a.example"}}}]},
        Estimate={"number": 3}, Progress={"number": 0.25},
        Priority={"select": {"name": "High"}}, Status=status("In progress"),
        Tags={"multi_select": [{"name": "Docs"}, {"name": "Bug"}]},
        Due={"date": {"start": "2026-07-01T00:30:00", "time_zone": "Europe/Paris"}},
        Done={"checkbox": True}, Link={"url": "https://example.com/x"},
        Contact={"email": "ada@acme.example"}, Phone={"phone_number": "+1 555 0100"},
        Assignee={"people": [{"id": people["grace"]["id"].replace("-", "")},
                             {"object": "user", "id": people["ada"]["id"]}]},
        Project={"relation": [{"id": pages["project_apollo"].replace("-", "")},
                              {"id": pages["project_gemini"]}]},
        Attachments={"files": [{"name": "spec.pdf",
                                "external": {"url": "https://files.example/spec.pdf"}}]},
    )


def test_the_bots_own_page_is_adopted_not_sent_again(app, conn_ids, sandbox):
    """The page WAS made (then a 502): found among the bot's pages with every writable type
    as Notion echoes it, and adopted: 0 duplicates."""
    row_id = uncertain(app, sandbox, conn_ids, every_writable_type(sandbox), created=True)
    [made] = sandbox.pages()
    make_all_due(app)
    row = send(app, row_id)
    assert row.state == "sent" and compact_id(row.notion_page_id) == compact_id(made["id"])
    assert api_creates(sandbox) == 1
    assert len(rows_in_notion(app, sandbox, conn_ids)) == 1


def test_a_page_made_by_an_earlier_bot_of_the_row_is_adopted_after_a_reconnect(
    app, user_client, conn_ids, sandbox
):
    """The create went out with the old bot; the workspace was disconnected and reconnected
    by another Notion member (a new bot_id). The page is the old bot's: still adopted."""
    row_id = uncertain(app, sandbox, conn_ids, props("Sent by the old bot"), created=True)
    old_bot = bot_id(app, conn_ids)
    with app.app_context():
        authorizations.disconnect(db.session.get(NotionConnection, conn_ids[1]))
    connect(user_client, sandbox, user="grace")
    with app.app_context():
        [conn] = db.session.scalars(select(NotionConnection)).all()
        assert conn.id == conn_ids[1] and conn.state == "active"
    assert bot_id(app, conn_ids) != old_bot
    make_all_due(app)
    row = send(app, row_id)
    assert row.state == "sent"
    assert [compact_id(b) for b in row.attempt_bot_ids] == [old_bot]  # adopted, not resent
    [page] = rows_in_notion(app, sandbox, conn_ids)
    assert author(page) == old_bot and compact_id(page["id"]) == compact_id(row.notion_page_id)
    assert api_creates(sandbox) == 1


def test_a_row_without_a_recorded_attempt_is_sent_not_matched(app, conn_ids, sandbox):
    """Unknown, but no create was ever recorded for it (its lease ran out before
    begin_attempt): the bot's page with the same values belongs to nobody known, and the row
    is sent rather than matched."""
    row_id = submit(app, conn_ids, props("Never attempted"))
    with app.app_context():
        row = db.session.get(RowSubmission, row_id)
        row.state = "unknown"
        db.session.commit()
        conn = db.session.get(NotionConnection, conn_ids[1])
        with_client(conn, lambda c: c.create_page(conn_ids[2], props("Never attempted")))
    sandbox.clear_requests()
    row = send(app, row_id)
    assert row.state == "sent"
    assert sandbox.requests(path="/v1/data_sources/", method="POST") == []  # no lookup
    assert len(rows_in_notion(app, sandbox, conn_ids)) == 2
    with app.app_context():
        assert delivery.sweep() == 0
