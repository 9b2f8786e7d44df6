"""Command-line tools: generate an encryption key, re-encrypt tokens, check a deployment, purge
old data."""

from __future__ import annotations

import click
from cryptography.fernet import Fernet
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import crypto
from ..extensions import db
from ..models import NotionConnection
from . import deployment


def init_app(app: Flask) -> None:
    app.cli.add_command(generate_key)
    app.cli.add_command(rotate_keys)
    app.cli.add_command(check_deploy)
    app.cli.add_command(purge)


@click.command("generate-key")
def generate_key() -> None:
    """Print a new Fernet key for TOKEN_ENCRYPTION_KEY."""
    click.echo(Fernet.generate_key().decode())


@click.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Re-encrypt every stored token under the newest key in TOKEN_ENCRYPTION_KEY.

    Put the new key first (NEW,OLD), run this, then drop OLD from the variable.
    """
    count = 0
    for conn in db.session.scalars(select(NotionConnection)):
        conn.access_token_encrypted = crypto.rotate(conn.access_token_encrypted)
        conn.refresh_token_encrypted = crypto.rotate(conn.refresh_token_encrypted)
        count += 1
    db.session.commit()
    click.echo(f"Re-encrypted the tokens of {count} connection(s) under the newest key.")


@click.command("check-deploy")
@with_appcontext
def check_deploy() -> None:
    """List what this configuration still misses for production (like Django's check --deploy).

    When the app refuses to start, `python -m notion_app.ops.deployment` prints the same list.
    """
    status = deployment.print_report(dict(current_app.config), echo=click.echo)
    if status:
        raise SystemExit(status)


@click.command("purge")
@with_appcontext
def purge() -> None:
    """Delete expired login sessions and abandoned drafts; drop sent imports' parsed files.

    The worker does the same every HOUSEKEEPING_SECONDS; run this where no worker runs.
    """
    from . import housekeeping

    removed = housekeeping.purge()
    click.echo(
        f"Purged {removed['login_sessions']} expired login session(s), {removed['drafts']} "
        f"abandoned draft(s) and the parsed files of {removed['parsed_files']} finished import(s)."
    )
