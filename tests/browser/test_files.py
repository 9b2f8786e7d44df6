"""Files from the person's disk in Chromium (issue 14): a file picked in the row form reaches
Notion byte for byte, and one over the workspace's limit is named at the field by the page
itself, before anything is sent."""

from __future__ import annotations

import hashlib
import secrets

import pytest
from playwright.sync_api import expect

from .test_journeys import connect, created_page, open_tasks, sign_up

pytestmark = pytest.mark.browser


def test_a_file_from_disk_reaches_notion(page, live_app, tmp_path):
    person = live_app.sandbox.add_people("acme", 1, prefix="files")[0]["name"]
    sign_up(page)
    connect(page, person)
    open_tasks(page)
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.7\n" + secrets.token_bytes(300_000))
    title = f"With a report {secrets.token_hex(2)}"
    page.get_by_label("Name", exact=True).fill(title)
    files = page.get_by_role("group", name="Attachments")
    files.get_by_label("Files from your computer").set_input_files(report)
    page.get_by_role("button", name="Add row").click()
    expect(page.get_by_role("status").filter(has_text=f"Row added to Tasks: “{title}”")
           ).to_be_visible()
    attached = created_page(live_app, title)["properties"]["Attachments"]["files"]
    assert [(f["type"], f["name"]) for f in attached] == [("file_upload", "report.pdf")]
    digests = [r["sha256"] for r in live_app.sandbox.file_uploads()["received"]]
    assert hashlib.sha256(report.read_bytes()).hexdigest() in digests


def test_a_file_over_the_limit_is_refused_by_the_page_before_sending(page, live_app, tmp_path):
    person = live_app.sandbox.add_people("acme", 1, prefix="bigfile")[0]["name"]
    sign_up(page)
    connect(page, person)
    open_tasks(page)
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"x" * (5 * 1024 * 1024 + 1))
    page.get_by_label("Name", exact=True).fill("Too big to send")
    picker = page.get_by_role("group", name="Attachments").get_by_label("Files from your computer")
    picker.set_input_files(big)
    expect(page.get_by_role("alert")).to_contain_text(
        "scan.pdf is 5 MB; this workspace takes files up to 5 MB.")
    expect(picker).to_have_attribute("aria-invalid", "true")
    live_app.sandbox.clear_requests()
    page.get_by_role("button", name="Add row").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Too big to send")
    assert live_app.sandbox.requests(path="/v1/") == []  # the form was never sent
