"""Signed links mailed to an account's owner (password reset, email confirmation).

A link's token is an itsdangerous URLSafeTimedSerializer dump: signed with SECRET_KEY and a salt
of the link's own (a confirmation token is never a reset token), dated, refused after its
`max_age`. It travels as a `token=` query parameter, which the log redaction masks (the access
log of development's server shows the request line; gunicorn's shows the path only), and the
pages that carry one in their address send no Referer. What makes a link single-use is in its
payload: the caller puts something there that the link's use changes.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer


class LinkRefused(ValueError):
    """The token is forged, damaged, expired or already used; `expired` says which to tell."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(salt: str, issued_at: float | None = None) -> URLSafeTimedSerializer:
    signer = TimestampSigner
    if issued_at is not None:  # a token dated in the past (tests of expiry never sleep)

        class _Dated(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(issued_at)

        signer = _Dated
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=signer)


def sign(salt: str, payload: dict[str, Any], issued_at: float | None = None) -> str:
    return _serializer(salt, issued_at).dumps(payload)


def load(salt: str, token: str | None, max_age: int) -> dict[str, Any]:
    """The payload of a valid token; LinkRefused otherwise."""
    if not token or len(token) > 1000:
        raise LinkRefused()
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkRefused(expired=True) from exc
    except BadSignature as exc:
        raise LinkRefused() from exc
    if not isinstance(payload, dict):
        raise LinkRefused()
    return payload


def no_referrer(response):
    """A page whose address holds a token tells no other page (nor its own assets) about it;
    without one in the address, the site's policy stays."""
    if request.args.get("token"):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
