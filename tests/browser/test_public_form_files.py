"""A file through a public form in Chromium with JavaScript off (issue 15 point 5): the owner adds
the Attachments field and opens the form; a logged-out visitor picks a file and sends; the
file's exact bytes reach the sandbox with the row."""

from __future__ import annotations

import hashlib
import secrets
import time

import pytest
from playwright.sync_api import expect

from browser.conftest import on_machine
from browser.test_journeys import connect, open_tasks, sign_up
from browser.test_public_form import confirm_address, rows_titled

pytestmark = pytest.mark.browser


def test_a_visitor_without_javascript_sends_a_file_through_a_public_form(
    page, live_app, chromium, tmp_path
):
    confirm_address(page, sign_up(page))
    page.goto("/connections")
    person = live_app.sandbox.add_people("acme", 1, prefix=f"files{secrets.token_hex(2)}")[0]
    connect(page, person["name"])
    open_tasks(page)
    page.get_by_role("link", name="Share a form").click()
    page.get_by_role("button", name="Share a new form").click()
    page.get_by_role("button", name="Add Attachments").click()
    expect(page.get_by_role("status")).to_contain_text("Added “Attachments”.")
    page.get_by_label("Title").fill("Send us your CV")
    page.get_by_label("Open: take answers").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    link = page.get_by_label("Link", exact=True).input_value()

    cv = tmp_path / "cv.pdf"
    cv.write_bytes(b"%PDF-1.7 curriculum vitae " + secrets.token_bytes(20000))
    visitor_context = chromium.new_context(java_script_enabled=False)
    visitor_context.set_default_timeout(10_000)
    visitor_context.route("**/*", lambda route: route.continue_() if on_machine(
        route.request.url) else route.abort())
    visitor = visitor_context.new_page()
    try:
        served = time.monotonic()
        visitor.goto(link)
        title = f"Ada applies {secrets.token_hex(2)}"
        visitor.get_by_label("Name").fill(title)
        visitor.get_by_label("Attachments").set_input_files(cv)
        time.sleep(max(0.0, 3.2 - (time.monotonic() - served)))  # the form's minimum time
        visitor.get_by_role("button", name="Send").click()
        expect(visitor.get_by_role("heading", name="Thank you!")).to_be_visible()
    finally:
        visitor_context.close()

    [row] = rows_titled(live_app, title)
    assert [f["name"] for f in row["Attachments"]["files"]] == ["cv.pdf"]
    digests = [r["sha256"] for r in live_app.sandbox.file_uploads()["received"]]
    assert hashlib.sha256(cv.read_bytes()).hexdigest() in digests
