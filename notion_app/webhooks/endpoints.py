"""Making, listing and deleting a connection's webhook endpoints.

The signing secret is Standard Webhooks' `whsec_` + base64 of 24 random bytes: shown once, in
the answer to the POST that made it, and kept encrypted with TOKEN_ENCRYPTION_KEY (a receiver's
secret signs in our name, so a copy of the database alone must not give it away).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from .. import crypto
from ..extensions import db
from ..models import NotionConnection, User
from . import ssrf
from .models import WebhookEndpoint

EVENTS = {
    "row.sent": "A row reached Notion",
    "row.failed": "Notion refused a row",
    "import.finished": "An import finished",
}
SECRET_BYTES = 24


@dataclass
class Made:
    endpoint: WebhookEndpoint
    secret: str


def allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def create(user: User, conn: NotionConnection, url: str, events: list[str]) -> Made:
    """Save an endpoint whose URL passed the SSRF check (ssrf.UnsafeUrl says why not)."""
    ssrf.check(url, allow_private())
    secret = new_secret()
    endpoint = WebhookEndpoint(user_id=user.id, connection_id=conn.id, url=url.strip(),
                               events=[e for e in EVENTS if e in events],
                               secret_encrypted=crypto.encrypt(secret))
    db.session.add(endpoint)
    db.session.commit()
    return Made(endpoint, secret)


def secret_of(endpoint: WebhookEndpoint) -> str:
    return crypto.decrypt(endpoint.secret_encrypted)


def delete(endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its deliveries and their log (nothing more is sent to it)."""
    db.session.delete(endpoint)
    db.session.commit()


def user_endpoints(user: User) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.user_id == user.id).order_by(
        WebhookEndpoint.id)
    return list(db.session.scalars(query))


def wanting(connection_id: int, event_type: str) -> list[WebhookEndpoint]:
    """The connection's endpoints that asked for this event."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.connection_id == connection_id)
    return [e for e in db.session.scalars(query) if event_type in (e.events or [])]
