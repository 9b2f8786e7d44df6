"""T32: the migrations build the schema on empty SQLite and Postgres databases, match the models
(the autogenerate diff is empty) and survive a downgrade/upgrade round trip."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from notion_app import create_app
from notion_app.config import normalize_database_url
from notion_app.extensions import db
from ops.support import fresh_postgres_database, postgres_url_or_skip

TABLES = {"user", "login_session", "login_throttle", "notion_connection", "row_submission",
          "import", "notion_cache", "pending_file", "pending_file_chunk", "field_order",
          "api_token", "api_idempotency_key",
          "webhook_endpoint", "webhook_delivery", "webhook_attempt",
          "import_mode", "saved_mapping", "public_form"}


def migrated_app(url: str):
    return create_app({
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "migrations-test-" + "k" * 32,
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(url),
        "NOTION_SANDBOX": False,
        "NOTION_CLIENT_ID": "migrations",
        "NOTION_CLIENT_SECRET": "migrations-secret",
        "BACKGROUND_SENDER": False,
        "NOTION_REDIRECT_URI": "http://localhost/notion/callback",
    })


def schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def check_migrations(url: str) -> None:
    app = migrated_app(url)
    with app.app_context():
        try:
            assert tables() == set()
            upgrade()
            assert tables() >= TABLES == set(db.metadata.tables)
            assert schema_diff() == [], "models and migrations disagree: add a migration"
            downgrade(revision="base")
            assert tables() == set()
            upgrade()
            assert schema_diff() == []
        finally:
            db.session.remove()
            db.engine.dispose()


def test_migrations_on_empty_sqlite(tmp_path):
    check_migrations(f"sqlite:///{tmp_path / 'migr.db'}")


@pytest.mark.postgres
def test_migrations_on_empty_postgres():
    with fresh_postgres_database(postgres_url_or_skip()) as url:
        check_migrations(url)


def test_heroku_postgres_urls_use_psycopg_3():
    heroku = "postgres://u:p@ec2.example.com:5432/d1"
    assert normalize_database_url(heroku) == "postgresql+psycopg://u:p@ec2.example.com:5432/d1"
    assert normalize_database_url("postgresql://h/d") == "postgresql+psycopg://h/d"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"
