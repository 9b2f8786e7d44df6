"""An account that recovers, in Chromium against `flask run` without MAIL_URL: the mail lands in
the development mailbox, its confirmation link confirms the address, the reset link sets a new
password once, and no token reaches the server's log (access log included)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from browser.test_journeys import sign_up

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a whole new passphrase"


def open_mail(page: Page, subject: str, shots=None) -> str:
    """Open the newest mail with `subject` in the dev mailbox and follow its link."""
    page.goto("/_dev/mailbox")
    if shots:
        shots.take("mailbox")
    mail = page.get_by_role("article").filter(has_text=subject).first
    link = mail.get_by_role("link").first
    href = link.get_attribute("href")
    link.click()
    return href


def test_confirm_the_address_then_reset_a_forgotten_password(page, live_app):
    shots = page.screenshots
    email = sign_up(page)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("Not confirmed")).to_be_visible()
    shots.take("account-not-confirmed")

    confirm_link = open_mail(page, "Confirm your email address for Notion Rows")
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("status")).to_have_text(f"Thank you: {email} is confirmed.")
    expect(page.locator("#email-confirmation")).to_contain_text("Confirmed")
    page.get_by_role("button", name="Log out", exact=True).click()

    page.goto("/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    shots.take("forgot")
    page.get_by_role("button", name="Mail me a link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    reset_link = open_mail(page, "Choose a new password for Notion Rows", shots)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    new = page.get_by_label("New password", exact=True)
    expect(new).to_have_accessible_description(re.compile(r"At least 10 characters"))
    new.fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    shots.take("reset")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", name="Your Notion workspaces")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your new password is set.")

    page.goto(reset_link)  # a second time: used
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a new link")).to_have_attribute(
        "href", "/auth/reset")

    log = live_app.output()
    assert "/auth/confirm?token=" in log and "/auth/reset/new?token=" in log  # were logged
    for link in (confirm_link, reset_link):
        token = link.partition("token=")[2]
        assert len(token) > 40 and token not in log
        assert token.rsplit(".", 1)[-1] not in log  # not even its signature
