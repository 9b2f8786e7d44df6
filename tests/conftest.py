"""Shared fixtures: an app on a fresh database, the Notion sandbox over real HTTP, helpers."""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet
from helpers import connect, signup

from notion_app import create_app
from notion_app.extensions import db

TEST_CLIENT_ID = "test-integration"
TEST_CLIENT_SECRET = "test-client-secret-canary-5f1e"
REDIRECT_URI = "http://localhost/notion/callback"
# Where the app's Notion is when a test does not ask for the sandbox: a port nothing listens on,
# so a Notion call nobody expected fails at once as a connection error.
UNREACHABLE_NOTION = "http://127.0.0.1:9"


POSTGRES_SKIP = {}


def pytest_addoption(parser):
    parser.addoption(
        "--postgres", action="store_true", help="run the app tests on TEST_POSTGRES_URL, not SQLite"
    )


def pytest_configure(config):
    if config.getoption("--postgres"):
        reason = postgres_unavailable()
        if reason and os.environ.get("CI") == "true":
            raise pytest.UsageError(f"CI must run the Postgres suite, but {reason}")
        POSTGRES_SKIP["reason"] = reason
        if reason is None:
            POSTGRES_SKIP["url"] = _private_schema(os.environ["TEST_POSTGRES_URL"])


def _private_schema(url: str) -> str:
    """A schema of this run's own, so concurrent runs (other checkouts) never share tables."""
    import secrets

    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    POSTGRES_SKIP["schema"] = (url, schema)
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def pytest_unconfigure(config):
    if "schema" in POSTGRES_SKIP:
        import psycopg

        url, schema = POSTGRES_SKIP.pop("schema")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def postgres_unavailable() -> str | None:
    """Why the test PostgreSQL cannot be used, or None when it answers."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        return "TEST_POSTGRES_URL is not set"
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL at TEST_POSTGRES_URL does not answer ({type(exc).__name__})"
    return None


def pytest_collection_modifyitems(config, items):
    """Tests that build the app on a database carry the `database` marker (the Postgres pass
    runs `-m database`); with --postgres and no Postgres they skip, saying why."""
    reason = POSTGRES_SKIP.get("reason")
    for item in items:
        if {"app", "rq_app"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _database_url(tmp_path) -> str:
    if POSTGRES_SKIP.get("reason", "unset") is None:
        return POSTGRES_SKIP["url"]
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def sandbox_server():
    from notion_app.sandbox.server import SandboxServer

    client = {
        "client_id": TEST_CLIENT_ID,
        "client_secret": TEST_CLIENT_SECRET,
        "redirect_uris": [REDIRECT_URI],
        "name": "Notion Rows (tests)",
    }
    server = SandboxServer(settings={"clients": [client], "rate_limit": None})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """Control of the sandbox, reset to its seed and with no rate limit for each test."""
    from notion_app.sandbox.control import SandboxControl

    control = SandboxControl(sandbox_server.url)
    control.reset()
    control.settings(rate_limit=None)
    return control


def make_config(tmp_path, base_url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path),
        "NOTION_SANDBOX": False,
        "NOTION_CLIENT_ID": TEST_CLIENT_ID,
        "NOTION_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "NOTION_REDIRECT_URI": REDIRECT_URI,
        "NOTION_API_BASE_URL": base_url,
        "NOTION_TOKEN_TIMEOUT": 3.0,
        "NOTION_READ_TIMEOUT": 3.0,
        "NOTION_BACKGROUND_READ_TIMEOUT": 6.0,
        # Fast hashing in tests; the production default is asserted in test_accounts.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SEND_BUDGET_SECONDS": 3.0,
        "BACKGROUND_SENDER": False,
        # Pacing has its own tests; elsewhere it would only make the suite slow.
        "NOTION_RATE": 1000.0,
        "NOTION_BURST": 1000,
        "NOTION_WORKSPACE_RATE": 1000.0,
        "NOTION_WORKSPACE_BURST": 1000,
        # Every test signs up from 127.0.0.1, and with Redis the counters outlive a test: the
        # sign-up throttle has its own tests, which set the limit they check.
        "SIGNUP_THROTTLE_LIMIT": 1_000_000,
        # An uncertain create is looked for once, then sent again (the sandbox's query lists a
        # page at once unless query_index_delay is set); the settling has its own tests.
        "RECONCILE_SETTLE_SECONDS": 0.0,
    }
    config.update(extra)
    return config


def build_app(config: dict):
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


@pytest.fixture
def notion_base_url(request) -> str:
    """The app's Notion: the sandbox (over real HTTP) for a test that takes the `sandbox`
    fixture, else UNREACHABLE_NOTION. Override this fixture to point the app elsewhere."""
    if "sandbox" in request.fixturenames:
        return request.getfixturevalue("sandbox_server").url
    return UNREACHABLE_NOTION


@pytest.fixture
def app(notion_base_url, tmp_path):
    """An app on a fresh database, talking to `notion_base_url`."""
    app = build_app(make_config(tmp_path, notion_base_url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def conn_ids(app, user_client, sandbox):
    """(user id, connection id, tasks data source id) after connecting acme as ada."""
    from sqlalchemy import select

    from notion_app.models import NotionConnection

    connect(user_client, sandbox)
    with app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        ds = sandbox.seed()["databases"]["tasks"]["data_sources"]["tasks"]
        return conn.user_id, conn.id, ds


@pytest.fixture
def user_client(client):
    """A client signed up and logged in as ada@example.com."""
    signup(client)
    return client


class SmtpServer:
    """A real SMTP server on a free loopback port (aiosmtpd): what the app's mail sends."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self._arrived = __import__("threading").Condition()
        from ops.support import free_port

        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        with self._arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self._arrived.notify_all()
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 20.0) -> list:
        """The first `count` messages, once they arrived (a generous deadline, no timing)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails arrived"
        return self.messages[:count]


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.controller.start()
    yield server
    server.controller.stop()
