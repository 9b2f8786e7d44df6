"""The outbox: a row is committed before any Notion call, claimed with a lease, sent once.

States: pending (due at next_attempt_at, or waiting for a reconnect when that is NULL),
sending (leased by one worker), sent, failed (Notion refused it: fix and retry), unknown (the
create may have reached Notion: reconcile by looking for it before any resend).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import clients, workspaces
from .extensions import db
from .models import NotionConnection, RowSubmission, User, utcnow
from .notion import errors as nerr
from .notion import oauth

log = logging.getLogger(__name__)
LEASE_SECONDS = 90
UNSENT = ("pending", "failed", "unknown")
WAITING_FOR_RECONNECT = "Waiting for you to reconnect this Notion workspace."


def submit(
    user: User,
    conn: NotionConnection,
    *,
    data_source_id: str,
    data_source_title: str | None,
    properties: dict,
    title_property: str | None,
    title_text: str | None,
    nonce: str,
    import_id: int | None = None,
    row_number: int | None = None,
) -> tuple[RowSubmission, bool]:
    """Save the row as pending; a nonce seen before returns the row it made and False."""
    existing = _by_nonce(user.id, nonce)
    if existing is not None:
        return existing, False
    row = RowSubmission(
        user_id=user.id,
        connection_id=conn.id,
        data_source_id=data_source_id,
        data_source_title=(data_source_title or "")[:255] or None,
        properties=properties,
        title_property=(title_property or "")[:255] or None,
        title_text=title_text,
        client_nonce=nonce,
        import_id=import_id,
        row_number=row_number,
        state="pending",
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _by_nonce(user.id, nonce), False
    return row, True


def _by_nonce(user_id: int, nonce: str) -> RowSubmission | None:
    query = select(RowSubmission).where(
        RowSubmission.user_id == user_id, RowSubmission.client_nonce == nonce
    )
    return db.session.scalar(query)


def claim(row_id: int) -> str | None:
    """Lease the row if it is due; returns the state it had (None: not ours to send now)."""
    now = utcnow()
    row = db.session.get(RowSubmission, row_id)
    if row is None:
        return None
    previous = row.state
    due = or_(
        (RowSubmission.state.in_(("pending", "unknown")))
        & (RowSubmission.next_attempt_at.is_not(None))
        & (RowSubmission.next_attempt_at <= now),
        (RowSubmission.state == "sending") & (RowSubmission.lease_until < now),
    )
    stmt = (
        update(RowSubmission)
        .where(RowSubmission.id == row_id, RowSubmission.state == previous, due)
        .values(
            state="sending",
            lease_until=now + timedelta(seconds=LEASE_SECONDS),
            attempts=RowSubmission.attempts + 1,
        )
    )
    won = db.session.execute(stmt).rowcount == 1
    db.session.commit()
    return previous if won else None


def send_now(row: RowSubmission, max_wait: float | None = None) -> RowSubmission:
    """Try to send one row now (it must be due); never raises for Notion trouble."""
    if max_wait is None:
        max_wait = current_app.config["SEND_BUDGET_SECONDS"]
    previous = claim(row.id)
    db.session.refresh(row)
    if previous is not None:
        _deliver(row, reconcile=previous in ("unknown", "sending"), max_wait=max_wait)
    return row


def _deliver(row: RowSubmission, *, reconcile: bool, max_wait: float) -> None:
    retry_state = "unknown" if reconcile else "pending"
    conn = db.session.get(NotionConnection, row.connection_id) if row.connection_id else None
    if conn is None:
        return _finish(row, "failed", error="This Notion connection was removed.")
    try:
        page = _find_existing(row, conn, max_wait) if reconcile else None
        if page is None:
            page = clients.with_client(
                conn, lambda c: c.create_page(row.data_source_id, row.properties), max_wait
            )
    except workspaces.NeedsReconnect:
        return _finish(row, retry_state, error=WAITING_FOR_RECONNECT, due=None)
    except nerr.NotionRateLimited as exc:
        return _finish(
            row,
            retry_state,
            error="Notion asked us to slow down; sending shortly.",
            due=_after(exc.retry_after or 1),
        )
    except nerr.NotionOutcomeUnknown:
        return _finish(
            row,
            "unknown",
            error="Notion did not answer in time; checking before sending again.",
            due=_after(_backoff(row.attempts)),
        )
    except nerr.NotionValidationError as exc:
        return _finish(row, "failed", error=exc.message, prop=exc.property_name)
    except (nerr.NotionNotFound, nerr.NotionForbidden) as exc:
        return _finish(row, "failed", error=exc.message)
    except (nerr.NotionError, oauth.TokenResponseError) as exc:
        return _finish(
            row,
            retry_state,
            error=getattr(exc, "message", None) or "Notion could not be reached.",
            due=_after(_backoff(row.attempts)),
        )
    _mark_sent(row, page)


def _find_existing(row: RowSubmission, conn: NotionConnection, max_wait: float) -> dict | None:
    """Look for the row in Notion before sending it again (its earlier create may have worked)."""
    if not row.title_property:
        return None
    taken = frozenset(
        (pid or "").replace("-", "").lower()
        for pid in db.session.scalars(
            select(RowSubmission.notion_page_id).where(
                RowSubmission.data_source_id == row.data_source_id,
                RowSubmission.notion_page_id.is_not(None),
                RowSubmission.id != row.id,
            )
        )
    )
    return clients.with_client(
        conn,
        lambda c: c.find_page_by_title(
            row.data_source_id,
            row.title_property,
            row.title_text or "",
            created_after=row.created_at - timedelta(minutes=1),
            exclude_ids=taken,
        ),
        max_wait,
    )


def _after(seconds: float):
    return utcnow() + timedelta(seconds=max(0.0, float(seconds)))


def _backoff(attempts: int) -> float:
    # Jitter for retry spacing, not a secret.
    return min(300.0, 2.0 ** min(attempts, 8)) * (0.5 + random.random() / 2)  # noqa: S311 # nosec B311


def _finish(row, state, *, error=None, prop=None, due="keep") -> None:
    row.state = state
    row.lease_until = None
    row.last_error = (error or "")[:2000] or None
    row.error_property = prop
    if due != "keep":
        row.next_attempt_at = due
    db.session.commit()


def _mark_sent(row: RowSubmission, page: dict) -> None:
    row.state = "sent"
    row.lease_until = None
    row.notion_page_id = page.get("id")
    row.notion_page_url = page.get("url")
    row.sent_at = utcnow()
    row.last_error = None
    row.error_property = None
    db.session.commit()


def retry(row: RowSubmission) -> None:
    """Make an unsent row due now (an unknown one is still reconciled first)."""
    if row.state in UNSENT:
        row.state = "unknown" if row.state == "unknown" else "pending"
        row.next_attempt_at = utcnow()
        db.session.commit()


def discard(row: RowSubmission) -> bool:
    """Forget an unsent row (a sent one stays in the history)."""
    if row.state not in UNSENT:
        return False
    db.session.delete(row)
    db.session.commit()
    return True


def resume_connection(conn: NotionConnection) -> int:
    """After a reconnect: rows that waited for it become due now."""
    stmt = (
        update(RowSubmission)
        .where(
            RowSubmission.connection_id == conn.id,
            RowSubmission.state.in_(("pending", "unknown")),
            RowSubmission.next_attempt_at.is_(None),
        )
        .values(next_attempt_at=utcnow())
    )
    count = db.session.execute(stmt).rowcount
    db.session.commit()
    return count


def due_row_ids(limit: int = 50) -> list[int]:
    now = utcnow()
    query = (
        select(RowSubmission.id)
        .where(
            or_(
                RowSubmission.state.in_(("pending", "unknown"))
                & (RowSubmission.next_attempt_at <= now),
                (RowSubmission.state == "sending") & (RowSubmission.lease_until < now),
            )
        )
        .order_by(RowSubmission.next_attempt_at, RowSubmission.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def sweep(limit: int = 50, max_wait: float = 30.0) -> int:
    """Send every due row once (the background sender's unit of work); returns rows tried."""
    tried = 0
    for row_id in due_row_ids(limit):
        row = db.session.get(RowSubmission, row_id)
        if row is not None:
            send_now(row, max_wait=max_wait)
            tried += 1
    return tried


def next_due_in() -> float | None:
    """Seconds until the next row becomes due (0: one is due now); None when nothing waits."""
    now = utcnow()
    waiting = select(func.min(RowSubmission.next_attempt_at)).where(
        RowSubmission.state.in_(("pending", "unknown")), RowSubmission.next_attempt_at.is_not(None)
    )
    leased = select(func.min(RowSubmission.lease_until)).where(RowSubmission.state == "sending")
    times = [t for t in (db.session.scalar(waiting), db.session.scalar(leased)) if t is not None]
    if not times:
        return None
    return max(0.0, (min(times) - now).total_seconds())
