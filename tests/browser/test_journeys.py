"""Journeys through the app in Chromium, as a person does them: elements found by their label,
role and visible text; every page also checked at phone width and saved as a screenshot."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from playwright.sync_api import Error, Page, expect

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


def sign_up(page: Page, shots=None) -> str:
    email = f"browser-{secrets.token_hex(4)}@example.com"
    page.goto("/")
    if shots:
        shots.take("home")
    page.get_by_role("navigation").get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    if shots:
        shots.take("signup")
    page.get_by_role("main").get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Your Notion workspaces")).to_be_visible()
    return email


def consent(page: Page, person: str, shots=None, pages=("Tasks", "Projects")) -> None:
    """On the sandbox's consent page: Acme Corp, `person`, the picked pages, Allow access."""
    expect(page.get_by_role("heading", name=re.compile("is requesting access to"))).to_be_visible()
    page.get_by_label("Workspace").select_option(label="Acme Corp")
    people = page.get_by_label("Notion user")
    people.select_option(label=people.locator("option", has_text=person).inner_text())
    for title in pages:
        page.get_by_label(f"{title} (database)").check()
    if shots:
        shots.take("consent")
    page.get_by_role("button", name="Allow access").click()


def connect(page: Page, person: str, shots=None) -> None:
    page.get_by_role("button", name="Connect a Notion workspace").click()
    consent(page, person, shots)
    expect(page.get_by_role("status")).to_contain_text("Connected Acme Corp.")


def open_tasks(page: Page, shots=None) -> None:
    page.get_by_role("button", name="Databases").click()
    expect(page.get_by_role("heading", name="Databases", exact=True)).to_be_visible()
    if shots:
        shots.take("databases")
    page.get_by_role("link", name="Tasks", exact=True).click()
    expect(page.get_by_role("heading", name="Add a row")).to_be_visible()


def history_state(page: Page, title: str, want: str, timeout: float = 15.0) -> None:
    """Reload the history until the row titled `title` shows the state `want`."""
    deadline = time.monotonic() + timeout
    row = page.get_by_role("row").filter(has_text=title)
    while True:
        page.goto("/rows")
        if row.get_by_text(want, exact=True).count() or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    expect(row.get_by_text(want, exact=True)).to_be_visible()


def created_page(live_app, title: str) -> dict:
    """The page the sandbox stored: its URL and the properties as the app sent them."""
    found = [p for p in live_app.sandbox.pages()
             if title in str(p["request_properties"].get("Name"))]
    assert len(found) == 1, f"the sandbox holds {len(found)} pages titled {title!r}"
    return {"url": found[0]["page"]["url"], "properties": found[0]["request_properties"]}


