"""`flask api-token create EMAIL [--name NAME]`: a token for scripts, printed on one line (the
only time it is shown). Like the account page, it waits for a confirmed email address."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from ..accounts.confirmation import is_confirmed
from ..accounts.users import normalize_email
from ..extensions import db
from ..models import User
from . import tokens


def init_app(app: Flask) -> None:
    app.cli.add_command(api_token)


@click.group("api-token")
def api_token() -> None:
    """Make API tokens for the rows API."""


@api_token.command("create")
@click.argument("email")
@click.option("--name", default="CLI token", show_default=True, help="What the token is for.")
@with_appcontext
def create(email: str, name: str) -> None:
    """Print a new token for the account with EMAIL (shown this once)."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    if not is_confirmed(user):
        raise click.ClickException(f"{email} is not confirmed yet: tokens wait for that.")
    click.echo(tokens.create(user, name).secret)
