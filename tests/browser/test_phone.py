"""At phone width (390 px): the navigation is a Menu that opens from the keyboard, and the
history's rows are cards whose cells say what they are (issue 12.4)."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from browser.layout import DESKTOP, PHONE
from browser.test_journeys import connect, open_tasks, sign_up, tab_to

pytestmark = pytest.mark.browser


def test_phone_menu_opens_from_the_keyboard_with_a_visible_focus_ring(page: Page, live_app):
    sign_up(page)
    page.set_viewport_size(PHONE)
    rows_link = page.get_by_role("link", name="Rows", exact=True)
    expect(rows_link).to_be_hidden()  # folded into the menu
    menu = page.locator("header summary", has_text="Menu")
    page.keyboard.press("Tab")
    tab_to(page, menu)
    ring = menu.evaluate(
        "el => [el.matches(':focus-visible'), getComputedStyle(el).outlineStyle,"
        " getComputedStyle(el).outlineWidth]"
    )
    assert ring[0] and ring[1] != "none" and ring[2] not in ("0px", ""), ring
    page.keyboard.press("Enter")
    expect(rows_link).to_be_visible()
    tab_to(page, rows_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your rows")).to_be_visible()

    page.set_viewport_size(DESKTOP)  # wide enough for the links in a row: no menu
    expect(menu).to_be_hidden()
    expect(rows_link).to_be_visible()


def test_history_rows_are_labelled_cards_on_a_phone(page: Page, live_app):
    # A Notion person of this test's own: another journey's connection keeps its bot_id.
    person = live_app.sandbox.add_people("acme", 1, prefix="phone")[0]["name"]
    sign_up(page)
    connect(page, person)
    open_tasks(page)
    title = f"A card on a phone {secrets.token_hex(2)}"
    page.get_by_label("Name", exact=True).fill(title)
    page.get_by_role("button", name="Add row").click()
    expect(page.get_by_role("status").filter(has_text="Row added")).to_be_visible()
    page.goto("/rows")
    row = page.get_by_role("row").filter(has_text=title)
    title_cell = row.locator('td[data-label="Title"]')
    state_cell = row.locator('td[data-label="State"]')

    def label(cell) -> str:
        return cell.evaluate("el => getComputedStyle(el, '::before').content")

    desktop_title, desktop_state = title_cell.bounding_box(), state_cell.bounding_box()
    assert desktop_state["x"] > desktop_title["x"]  # side by side in a table
    assert label(state_cell) == "none"

    page.set_viewport_size(PHONE)
    expect(row).to_be_visible()  # still a row to assistive technology
    phone_title, phone_state = title_cell.bounding_box(), state_cell.bounding_box()
    assert phone_state["y"] >= phone_title["y"] + phone_title["height"] - 1  # stacked
    assert abs(phone_state["x"] - phone_title["x"]) < 1
    assert phone_state["x"] + phone_state["width"] <= PHONE["width"]
    assert label(state_cell) == '"State"'
    assert label(title_cell) == '"Title"'
    expect(row.get_by_text("Sent", exact=True)).to_be_visible()
    page.set_viewport_size(DESKTOP)
