"""A public form in Chromium (issue 15): the owner confirms their address, shares a form on Tasks
and opens it; a visitor in a logged-out browser fills it in and sends it; the row is found in the
sandbox with every value, once."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import on_machine
from browser.test_journeys import connect, open_tasks, sign_up

pytestmark = pytest.mark.browser


def confirm_address(page: Page, email: str, timeout: float = 15.0) -> None:
    """Follow the confirmation link mailed to `email` (mail goes out on a thread pool, and the
    dev mailbox holds the other journeys' mail too: reload until this one is there)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto("/_dev/mailbox")
        mail = page.get_by_role("article").filter(has_text=f"To {email}").filter(
            has_text="Confirm your email address for Notion Rows")
        if mail.count() or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    mail.first.get_by_role("link").first.click()
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("status")).to_contain_text("is confirmed.")


def rows_titled(live_app, title: str, timeout: float = 20.0) -> list[dict]:
    """The sandbox's pages titled `title`, once the app's sender made one (it sends in the
    background: the visitor's thank-you page comes first)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [p["request_properties"] for p in live_app.sandbox.pages()
                 if title in str(p["request_properties"].get("Name"))]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_a_visitor_without_an_account_sends_a_row_through_a_public_form(
    page, live_app, chromium
):
    shots = page.screenshots
    confirm_address(page, sign_up(page))
    page.goto("/connections")
    # A Notion person of its own: a person the other journeys connected is another account's.
    person = live_app.sandbox.add_people("acme", 1, prefix=f"owner{secrets.token_hex(2)}")[0]
    connect(page, person["name"])
    open_tasks(page)
    page.get_by_role("link", name="Share a form").click()
    page.get_by_role("button", name="Share a new form").click()
    expect(page.get_by_role("heading", name="Form: Tasks")).to_be_visible()
    page.get_by_label("Title").fill("Volunteer sign-up")
    page.get_by_label("Open: take answers").check()
    status = page.get_by_role("group", name=re.compile(r"^Status \(status\)"))
    status.get_by_label("May be prefilled from the link").check()
    # Reordering from the keyboard: Notes up one place (the settings typed are saved with it).
    page.get_by_role("button", name="Move up Notes").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Moved “Notes” up.")
    expect(page.get_by_role("button", name="Move up Notes")).to_be_focused()
    shots.take("form-builder")
    link = page.get_by_label("Link", exact=True).input_value()
    assert "/f/" in link

    visitor_context = chromium.new_context(viewport={"width": 390, "height": 844})
    visitor_context.set_default_timeout(10_000)
    off_machine: list[str] = []

    def guard(route):
        if on_machine(route.request.url):
            route.continue_()
        else:
            off_machine.append(route.request.url)
            route.abort()

    visitor_context.route("**/*", guard)
    visitor = visitor_context.new_page()
    page.checks.watch(visitor)  # the public form is checked for layout and accessibility too
    try:
        served = time.monotonic()
        visitor.goto(link + "?Status=Done")
        expect(visitor.get_by_role("heading", name="Volunteer sign-up")).to_be_visible()
        assert visitor.get_by_role("link", name="Log in").count() == 0  # no app around it
        title = f"Grace volunteers {secrets.token_hex(2)}"
        visitor.get_by_label("Name").fill(title)
        visitor.get_by_label("Notes").fill("Saturdays\nand Sundays")
        visitor.get_by_label("Priority").select_option("High")
        visitor.get_by_label("Bug").check()
        visitor.get_by_label("Contact").fill("grace@example.com")
        expect(visitor.get_by_label("Status")).to_have_value("Done")  # prefilled by the link
        # A person takes longer than the form's minimum time (3 s) to fill it in.
        time.sleep(max(0.0, 3.2 - (time.monotonic() - served)))
        visitor.get_by_role("button", name="Send").click()
        expect(visitor.get_by_role("heading", name="Thank you!")).to_be_visible()
    finally:
        visitor_context.close()
    assert off_machine == []

    [row] = rows_titled(live_app, title)
    assert row["Notes"]["rich_text"][0]["text"]["content"] == "Saturdays\nand Sundays"
    assert row["Priority"] == {"select": {"name": "High"}}
    assert row["Tags"] == {"multi_select": [{"name": "Bug"}]}
    assert row["Contact"] == {"email": "grace@example.com"}
    assert row["Status"] == {"status": {"name": "Done"}}

    page.goto("/rows")
    expect(page.get_by_role("row").filter(has_text=title)).to_contain_text(
        "Public form: Volunteer sign-up")
    shots.take("history-with-form-row")
