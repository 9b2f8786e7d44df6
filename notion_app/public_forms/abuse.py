"""What keeps bots and floods off a public form (T43 in docs/security.md), besides the signed token.

- The honeypot: an input people never see (hidden by CSS, out of the tab order, labelled "leave
  empty"); a bot that fills every input gets the thank-you page and nothing is saved.
- Rate limits per client address and per form (FORM_RATE_LIMIT, FORM_RATE_FORM_LIMIT within
  FORM_RATE_WINDOW), on the counters every worker shares (accounts/throttle.py: Redis when
  REDIS_URL is set, the database otherwise). Every POST counts; once over, a 429 with
  Retry-After until a window has passed since the last one counted.
- Availability: a closed, expired or full form (or one whose owner's address is no longer
  confirmed) refuses politely and saves nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts import throttle
from ..accounts.confirmation import is_confirmed
from ..models import ConnectionState, utcnow
from .models import PublicForm

HONEYPOT = "website"  # the name a form-filling bot is drawn to


def caught_by_honeypot(form_data) -> bool:
    return bool(str(form_data.get(HONEYPOT) or "").strip())


@dataclass(frozen=True)
class Refusal:
    """Why a form takes no answers now, in the visitor's words."""

    title: object
    detail: object


CLOSED = Refusal(_l("This form is closed"), _l("It is not taking answers at the moment."))
EXPIRED = Refusal(_l("This form is closed"), _l("The time for answers has passed."))
FULL = Refusal(_l("This form is closed"), _l("It has all the answers it can take."))


def refusal(form: PublicForm) -> Refusal | None:
    """None when the form takes answers now; why not otherwise."""
    if not form.is_open or not is_confirmed(form.user):
        return CLOSED
    if form.connection is None or form.connection.state == ConnectionState.DISCONNECTED:
        return CLOSED
    if form.closes_at is not None and utcnow() >= form.closes_at:
        return EXPIRED
    if form.max_submissions is not None and form.submission_count >= form.max_submissions:
        return FULL
    return None


def _counters(form: PublicForm, address: str | None) -> tuple[throttle.Counter, throttle.Counter]:
    cfg = current_app.config
    window = cfg["FORM_RATE_WINDOW"]

    def rule(limit: int) -> throttle.Rule:
        return throttle.Rule(limit=limit, window=window, delay=window, cap=window)

    def key(kind: str, *parts: str) -> str:
        return f"{kind}:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:48]

    return (
        throttle.Counter(key("form-ip", address or "-"),
                         rule(cfg["FORM_RATE_LIMIT"])),
        throttle.Counter(key("form", form.public_id), rule(cfg["FORM_RATE_FORM_LIMIT"])),
    )


def rate_limited(form: PublicForm, address: str | None) -> int:
    """Seconds this address must wait before posting to the form again (0: go ahead); a POST
    let through is counted at once, on both counters."""
    counters = _counters(form, address)
    wait = max(throttle.retry_after(c) for c in counters)
    if not wait:
        throttle.record(*counters)
    return wait
