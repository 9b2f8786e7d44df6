"""API tokens in Chromium against `flask run`: a confirmed account makes a token on the account
page, sees it once, a program uses it, the account page lists it, revoking it stops it; the
token never reaches the server's log; the API guide is a page of the app."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from browser.test_journeys import sign_up
from browser.test_recovery import open_mail

pytestmark = pytest.mark.browser


def test_make_use_and_revoke_a_token(page, live_app):
    shots = page.screenshots
    sign_up(page)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("Confirm your email address first")).to_be_visible()
    open_mail(page, "Confirm your email address for Notion Rows")
    page.get_by_role("button", name="Confirm my address").click()

    page.goto("/auth/account#api-tokens")
    page.get_by_label("Token name").fill("Shop orders")
    shots.take("api-token-form")
    page.get_by_role("button", name="Make a token").click()
    expect(page.get_by_role("heading", name="Your new API token")).to_be_visible()
    secret = page.get_by_label(re.compile("Token “Shop orders”")).input_value()
    assert re.fullmatch(r"nrapi_[A-Za-z0-9_\-]{43}", secret)
    shots.take("api-token-shown-once")

    api = f"{live_app.url}/api/v1/connections"
    auth = {"Authorization": f"Bearer {secret}"}
    assert requests.get(api, headers=auth, timeout=10).status_code == 200

    page.get_by_role("button", name="Back to your account").click()
    tokens = page.get_by_role("region", name="Your API tokens")
    expect(tokens).to_contain_text("Shop orders")
    assert secret not in page.content()
    shots.take("api-tokens-listed")
    page.get_by_role("button", name="Revoke the token Shop orders").click()
    expect(page.get_by_role("status")).to_contain_text("Revoked the token “Shop orders”")
    assert requests.get(api, headers=auth, timeout=10).status_code == 401

    page.goto("/api/docs")
    expect(page.get_by_role("heading", name="The rows API")).to_be_visible()
    shots.take("api-docs")
    assert secret not in live_app.output()
