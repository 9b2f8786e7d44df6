"""The row form's people picker in Chromium (issue 12 point 2): an ARIA combobox that loads the
workspace's people when it is focused, filters them as the person types, and sends the one they
pick."""

from __future__ import annotations

import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .test_journeys import connect, created_page, open_tasks, sign_up

pytestmark = pytest.mark.browser


def test_pick_a_person_by_typing_part_of_their_name(page, live_app):
    # a Notion user of its own: a bot already linked to another test's account is refused
    person = live_app.sandbox.add_people("acme", 1, prefix="picker")[0]["name"]
    sign_up(page)
    connect(page, person)
    live_app.sandbox.clear_requests()
    open_tasks(page)
    page.wait_for_load_state("networkidle")  # app.js has run, and asked for nothing
    people_calls = [r for r in live_app.sandbox.requests(path="/v1/users")
                    if r["path"] == "/v1/users"]  # (users/me: the workspace's file size limit)
    assert people_calls == []  # the people load on focus only
    title = f"Picked in the combobox {secrets.token_hex(2)}"
    page.get_by_label("Name", exact=True).fill(title)

    people = page.get_by_role("group", name="Assignee")
    expect(people.get_by_role("link", name="List the workspace's people")).to_have_count(0)
    find = people.get_by_role("combobox", name="Find a person")
    expect(find).to_have_attribute("aria-expanded", "false")
    find.focus()  # loads the people
    expect(find).to_have_attribute("aria-expanded", "true")
    listbox = page.get_by_role("listbox", name="Find a person")
    expect(listbox.get_by_role("option", name="Grace Hopper")).to_be_visible()
    find.press_sequentially("hop")
    expect(listbox.get_by_role("option")).to_have_count(1)  # only the matching person is left
    find.press("ArrowDown")
    option = listbox.get_by_role("option", name="Grace Hopper")
    expect(find).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    find.press("Enter")  # picks the person; it does not submit the form
    expect(people.get_by_role("checkbox", name="Grace Hopper")).to_be_checked()
    expect(people.get_by_role("status")).to_have_text("Grace Hopper added.")
    expect(page.get_by_role("heading", name="Add a row")).to_be_visible()
    find.press_sequentially("a")  # the list open, an option active: axe finds nothing wrong
    find.press("ArrowDown")
    report = Axe().run(page, context=".row-form")
    assert report.violations_count == 0, report.generate_report()

    page.get_by_role("button", name="Add row").click()
    expect(page.get_by_role("status").filter(has_text=f"Row added to Tasks: “{title}”")
           ).to_be_visible()
    grace = live_app.sandbox.seed()["users"]["grace"]["id"]
    props = created_page(live_app, title)["properties"]
    assert [p["id"] for p in props["Assignee"]["people"]] == [grace]
