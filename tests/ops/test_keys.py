"""Tokens at rest: re-encrypting under a new key with the CLI, and reading them back."""

from cryptography.fernet import Fernet
from helpers import connect
from sqlalchemy import select

from notion_app import crypto
from notion_app.extensions import db
from notion_app.models import NotionConnection


def test_rotate_keys_reencrypts_every_token(app, user_client, sandbox):
    connect(user_client, sandbox)
    old = app.config["TOKEN_ENCRYPTION_KEY"]
    with app.app_context():
        before = crypto.decrypt(db.session.scalar(select(NotionConnection)).access_token_encrypted)
    new = Fernet.generate_key().decode()
    app.config["TOKEN_ENCRYPTION_KEY"] = f"{new},{old}"
    result = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert "Re-encrypted the tokens of 1 connection(s)" in result.output
    app.config["TOKEN_ENCRYPTION_KEY"] = new
    with app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        assert crypto.decrypt(conn.access_token_encrypted) == before
        assert crypto.decrypt(conn.refresh_token_encrypted).startswith("nrt_")
    app.config["TOKEN_ENCRYPTION_KEY"] = old
    with app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        try:
            crypto.decrypt(conn.access_token_encrypted)
        except crypto.TokenKeyError:
            pass
        else:
            raise AssertionError("the old key alone still decrypts the rotated token")


def test_generate_key_prints_a_fernet_key(app):
    result = app.test_cli_runner().invoke(args=["generate-key"])
    Fernet(result.output.strip().encode())
