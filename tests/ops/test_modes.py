"""Development and production modes: production refuses unsafe settings, never runs the sandbox."""

import pytest

from notion_app import create_app
from notion_app.config import ConfigError, from_environ

SAFE = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 48,
    "TOKEN_ENCRYPTION_KEY": "QmFzZTY0LWVuY29kZWQtMzItYnl0ZS1mZXJuZXQta2V5PT0=",
    "NOTION_CLIENT_ID": "client",
    "NOTION_CLIENT_SECRET": "secret",
    "NOTION_REDIRECT_URI": "https://rows.example.com/notion/callback",
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "BACKGROUND_SENDER": False,
}


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "NOTION_CLIENT_ID", "NOTION_CLIENT_SECRET",
     "NOTION_REDIRECT_URI"],
)
def test_production_refuses_to_start_without(missing):
    config = {k: v for k, v in SAFE.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        create_app(config)


def test_production_never_turns_the_sandbox_on():
    app = create_app({**SAFE, "NOTION_SANDBOX": True})
    assert app.config["NOTION_SANDBOX"] is False
    assert app.config["NOTION_API_BASE_URL"] == "https://api.notion.com"


def test_a_dyno_or_gunicorn_means_production():
    assert from_environ({"DYNO": "web.1"})["APP_ENV"] == "production"
    assert from_environ({"SERVER_SOFTWARE": "gunicorn/27.0.1"})["APP_ENV"] == "production"
    gunicorn_debug = {"SERVER_SOFTWARE": "gunicorn/27.0.1", "FLASK_DEBUG": "1"}
    assert from_environ(gunicorn_debug)["APP_ENV"] == "development"
    assert from_environ({})["APP_ENV"] == "development"


def test_heroku_database_url_is_rewritten_for_psycopg():
    app = create_app({**SAFE, "DATABASE_URL": "postgres://u:p@db.example:5432/x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/x"
