"""Importing a sheet again in Chromium (issue 17): the mode and key chosen at the mapping by
their labels, the preview's counts, and the results saying which rows were updated and which
were added."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from browser.test_journeys import connect, open_tasks, sign_up

pytestmark = pytest.mark.browser


def test_a_sheet_imported_again_updates_its_rows_and_adds_the_new_one(
    page: Page, live_app, tmp_path
):
    tag = secrets.token_hex(2)
    # a Notion person of its own: the seeded people connect other journeys' accounts
    person = live_app.sandbox.add_people("acme", 1, prefix=f"reimporter{tag}")[0]["name"]
    sign_up(page)
    connect(page, person)
    open_tasks(page)
    tasks = live_app.sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"]
    made = live_app.sandbox.create_page_as(tasks, {
        "Name": {"title": [{"text": {"content": f"Again {tag} 1"}}]}, "Estimate": {"number": 1}})
    csv_file = tmp_path / "again.csv"
    csv_file.write_text(f"Task,Estimate\nAgain {tag} 1,5\nAgain {tag} 2,6\n")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_label("Task", exact=True).select_option("Name")
    page.get_by_label("Update the rows whose key matches, add the rest").check()
    page.get_by_label("Key column").select_option("Task")
    page.get_by_label("matches the Notion property").select_option("Name")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.get_by_text("1 new · 1 update", exact=True)).to_be_visible()
    page.get_by_role("button", name="Send 2 rows to Notion").click()
    expect(page.get_by_text("State: done")).to_be_visible(timeout=30_000)
    results = page.get_by_role("table")
    expect(results.get_by_text("Updated", exact=True)).to_have_count(1)
    expect(results.get_by_text("Added", exact=True)).to_have_count(1)
    assert live_app.sandbox.page(made["id"])["properties"]["Estimate"]["number"] == 5
