"""The latest rows on a data source's page, as people read them (issue 12 point 3): the number
in its Notion format, times in the viewer's time zone (the account setting, else the browser's
`tz` cookie, else UTC), people by name, the first columns with the rest on demand."""

from __future__ import annotations

import re
from html import unescape
from zoneinfo import ZoneInfo

from helpers import connect, ds_url, key, page_form, post_form
from sqlalchemy import select

from notion_app.data_sources import catalog
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission, User
from notion_app.notion.properties.display import Viewer, moment_text

NNBSP = "\u202f"
# The seed's "Ship v1" was created at 2026-07-02 05:00 UTC (notion_app/sandbox/seed.py).
SHIP_V1_UTC = f"Jul 2, 2026, 5:00{NNBSP}AM UTC"
SHIP_V1_PARIS = f"Jul 2, 2026, 7:00{NNBSP}AM CEST"
SHIP_V1_NEW_YORK = f"Jul 2, 2026, 1:00{NNBSP}AM EDT"


def latest(client, url: str, **query) -> str:
    resp = client.get(url, query_string=query or None)
    assert resp.status_code == 200
    html = unescape(resp.get_data(as_text=True))
    section = html.split('id="latest"', 1)[1].split('<details class="details"', 1)[0]
    # Each cell names its column for the phone's stacked cards; the tests read the values.
    return re.sub(r' data-label="[^"]*"', "", section)


def headers(section: str) -> list[str]:
    return re.findall(r'<th scope="col">([^<]*)</th>', section)


def choose_zone(client, zone: str):
    return post_form(client, "/auth/account", "/auth/account/time-zone", data={"time_zone": zone})


def test_the_title_and_the_next_columns_show_and_the_rest_on_demand(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    section = latest(user_client, url)
    shown = headers(section)
    assert len(shown) == 4 and shown[0] == "Name"
    hidden = {"Budget", "Created", "Created by", "Assignee", "Task ID", "Notes"} - set(shown)
    assert len(hidden) >= 2 and not any(f">{name}<" in section for name in hidden)
    assert '<th scope="row">Ship v1</th>' in section
    more = re.search(r'href="([^"]*columns=all[^"]*)">All (\d+) columns</a>', section)
    assert more, "no link to every column"
    total = int(more.group(2))
    assert total > 20 and f"4 of {total} columns" in section

    section = latest(user_client, more.group(1).split("#")[0])
    assert len(headers(section)) == total
    assert {"Budget", "Created", "Created by", "Assignee", "Task ID"} <= set(headers(section))
    assert headers(section)[:4] == shown
    assert "Fewer columns" in section and f"All {total} columns" not in section


def test_the_number_shows_in_its_notion_format(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): "Priced", key("Budget"): "1234.5"}
    assert user_client.post(url, data=data).status_code == 302
    section = latest(user_client, url, columns="all")
    row = section.split('<th scope="row">Priced</th>', 1)[1].split("</tr>", 1)[0]
    assert "<td>$1,234.50</td>" in row


def test_without_a_choice_or_a_browser_zone_times_are_utc_and_say_so(app, user_client, sandbox):
    connect(user_client, sandbox)
    section = latest(user_client, ds_url(app, sandbox, "tasks"), columns="all")
    assert SHIP_V1_UTC in section and "Times in UTC" in section


def test_the_browsers_zone_from_the_cookie(app, user_client, sandbox):
    connect(user_client, sandbox)
    user_client.set_cookie("tz", "Europe/Paris")
    section = latest(user_client, ds_url(app, sandbox, "tasks"), columns="all")
    assert SHIP_V1_PARIS in section and SHIP_V1_UTC not in section
    assert "Times in Europe/Paris" in section


