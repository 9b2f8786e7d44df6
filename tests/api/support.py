"""Helpers of the rows API tests: tokens made the way the account page makes them
(`tokens.create`), bearer headers, the sender's sweep run in the test."""

from __future__ import annotations

from sqlalchemy import select

from notion_app.api import tokens
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission, User, utcnow
from notion_app.outbox import delivery


def confirm(app, email: str = "ada@example.com") -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.email_confirmed_at = utcnow()
        db.session.commit()


def make_token(app, email: str = "ada@example.com", name: str = "Zapier", **scope) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return tokens.create(user, name, **scope).secret


def bearer(secret: str, **extra) -> dict:
    return {"Authorization": f"Bearer {secret}", **extra}


def connection_id(app, email: str = "ada@example.com") -> int:
    with app.app_context():
        return db.session.scalar(select(NotionConnection.id).join(User).where(User.email == email))


def send_all(app) -> int:
    """The sender's sweeps until nothing is due, run here (the tests have no background
    sender); the rows tried."""
    tried = 0
    with app.app_context():
        while done := delivery.sweep():
            tried += done
    return tried


def api_rows(app) -> list[RowSubmission]:
    with app.app_context():
        found = list(db.session.scalars(
            select(RowSubmission).where(RowSubmission.api_token_id.is_not(None))))
        for row in found:
            db.session.expunge(row)
        return found
