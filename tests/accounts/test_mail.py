"""Mail that lets an account recover: the development mailbox (no MAIL_URL), password reset and
email confirmation, sent through a real local SMTP server (aiosmtpd) and read where it arrived."""

from __future__ import annotations

from helpers import logout, post_form, signup
from ops.test_production import BASE, HOST, production_config

from notion_app import create_app, mail
from notion_app.extensions import db


def taken_address_mail(client, email="ada@example.com"):
    """Sign up twice with one address: the owner is mailed (someone tried to sign up)."""
    signup(client, email)
    logout(client)
    data = {"email": email, "password": "another password 1", "confirm": "another password 1"}
    assert post_form(client, "/auth/signup", data=data).status_code == 400


# --- the development mailbox ----------------------------------------------------------------


def test_development_without_mail_url_keeps_the_mail_in_the_dev_mailbox(app, client):
    app.config["MAIL_FROM"] = "Notion Rows <rows@example.com>"
    taken_address_mail(client)
    page = client.get("/_dev/mailbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Someone tried to sign up with your address" in html
    assert "To ada@example.com" in html
    assert '<a href="http://localhost/auth/login"' in html  # the mail's links can be followed
    assert "MAIL_URL is not set" in html


def test_with_mail_url_the_mail_goes_out_and_the_dev_mailbox_stays_empty(app, client,
                                                                         smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    taken_address_mail(client)
    smtp_server.wait_for(1)
    html = client.get("/_dev/mailbox").get_data(as_text=True)
    assert "Someone tried to sign up" not in html and "MAIL_URL is set" in html


def test_the_dev_mailbox_does_not_exist_in_production(app):
    prod = create_app(production_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    try:
        client = prod.test_client()
        client.environ_base.update(HTTP_HOST=HOST)
        with prod.test_request_context():
            mail.send("ada@example.com", "A subject", "A body")  # logged, never kept
        assert client.get("/_dev/mailbox", base_url=BASE).status_code == 404
        assert "dev_mailbox" not in prod.blueprints
    finally:
        with prod.app_context():
            db.session.remove()
            db.engine.dispose()
