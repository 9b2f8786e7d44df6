"""Sending saved deliveries: claim one with a lease, POST it signed, log the attempt.

Like the outbox, a delivery is leased to one sender at a time (any number of threads and RQ
workers may sweep at once). Each attempt is signed as Standard Webhooks says (`webhook-id`,
`webhook-timestamp`, `webhook-signature`), goes to the address ssrf.check just resolved, waits
WEBHOOK_TIMEOUT_SECONDS, and is written to the delivery log. A timeout, a connection error or a
non-2xx answer (and a host name that does not resolve) is tried again with exponential backoff
until WEBHOOK_RETRY_HOURS after the event; a URL that became unsafe is given up at once.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime, timedelta

import urllib3
from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from standardwebhooks import Webhook

from ..extensions import db
from ..models import utcnow
from . import endpoints, ssrf
from .models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
LEASE_SECONDS = 60  # longer than one attempt can take (the resolve and the 10 s timeout)
FIRST_RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 3600.0
USER_AGENT = "NotionRows-Webhooks/1"


def _due(now: datetime):
    return or_(
        (WebhookDelivery.state == DeliveryState.PENDING)
        & WebhookDelivery.next_attempt_at.is_not(None)
        & (WebhookDelivery.next_attempt_at <= now),
        (WebhookDelivery.state == DeliveryState.SENDING) & (WebhookDelivery.lease_until < now),
    )


def due_ids(limit: int = 20) -> list[int]:
    query = (select(WebhookDelivery.id).where(_due(utcnow()))
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    return list(db.session.scalars(query))


def claim(delivery_id: int) -> datetime | None:
    """Lease the delivery if it is due; the lease's end (None: not ours to send now)."""
    now = utcnow()
    lease = now + timedelta(seconds=LEASE_SECONDS)
    stmt = (update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, _due(now))
            .values(state=DeliveryState.SENDING, lease_until=lease,
                    attempts=WebhookDelivery.attempts + 1))
    won = db.session.execute(stmt).rowcount == 1
    db.session.commit()
    return lease if won else None


def attempt(delivery_id: int) -> bool:
    """Send the delivery once if it is due; whether this sender tried it."""
    lease = claim(delivery_id)
    if lease is None:
        return False
    delivery = db.session.get(WebhookDelivery, delivery_id)
    db.session.refresh(delivery)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    status, error, retry = _send(endpoint, delivery)
    _record(delivery, lease, status, error, retry)
    return True


def signed_headers(secret: str, message_id: str, body: str) -> dict:
    now = datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def body_of(delivery: WebhookDelivery) -> str:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)


def _send(endpoint: WebhookEndpoint, delivery: WebhookDelivery):
    """(status code or None, error or None, worth retrying) of one POST."""
    config = current_app.config
    body = body_of(delivery)
    try:
        target = ssrf.check(endpoint.url, endpoints.allow_private())
        status = ssrf.post(target, body.encode(),
                           signed_headers(endpoints.secret_of(endpoint), delivery.message_id,
                                          body),
                           float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10.0)))
    except ssrf.HostNotFound as exc:
        return None, exc.message, True
    except ssrf.UnsafeUrl as exc:
        return None, exc.message, False
    except urllib3.exceptions.NewConnectionError:  # a subclass of urllib3's timeout errors
        return None, "Could not connect (the connection was refused or failed).", True
    except urllib3.exceptions.TimeoutError:
        return None, "No answer within the timeout.", True
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return None, f"Could not connect ({type(exc).__name__}).", True
    if 200 <= status < 300:
        return status, None, False
    if 300 <= status < 400:
        return status, f"Answered {status}, a redirect: not followed.", True
    return status, f"Answered {status}.", True


def _backoff(attempts: int) -> float:
    # Jitter spreads retries of many deliveries apart; it is not a secret.
    base = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2.0 ** max(0, attempts - 1))
    return base * (0.8 + random.random() * 0.4)  # noqa: S311 # nosec B311


def _record(delivery: WebhookDelivery, lease: datetime, status, error, retry: bool) -> None:
    """Log the attempt and move the delivery on (only while this sender holds its lease)."""
    now = utcnow()
    give_up_at = delivery.created_at + timedelta(
        hours=float(current_app.config.get("WEBHOOK_RETRY_HOURS", 24.0)))
    next_try = now + timedelta(seconds=_backoff(delivery.attempts)) if retry else None
    if next_try is not None and next_try > give_up_at:
        next_try, error = None, f"{error} Given up: tried for {_hours(delivery, now)}."
    if error is None:
        values = {"state": DeliveryState.DELIVERED, "delivered_at": now}
    else:
        values = {"state": DeliveryState.PENDING if next_try else DeliveryState.FAILED}
    values.update(lease_until=None, next_attempt_at=next_try)
    stmt = (update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id,
                   WebhookDelivery.state == DeliveryState.SENDING,
                   WebhookDelivery.lease_until == lease)
            .values(**values))
    if db.session.execute(stmt).rowcount == 1:
        db.session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=status,
                                      error=error, next_try_at=next_try))
    db.session.commit()
    log.info("webhook delivery %s: %s", delivery.id, values["state"])


def _hours(delivery: WebhookDelivery, now: datetime) -> str:
    hours = (now - delivery.created_at).total_seconds() / 3600
    return f"{hours:.0f} hours" if hours >= 2 else f"{hours * 60:.0f} minutes"


def sweep(limit: int = 20) -> int:
    """Try the due deliveries once each; how many this sender tried."""
    return sum(attempt(delivery_id) for delivery_id in due_ids(limit))


def purge_old(now: datetime) -> int:
    """Delete delivered and given-up deliveries (and their log) older than WEBHOOK_LOG_DAYS:
    the log is for seeing what happened lately, not an archive of every row's payload."""
    days = float(current_app.config.get("WEBHOOK_LOG_DAYS", 30))
    stmt = delete(WebhookDelivery).where(
        WebhookDelivery.state.in_((DeliveryState.DELIVERED, DeliveryState.FAILED)),
        WebhookDelivery.created_at < now - timedelta(days=days))
    removed = db.session.execute(stmt).rowcount
    db.session.commit()
    return removed


def next_due_in() -> float | None:
    """Seconds until the next delivery is due (0: one is due now); None when none waits."""
    waiting = select(func.min(WebhookDelivery.next_attempt_at)).where(
        WebhookDelivery.state == DeliveryState.PENDING)
    leased = select(func.min(WebhookDelivery.lease_until)).where(
        WebhookDelivery.state == DeliveryState.SENDING)
    times = [t for t in (db.session.scalar(waiting), db.session.scalar(leased)) if t]
    if not times:
        return None
    return max(0.0, (min(times) - utcnow()).total_seconds())
