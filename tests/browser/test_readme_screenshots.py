"""The README's screenshots, at desktop and at phone width, taken from the app as it runs:
`SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_readme_screenshots.py` rewrites
docs/screenshots/. Skipped otherwise: the journeys already check these pages."""

from __future__ import annotations

import os

import pytest
from ops.support import ROOT
from playwright.sync_api import Page, expect

from browser.layout import DESKTOP, PHONE
from browser.test_journeys import consent, open_tasks, sign_up

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1",
                       reason="rewrites docs/screenshots/ only when SCREENSHOTS=1"),
]
FOLDER = ROOT / "docs" / "screenshots"


def shoot(page: Page, name: str) -> None:
    """`name`-1280.png and `name`-390.png: the first screenful at each width."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=FOLDER / f"{name}-{size['width']}.png", animations="disabled")
    page.set_viewport_size(DESKTOP)


def test_readme_screenshots(page, live_app, tmp_path):
    page.goto("/")
    shoot(page, "landing")
    sign_up(page)
    page.get_by_role("button", name="Connect a Notion workspace").click()
    page.get_by_label("Workspace").select_option(label="Acme Corp")
    shoot(page, "consent")
    consent(page, "Ada Lovelace")
    expect(page.get_by_role("status")).to_contain_text("Connected Acme Corp.")
    shoot(page, "dashboard")
    page.set_viewport_size(PHONE)
    page.locator("header summary", has_text="Menu").click()
    page.screenshot(path=FOLDER / "menu-390.png", animations="disabled")
    page.keyboard.press("Escape")
    page.reload()
    page.set_viewport_size(DESKTOP)

    open_tasks(page)
    for n in (1, 2):
        page.get_by_label("Name", exact=True).fill(f"Write the launch notes, part {n}")
        page.get_by_label("Estimate").fill(str(n * 2))
        page.get_by_role("button", name="Add row").click()
        expect(page.get_by_role("status").filter(has_text="Row added")).to_be_visible()
    page.reload()
    shoot(page, "row-form")
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.7 the quarterly report " * 4000)
    files = page.get_by_role("group", name="Attachments")
    files.get_by_label("Files from your computer").set_input_files(report)
    shoot_here(page, "file-picker", files)

    csv_file = tmp_path / "tasks.csv"
    csv_file.write_text("Task,Estimate,Tags\nPlan the sprint,3,Docs\nFix the login bug,2,Bug\n"
                        ",not a number,\n")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_label("Task", exact=True).select_option("Name")
    page.get_by_label("Estimate", exact=True).select_option("Estimate")
    page.get_by_label("Tags", exact=True).select_option("Tags")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.get_by_text("2 rows ready to send, 1 with errors")).to_be_visible()
    shoot_here(page, "import-preview")

    page.goto("/rows")
    expect(page.get_by_role("row").filter(has_text="part 2")).to_be_visible()
    shoot(page, "history")


def shoot_here(page: Page, name: str, where=None) -> None:
    """Like `shoot`, but each width starts from `where` (the import's check section) instead
    of the page's top."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        (where or page.locator("#check")).evaluate("el => el.scrollIntoView()")
        page.screenshot(path=FOLDER / f"{name}-{size['width']}.png", animations="disabled")
    page.set_viewport_size(DESKTOP)
