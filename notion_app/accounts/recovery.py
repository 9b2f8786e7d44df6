"""Password reset by email: a signed link, valid for an hour, that works once.

`request_reset(email)` does the same work whether or not an account uses the address (a token
is signed either way; the mail goes out in the background), so neither the answer nor its time
tells. The token (links.py, a salt of its own) carries the account's id and a fingerprint of its
current password hash: any new password (a new salt, so even the same password) voids every
earlier link, and `reset_password` writes the new hash only while the old one is still there, so
two presses of one link set one password. A reset ends every login session of the account;
following the mailed link also proves the owner reads the address, so it confirms it too.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import url_for
from sqlalchemy import delete, select, update

from .. import mail
from ..extensions import db
from ..models import LoginSession, User, utcnow
from . import links
from .users import hash_password, normalize_email

SALT = "password-reset"
RESET_MAX_AGE = 3600

SUBJECT = "Choose a new password for Notion Rows"
BODY = """Hello,

Someone (we hope you) asked to choose a new password for the Notion Rows account that uses
this address. To choose one, open this link within an hour; it works once:

{link}

If you did not ask, ignore this mail: your password stays as it is, and nobody can use this
link without reading your mail.
"""


def _fingerprint(password_hash: str) -> str:
    """Changes whenever the password does; tells nothing about the password."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def token_for(user: User, issued_at: float | None = None) -> str:
    return links.sign(SALT, {"u": user.id, "p": _fingerprint(user.password_hash)}, issued_at)


def request_reset(email: str) -> None:
    """Mail a reset link to the account using `email`, if there is one; the same work if not."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        links.sign(SALT, {"u": 0, "p": _fingerprint("")})  # the same work, and nothing sent
        return
    link = url_for("accounts.reset_password", token=token_for(user), _external=True)
    mail.send(user.email, SUBJECT, BODY.format(link=link))


def user_for(token: str | None) -> User:
    """The account a valid, unused link resets; links.LinkRefused otherwise."""
    payload = links.load(SALT, token, RESET_MAX_AGE)
    user_id, fingerprint = payload.get("u"), payload.get("p")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not isinstance(fingerprint, str) or not hmac.compare_digest(
        fingerprint, _fingerprint(user.password_hash)
    ):
        raise links.LinkRefused()
    return user


def reset_password(token: str | None, new_password: str) -> User:
    """Set the new password if the link is still valid and unused; every login session of the
    account ends (the caller starts a new one). links.LinkRefused otherwise."""
    user = user_for(token)
    old_hash = user.password_hash
    values = {"password_hash": hash_password(new_password)}
    if user.email_confirmed_at is None:
        values["email_confirmed_at"] = utcnow()
    changed = db.session.execute(
        update(User).where(User.id == user.id, User.password_hash == old_hash).values(**values)
    )
    if changed.rowcount != 1:  # the same link pressed twice at once: the other one won
        db.session.rollback()
        raise links.LinkRefused()
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.commit()
    db.session.refresh(user)
    return user