def test_signup_connect_fill_every_property_add_and_see_history(page, live_app):
    shots = page.screenshots
    sign_up(page, shots)
    shots.take("dashboard-empty")
    connect(page, "Ada Lovelace", shots)
    shots.take("dashboard")
    open_tasks(page, shots)
    shots.take("row-form")

    title = f"Ship the browser tests {secrets.token_hex(2)}"
    page.get_by_label("Name", exact=True).fill(title)
    page.get_by_label("Notes").fill("Two lines\nof notes")
    page.get_by_label("Estimate").fill("3")
    page.get_by_label("Progress").fill("12.5")
    page.get_by_label("Budget").fill("$1234.50")
    page.get_by_role("group", name="Priority").get_by_label("Choose an option").select_option("Low")
    page.get_by_label("or a new option").fill("Urgent")  # a new option wins over the list
    page.get_by_label("Bug").check()
    page.get_by_label("Feature").check()
    page.get_by_label("New options (comma-separated)").fill("Browser")
    page.get_by_label("Status").select_option("In progress")
    page.get_by_role("group", name="Due").get_by_label("Date", exact=True).fill("2026-12-01")
    page.get_by_label("Time (optional)").fill("14:30")
    page.get_by_label("Time zone (with a time)").select_option("Europe/Paris")
    page.get_by_label("Done", exact=True).check()
    page.get_by_label("Link").fill("https://example.com/spec")
    page.get_by_label("Contact").fill("ada@example.com")
    page.get_by_label("Phone").fill("+44 20 7946 0000")
    # People and related pages: comboboxes that load their choices when focused (app.js).
    page.get_by_role("combobox", name="Find a person").fill("Grace")
    page.get_by_role("option", name="Grace Hopper").click()
    page.get_by_role("combobox", name="Find a page").fill("Apo")
    page.get_by_role("option", name="Apollo").click()
    page.get_by_label("Or a file’s web address").fill("https://example.com/files/plan.pdf")
    page.get_by_label("File name (optional)").fill("Plan")
    shots.take("row-form-filled")
    page.get_by_role("button", name="Add row").click()

    flash = page.get_by_role("status").filter(has_text="Row added")
    expect(flash).to_be_visible()
    stored = created_page(live_app, title)
    link = flash.get_by_role("link", name="Open in Notion")
    # Notion's own page cannot load here: the link must point at the page the sandbox stored.
    expect(link).to_have_attribute("href", stored["url"])
    assert stored["url"].startswith("https://www.notion.so/")
    shots.take("row-added")

    props = stored["properties"]
    assert props["Notes"]["rich_text"][0]["text"]["content"] == "Two lines\nof notes"
    assert props["Estimate"] == {"number": 3}
    assert props["Progress"] == {"number": 0.125}
    assert props["Budget"] == {"number": 1234.5}
    assert props["Priority"] == {"select": {"name": "Urgent"}}
    assert {o["name"] for o in props["Tags"]["multi_select"]} == {"Bug", "Feature", "Browser"}
    assert props["Status"] == {"status": {"name": "In progress"}}
    assert props["Due"]["date"] == {"start": "2026-12-01T14:30:00",
                                    "time_zone": "Europe/Paris"}
    assert props["Done"] == {"checkbox": True}
    assert props["Link"] == {"url": "https://example.com/spec"}
    assert props["Contact"] == {"email": "ada@example.com"}
    assert props["Phone"] == {"phone_number": "+44 20 7946 0000"}
    seed = live_app.sandbox.seed()
    assert [p["id"] for p in props["Assignee"]["people"]] == [seed["users"]["grace"]["id"]]
    assert [p["id"] for p in props["Project"]["relation"]] == [seed["pages"]["project_apollo"]]
    assert props["Attachments"]["files"][0]["external"]["url"] == \
        "https://example.com/files/plan.pdf"
    assert props["Attachments"]["files"][0]["name"] == "Plan"

    page.get_by_role("link", name="Rows", exact=True).click()
    row = page.get_by_role("row").filter(has_text=title)
    expect(row.get_by_text("Sent", exact=True)).to_be_visible()
    expect(row.get_by_role("link", name="Open in Notion")).to_have_attribute("href", stored["url"])
    shots.take("history")

    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    shots.take("account")
    log_out_and_stay_out(page, shots)


