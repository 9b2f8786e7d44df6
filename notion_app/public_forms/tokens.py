"""The public form's anti-forgery token: stateless, because an embedded form has no session.

A session cookie with SameSite=Lax is not sent inside another site's <iframe>, so session CSRF
would refuse every embedded submission. Instead each served form carries a token signed with
SECRET_KEY (itsdangerous, a salt of its own, as accounts/links.py signs mailed links) holding the
form's public id, the moment it was served and a nonce. The signature proves the token came from
this app for this form; the moment gives the minimum-time check (a bot posts at once) and the
expiry; the nonce becomes the row's outbox nonce, so sending the same served form twice (a double
click, Back and send again) makes one row.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "public-form"
MAX_LENGTH = 500


class TokenRefused(ValueError):
    """Forged, damaged, for another form, or expired: the form is served again."""


@dataclass(frozen=True)
class Served:
    """What a valid token says: when the form was served and the nonce of its row."""

    served_at: float
    nonce: str

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.served_at


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(public_id: str, *, served_at: float | None = None, nonce: str | None = None) -> str:
    """A token for one serving of the form (`served_at`: a moment in the past, for tests)."""
    payload = {
        "f": public_id,
        "t": round(time.time() if served_at is None else served_at, 3),
        "n": nonce or uuid.uuid4().hex,
    }
    return _serializer().dumps(payload)


def check(public_id: str, token: str | None) -> Served:
    """The serving a token stands for; TokenRefused unless it is this form's and not expired."""
    if not token or len(token) > MAX_LENGTH:
        raise TokenRefused()
    try:
        payload = _serializer().loads(token)
    except BadSignature as exc:
        raise TokenRefused() from exc
    if not isinstance(payload, dict) or payload.get("f") != public_id:
        raise TokenRefused()
    served_at, nonce = payload.get("t"), payload.get("n")
    if not isinstance(served_at, int | float) or not isinstance(nonce, str) or len(nonce) != 32:
        raise TokenRefused()
    served = Served(float(served_at), nonce)
    if served.age() > current_app.config["FORM_TOKEN_MAX_AGE"]:
        raise TokenRefused()
    return served


def too_fast(served: Served) -> bool:
    """Sent sooner after serving than a person fills a form (FORM_MIN_SECONDS)."""
    return served.age() < current_app.config["FORM_MIN_SECONDS"]