def test_a_junk_cookie_is_ignored(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    for junk in ("Mars/Olympus_Mons", "<script>alert(1)</script>", "../../etc/passwd", ""):
        user_client.set_cookie("tz", junk)
        section = latest(user_client, url, columns="all")
        assert SHIP_V1_UTC in section and "Times in UTC" in section
        assert "Olympus" not in section and "<script>alert" not in section


def test_the_account_setting_wins_over_the_browser(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    user_client.set_cookie("tz", "Europe/Paris")
    resp = choose_zone(user_client, "America/New_York")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/account#time-zone")
    section = latest(user_client, url, columns="all")
    assert SHIP_V1_NEW_YORK in section and SHIP_V1_PARIS not in section
    account = user_client.get("/auth/account").get_data(as_text=True)
    assert '<option selected value="America/New_York">' in account

    # Automatic again: the browser's zone.
    assert choose_zone(user_client, "").status_code == 302
    assert SHIP_V1_PARIS in latest(user_client, url, columns="all")


def test_a_zone_not_in_the_list_is_refused_at_the_field(app, user_client, sandbox):
    resp = choose_zone(user_client, "Mars/Olympus_Mons")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert re.search(r'id="time_zone-error" class="field-error">Choose a time zone from the list',
                     html)
    with app.app_context():
        assert db.session.scalar(select(User.time_zone)) is None


def test_setting_the_zone_needs_the_csrf_token(app, user_client):
    resp = user_client.post("/auth/account/time-zone", data={"time_zone": "Europe/Paris"})
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User.time_zone)) is None


def test_people_are_named_never_shown_as_ids(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): "By the app"}
    assert user_client.post(url, data=data).status_code == 302
    section = latest(user_client, url, columns="all")
    assert "Ada Lovelace" in section  # a seed row's Assignee and Created by, named by Notion
    # The app's own row was created by the integration, which Notion sends as an id alone.
    row = section.split('<th scope="row">By the app</th>', 1)[1].split("</tr>", 1)[0]
    assert "Someone not listed" in row
    cells = row.split("<a ", 1)[0]  # the Open link's Notion URL holds the page's id, rightly
    assert not re.search(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", cells)
    # Once the page has the workspace's people (the picker loaded them), the id gets its name.
    user_client.get(url, query_string={"load": key("Assignee")})
    row = latest(user_client, url, columns="all").split(
        '<th scope="row">By the app</th>', 1)[1].split("</tr>", 1)[0]
    assert "Someone not listed" not in row
    with app.app_context():
        conn = db.session.scalars(select(NotionConnection)).one()
        bots = [u["name"] for u in catalog.workspace_users(conn, only_cached=True)
                if u["type"] == "bot"]
    assert bots and f"<td>{bots[0]}</td>" in row


def test_the_history_shows_times_in_the_viewers_zone(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    data = page_form(user_client, url) | {key("Name"): "When was it"}
    assert user_client.post(url, data=data).status_code == 302
    with app.app_context():
        created = db.session.scalar(select(RowSubmission.created_at))
    page = unescape(user_client.get("/rows").get_data(as_text=True))
    assert moment_text(created) in page and moment_text(created).endswith(" UTC")
    assert choose_zone(user_client, "Asia/Kolkata").status_code == 302
    page = unescape(user_client.get("/rows").get_data(as_text=True))
    in_kolkata = moment_text(created, Viewer(zone=ZoneInfo("Asia/Kolkata")))
    assert in_kolkata.endswith(" IST") and in_kolkata in page
    assert moment_text(created) not in page


def test_the_imports_pages_show_times_in_the_viewers_zone(app, user_client, sandbox):
    from helpers import start_import

    from notion_app.models import Import

    connect(user_client, sandbox)
    start_import(user_client, app, sandbox, b"Name\nA sheet row\n")
    with app.app_context():
        created = db.session.scalar(select(Import.created_at))
    assert choose_zone(user_client, "Asia/Kolkata").status_code == 302
    in_kolkata = moment_text(created, Viewer(zone=ZoneInfo("Asia/Kolkata")))
    upload_page = ds_url(app, sandbox, "tasks") + "/import"
    for page in ("/imports", upload_page):
        html = unescape(user_client.get(page).get_data(as_text=True))
        assert in_kolkata in html and moment_text(created) not in html, page