def log_out_and_stay_out(page: Page, shots) -> None:
    """Log out; back and reload show the logged-out state, never the signed-in page."""
    page.get_by_role("button", name="Log out", exact=True).click()
    nav = page.get_by_role("navigation").first
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    shots.take("logged-out")
    page.go_back()
    expect(page.get_by_role("button", name="Log out", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shots.take("login")
    page.reload()
    expect(page.get_by_role("button", name="Log out", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_cancel_at_the_consent_page(page, live_app):
    shots = page.screenshots
    sign_up(page)
    page.get_by_role("button", name="Connect a Notion workspace").click()
    expect(page.get_by_role("heading", name=re.compile("is requesting access to"))).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("status")).to_have_text(
        "You cancelled the connection in Notion. Nothing was connected."
    )
    expect(page.get_by_role("heading", name="No workspace connected yet")).to_be_visible()
    shots.take("cancelled")


def test_revoked_token_reconnect_sends_the_waiting_row(page, live_app):
    shots = page.screenshots
    sign_up(page)
    connect(page, "Grace Hopper")
    open_tasks(page)
    live_app.sandbox.revoke_all()  # the user removed the integration in Notion

    title = f"Waiting for reconnect {secrets.token_hex(2)}"
    page.get_by_label("Name", exact=True).fill(title)
    page.get_by_role("button", name="Add row").click()
    banner = page.get_by_role("alert").filter(has_text="needs to be reconnected")
    expect(banner).to_be_visible()
    shots.take("reconnect-banner")
    history_state(page, title, "Waiting for reconnect", timeout=0)
    shots.take("history-waiting")

    page.get_by_role("link", name="Workspaces").click()
    banner.get_by_role("button", name="Reconnect Acme Corp").click()
    consent(page, "Grace Hopper")
    expect(page.get_by_role("status")).to_contain_text("Connected Acme Corp.")
    expect(banner).to_have_count(0)
    history_state(page, title, "Sent")
    shots.take("history-sent")
    assert created_page(live_app, title)["url"].startswith("https://www.notion.so/")


def test_disconnect_asks_keeps_the_waiting_row_and_reconnect_sends_it(page, live_app):
    shots = page.screenshots
    # A Notion person of this journey's own: another journey's connection keeps its bot_id.
    person = live_app.sandbox.add_people("acme", 1, prefix="keeper")[0]["name"]
    sign_up(page)
    connect(page, person)
    open_tasks(page)
    live_app.sandbox.revoke_all()  # the row cannot go out: it waits for the workspace
    title = f"Kept through a disconnect {secrets.token_hex(2)}"
    page.get_by_label("Name", exact=True).fill(title)
    page.get_by_role("button", name="Add row").click()
    history_state(page, title, "Waiting for reconnect", timeout=0)

    page.get_by_role("link", name="Workspaces").click()
    page.get_by_role("link", name="Disconnect Acme Corp").click()
    expect(page.get_by_role("heading", name="Disconnect Acme Corp?")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("1 row waiting to be sent")
    shots.take("disconnect-confirm")
    page.get_by_role("main").get_by_role("button", name="Disconnect").click()
    connection = page.get_by_role("article").filter(has_text="Acme Corp")
    expect(connection.get_by_text("Disconnected", exact=True)).to_be_visible()
    expect(connection).to_contain_text("1 row waiting for this workspace")
    shots.take("dashboard-disconnected")
    history_state(page, title, "Waiting for reconnect", timeout=0)  # still listed, nothing deleted

    page.get_by_role("link", name="Workspaces").click()
    connection.get_by_role("button", name="Reconnect").click()
    consent(page, person)
    expect(page.get_by_role("status")).to_contain_text("Connected Acme Corp.")
    history_state(page, title, "Sent")
    assert created_page(live_app, title)["url"].startswith("https://www.notion.so/")


def test_keyboard_only_row_form(page, live_app):
    """Tab to the title, type, Tab through the next fields, Enter submits: no mouse."""
    sign_up(page)
    connect(page, "Linus Torvalds")
    open_tasks(page)
    title = f"Typed without a mouse {secrets.token_hex(2)}"
    page.keyboard.press("Tab")  # from the top of the page
    tab_to(page, page.get_by_label("Name", exact=True))
    page.keyboard.type(title)
    tab_to(page, page.get_by_label("Notes"))
    page.keyboard.type("Notes typed on the keyboard")
    tab_to(page, page.get_by_label("Status"))
    page.keyboard.press("ArrowDown")  # a closed select changes with the arrow keys
    tab_to(page, page.get_by_label("Estimate"))
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Row added")).to_be_visible()
    props = created_page(live_app, title)["properties"]
    assert props["Estimate"] == {"number": 7}
    assert props["Notes"]["rich_text"][0]["text"]["content"] == "Notes typed on the keyboard"
    assert props["Status"] == {"status": {"name": "Not started"}}


def tab_to(page: Page, field, most: int = 80) -> None:
    """Press Tab until `field` has the focus (forms are walked in document order)."""
    for _ in range(most):
        if field.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {field}")


def test_csv_import_to_completion_with_the_progress_bar_moving(page, live_app, tmp_path):
    """Upload a CSV, map its columns, send it, and watch the bar fill without reloading."""
    shots = page.screenshots
    sign_up(page)
    connect(page, "Margaret Hamilton")
    open_tasks(page)
    tag = secrets.token_hex(2)
    rows = 12  # the app paces a workspace at ~2.5 rows/s: the bar moves for a few seconds
    csv_file = tmp_path / "tasks.csv"
    csv_file.write_text("Task,Estimate,Tags,Remarks\n" + "".join(
        f"Imported {tag} {n},{n},{'Bug' if n % 2 else 'Docs'},row {n}\n" for n in range(1, rows + 1)
    ) + ",not a number,,no title\n")
    page.get_by_role("link", name="Import CSV").click()
    shots.take("import-upload")
    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="Map the columns of tasks.csv")).to_be_visible()
    page.get_by_label("Task", exact=True).select_option("Name")
    page.get_by_label("Estimate", exact=True).select_option("Estimate")
    page.get_by_label("Tags", exact=True).select_option("Tags")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.get_by_text(f"{rows} rows ready to send, 1 with errors")).to_be_visible()
    shots.take("import-preview")
    page.get_by_role("button", name=f"Send {rows} rows to Notion").click()

    bar = page.get_by_label(re.compile(r"^Sent \d+ of \d+ rows$"))
    expect(bar).to_be_visible()
    url = page.url
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            seen.append(bar.evaluate("el => [el.value, el.max]"))
        except Error:  # the page reloads itself once every row is done (to show results)
            page.wait_for_load_state()
            continue
        if seen[-1] == [rows, rows]:
            break
        page.wait_for_timeout(200)
    assert seen[-1] == [rows, rows], seen
    partial = sorted({v for v, _ in seen if 0 < v < rows})
    assert len(partial) >= 2, f"the bar did not move in steps: {seen}"
    assert page.url == url  # polled in place, not by reloading the page
    expect(page.get_by_text("State: done")).to_be_visible()
    shots.take("import-done")
    results = page.get_by_role("table")
    expect(results.get_by_text("Added", exact=True)).to_have_count(rows)
    stored = [p for p in live_app.sandbox.pages()
              if f"Imported {tag}" in str(p["request_properties"].get("Name"))]
    assert len(stored) == rows


def test_chromium_cannot_leave_the_machine(chromium):
    """Only loopback names resolve: a page elsewhere fails before any packet leaves."""
    context = chromium.new_context()
    try:
        with pytest.raises(Error, match="ERR_NAME_NOT_RESOLVED"):
            context.new_page().goto("https://www.notion.so/", timeout=5000)
    finally:
        context.close()


def test_still_indexing_list_fills_in_by_itself_and_a_link_opens_a_database(page, live_app):
    """Right after a connect Notion's search does not list the new grants yet (the sandbox's
    `search_index_delay`): the databases page says so and fills in by its own refresh, with no
    click; a database also opens at once by pasting its Notion link."""
    shots = page.screenshots
    sandbox = live_app.sandbox
    person = sandbox.add_people("acme", 1, prefix="indexing")[0]["name"]
    projects_db = sandbox.seed()["databases"]["projects"]["id"]
    sandbox.settings(search_index_delay=6)
    try:
        sign_up(page)
        connect(page, person)
        page.get_by_role("button", name="Databases").click()
        expect(page.get_by_role("heading", name="Databases", exact=True)).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text(
            "Notion is still indexing — this fills in within a minute")
        tasks = page.get_by_role("link", name="Tasks", exact=True)
        expect(tasks).to_have_count(0)  # search leaves the new grants out for now
        shots.take("databases-indexing")
        # No click, no typing: the page reloads itself once Notion has had time to index.
        expect(tasks).to_be_visible(timeout=25_000)
        expect(page.get_by_role("link", name="Projects", exact=True)).to_be_visible()
        shots.take("databases-filled-in")

        link = f"https://www.notion.so/acme/Projects-{projects_db.replace('-', '')}?pvs=4"
        page.get_by_label("Open a database by its Notion link").fill(link)
        page.get_by_role("button", name="Open", exact=True).click()
        expect(page.get_by_role("heading", name="Add a row")).to_be_visible()
        expect(page.get_by_role("heading", name="Projects")).to_be_visible()
        shots.take("opened-by-link")
    finally:
        sandbox.settings(search_index_delay=0)


def test_times_follow_the_browsers_time_zone(chromium, live_app):
    """static/timezone.js (a file, as the CSP wants) tells the server the browser's zone once;
    the latest rows then show their times in it, and every column is one link away."""
    context = chromium.new_context(base_url=live_app.url, timezone_id="Asia/Tokyo")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_up(page)
        # A Notion person of its own: each seed person is already linked to another test's account.
        person = live_app.sandbox.add_people("acme", 1, prefix="traveller")[0]["name"]
        connect(page, person)
        open_tasks(page)
        latest = page.get_by_role("region", name=re.compile("Newest first"))
        expect(latest).to_contain_text("Times in Asia/Tokyo")
        page.get_by_role("link", name=re.compile(r"All \d+ columns")).click()
        # The seed's "Ship v1" was created at 05:00 UTC on July 2: 2 PM in Tokyo.
        expect(page.get_by_role("row", name=re.compile("Ship v1"))).to_contain_text(
            re.compile(r"Jul 2, 2026, 2:00\s?PM JST"))
    finally:
        context.close()
