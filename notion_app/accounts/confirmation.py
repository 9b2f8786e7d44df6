"""Email confirmation: a signed link mailed at sign-up (and again on request) proves the owner
reads the address. Sign-up still logs the person in; what reaches other people or programs in
their name (a public form going live, an API token) waits for the confirmation:
`require_confirmed` guards such a view, `is_confirmed` answers for a template or a service.

The link is valid for CONFIRMATION_MAX_AGE (7 days) and names the address it confirms, so it
cannot confirm another one; following it twice is harmless (already confirmed).
"""

from __future__ import annotations

from functools import wraps

from flask import current_app, render_template, url_for
from flask_login import current_user

from .. import mail
from ..buttons import PostForm
from ..extensions import db
from ..models import User, utcnow
from . import links

SALT = "email-confirmation"
CONFIRMATION_MAX_AGE = 7 * 24 * 3600

SUBJECT = "Confirm your email address for Notion Rows"
BODY = """Hello,

You created a Notion Rows account with this address. To confirm that it is yours, open this
link and press "Confirm my address" (the link works for 7 days):

{link}

Until then you can add rows as usual; sharing a public form or making an API token waits for
the confirmation. If you did not sign up, ignore this mail: nothing is confirmed without it.
"""


def is_confirmed(user) -> bool:
    """Whether the account's owner followed a confirmation link for its current address."""
    return getattr(user, "email_confirmed_at", None) is not None


def token_for(user: User, issued_at: float | None = None) -> str:
    return links.sign(SALT, {"u": user.id, "e": user.email}, issued_at)


def link_for(user: User) -> str:
    return url_for("accounts.confirm_email", token=token_for(user), _external=True)


def send_link(user: User) -> None:
    """Mail the confirmation link (in the background; a failure is logged, never raised)."""
    mail.send(user.email, SUBJECT, BODY.format(link=link_for(user)))


def user_for(token: str | None) -> User:
    """The account a valid link confirms; links.LinkRefused otherwise (forged, expired, or for
    an address the account no longer has, or an account deleted since)."""
    payload = links.load(SALT, token, CONFIRMATION_MAX_AGE)
    user_id = payload.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.email != payload.get("e"):
        raise links.LinkRefused()
    return user


def confirm(token: str | None) -> tuple[User, bool]:
    """Confirm the link's address; (the user, whether it was confirmed before)."""
    user = user_for(token)
    if is_confirmed(user):
        return user, True
    user.email_confirmed_at = utcnow()
    db.session.commit()
    return user, False


def require_confirmed(view):
    """A view for confirmed accounts only: a person not logged in is sent to log in; an
    unconfirmed one gets a 403 page that says to confirm first, with the resend button."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not is_confirmed(current_user):
            page = render_template("accounts/confirm_first.html", resend_form=PostForm())
            return page, 403
        return view(*args, **kwargs)

    return guarded
