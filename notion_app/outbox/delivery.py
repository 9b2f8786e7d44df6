"""Sending: claim a due row with a lease, send it once, record what Notion said.

A row is committed before any Notion call. `claim` leases it to one sender (a web request, the
thread sender, an RQ job); a sender that dies loses its lease and the row is claimed again. A
create whose outcome is unknown (timeout, 5xx) is reconciled first (`reconcile.find_sent_page`)
and only sent again when the app's own page with the row's values is not in Notion; an update
(`target_page_id`) is checked the same way by reading its page (`updates.landed`).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from .. import webhooks
from ..connections.tokens import NeedsReconnect, with_client
from ..extensions import db
from ..files import storage, uploading
from ..models import Import, NotionConnection, RowState, RowSubmission, utcnow
from ..notion import errors as nerr
from ..notion import oauth
from . import listeners, reconcile, sender, updates

WAITING_FOR_RECONNECT = "Waiting for you to reconnect this Notion workspace."
MISCONFIGURED = (
    "This app is misconfigured: Notion refused its credentials. Your row is kept and is sent "
    "once the administrator fixes it; reconnecting will not help."
)
# A row is due when it waits for its time, or its sender's lease ran out.
RETRYABLE = (RowState.PENDING, RowState.UNKNOWN)


def lease_seconds() -> float:
    """How long a claim holds a row: longer than one delivery can take (the sweep's 30 s of
    waiting, a reconcile of up to 3 queries and the create, each bounded by the background read
    timeout of 65 s)."""
    return float(current_app.config.get("OUTBOX_LEASE_SECONDS", 300))


def _due(now: datetime):
    return or_(
        RowSubmission.state.in_(RETRYABLE)
        & RowSubmission.next_attempt_at.is_not(None)
        & (RowSubmission.next_attempt_at <= now),
        (RowSubmission.state == RowState.SENDING) & (RowSubmission.lease_until < now),
    )


def claim(row_id: int) -> str | None:
    """Lease the row if it is due; returns the state it had (None: not ours to send now)."""
    now = utcnow()
    row = db.session.get(RowSubmission, row_id)
    if row is None:
        return None
    previous = row.state
    stmt = (
        update(RowSubmission)
        .where(RowSubmission.id == row_id, RowSubmission.state == previous, _due(now))
        .values(
            state=RowState.SENDING,
            lease_until=now + timedelta(seconds=lease_seconds()),
            attempts=RowSubmission.attempts + 1,
        )
    )
    won = db.session.execute(stmt).rowcount == 1
    db.session.commit()
    return previous if won else None


def send_now(
    row: RowSubmission, max_wait: float | None = None, *, background: bool = False
) -> RowSubmission:
    """Try to send one row now (it must be due); never raises for Notion trouble.

    The row form calls it inside a web request (short read timeout); the sweep passes
    `background=True`, whose read timeout outlasts Notion's 60 s server limit.
    """
    if max_wait is None:
        max_wait = current_app.config["SEND_BUDGET_SECONDS"]
    previous = claim(row.id)
    db.session.refresh(row)
    if previous is not None:
        _deliver(row, row.lease_until, max_wait=max_wait, background=background,
                 reconcile_first=previous in (RowState.UNKNOWN, RowState.SENDING))
        db.session.refresh(row)
    return row


def _deliver(
    row: RowSubmission, lease, *, reconcile_first: bool, max_wait: float, background: bool = False
) -> None:
    """Send the claimed row (held until `lease`) and record what Notion said."""
    conn = db.session.get(NotionConnection, row.connection_id) if row.connection_id else None
    if conn is None:
        return _record_outcome(row, lease, RowState.FAILED,
                               error="This Notion connection was removed.")
    try:
        check = updates.landed if row.target_page_id else reconcile.find_sent_page
        page = check(row, conn, max_wait, background=background) if reconcile_first else None
        again = reconcile.look_again_at(row) if reconcile_first and page is None else None
        if again is not None:  # not in Notion's query yet is not "not made": never resend now
            return _record_outcome(row, lease, RowState.UNKNOWN, error=row.last_error,
                                   prop=row.error_property, due=again)
        if page is None and _import_cancelled(row):
            return _record_outcome(row, lease, RowState.CANCELLED,
                                   error="Cancelled before sending.", due=None)
        if page is None:
            begin_attempt(row, conn)
            page = with_client(
                conn, lambda c: updates.write(c, row) if row.target_page_id else c.create_page(
                    row.data_source_id, uploading.properties_to_send(c, row), row.template),
                max_wait, background=background,
            )
    except (NeedsReconnect, nerr.NotionError, oauth.TokenResponseError) as exc:
        retry_state = RowState.UNKNOWN if reconcile_first else RowState.PENDING
        state, outcome = _failure(exc, row, retry_state)
        return _record_outcome(row, lease, state, **outcome)
    _record_sent(row, lease, page)


def _failure(exc: Exception, row: RowSubmission, retry_state: RowState) -> tuple[RowState, dict]:
    """The state and the outcome to record for what went wrong. A row whose create may have
    reached Notion comes back as `retry_state` (unknown when it was being reconciled)."""
    later = {"due": _after(_backoff(row.attempts))}
    if isinstance(exc, NeedsReconnect):
        return retry_state, {"error": WAITING_FOR_RECONNECT, "due": None}
    if isinstance(exc, nerr.NotionRateLimited):
        return retry_state, {"error": "Notion asked us to slow down; sending shortly.",
                             "due": _after(exc.retry_after or 1)}
    if isinstance(exc, nerr.NotionOutcomeUnknown):
        # Looked for once its page would be in Notion's query results: one query, not two.
        settled = reconcile.look_again_at(row)
        due = max(later["due"], settled) if settled else later["due"]
        return RowState.UNKNOWN, {
            "error": "Notion did not answer in time; checking before sending again.", "due": due,
        }
    if isinstance(exc, nerr.NotionValidationError):
        # The row's own property names (spaces, dots, brackets, emoji) tell the field exactly;
        # the client, which knows no schema, can only guess up to the first dot or space.
        names = list((row.properties or {}).keys())
        names += [f.property_name for f in storage.files_of(row.id) if f.property_name not in names]
        prop = nerr.property_for(exc.message, names) if names else exc.property_name
        return RowState.FAILED, {"error": exc.message, "prop": prop}
    if isinstance(exc, nerr.NotionNotFound | nerr.NotionForbidden):
        return RowState.FAILED, {"error": exc.message}
    if isinstance(exc, oauth.ClientMisconfigured):
        return retry_state, {"error": MISCONFIGURED, **later}
    if isinstance(exc, oauth.TokenEndpointUnavailable):  # the refresh call: temporary
        return retry_state, {
            "error": "Notion could not be reached to renew access; retrying.",
            "due": _after(max(exc.retry_after or 0, _backoff(row.attempts))),
        }
    message = getattr(exc, "message", None) or getattr(exc, "reason", None)
    return retry_state, {"error": message or "Notion could not be reached.", **later}


def begin_attempt(row: RowSubmission, conn: NotionConnection) -> None:
    """Remember which bot sends this create and since when (what reconciliation looks for)."""
    bots = list(row.attempt_bot_ids or [])
    if conn.bot_id not in bots:
        bots.append(conn.bot_id)
    row.attempt_bot_ids = bots
    row.first_attempt_at = row.first_attempt_at or utcnow()
    row.last_attempt_at = utcnow()
    db.session.commit()


def _import_cancelled(row: RowSubmission) -> bool:
    if row.import_id is None:
        return False
    state = db.session.scalar(select(Import.state).where(Import.id == row.import_id))
    return state == "cancelled"


def _after(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=max(0.0, float(seconds)))


def _backoff(attempts: int) -> float:
    # Jitter for retry spacing, not a secret.
    return min(300.0, 2.0 ** min(attempts, 8)) * (0.5 + random.random() / 2)  # noqa: S311 # nosec B311


def _record_outcome(row, lease, state, *, error=None, prop=None, due="keep") -> None:
    """Write the attempt's outcome, only while this sender still holds the lease (a sender that
    outlived its lease must not overwrite what the row's next sender found)."""
    values = {"state": state, "lease_until": None, "last_error": (error or "")[:2000] or None,
              "error_property": prop}
    if due != "keep":
        values["next_attempt_at"] = due
    written = _write_if_leased(row, lease, values, event=state)
    if written and state in RETRYABLE:
        next_at = values.get("next_attempt_at", row.next_attempt_at)
        if next_at is not None:
            sender.wake(at=next_at)
    elif written and state == RowState.FAILED:
        listeners.row_failed(row)  # e.g. a public form's owner is mailed (queued, not sent here)


def _record_sent(row: RowSubmission, lease, page: dict) -> None:
    storage.drop_bytes(row.id)  # the page exists: Notion has the files
    _write_if_leased(row, lease, {
        "state": RowState.SENT, "lease_until": None, "notion_page_id": page.get("id"),
        "notion_page_url": page.get("url"), "sent_at": utcnow(), "last_error": None,
        "error_property": None,
    }, event=RowState.SENT)


def _write_if_leased(row: RowSubmission, lease, values: dict, event=None) -> bool:
    stmt = (
        update(RowSubmission)
        .where(RowSubmission.id == row.id, RowSubmission.state == RowState.SENDING,
               RowSubmission.lease_until == lease)
        .values(**values)
    )
    won = db.session.execute(stmt).rowcount == 1
    if won and event in (RowState.SENT, RowState.FAILED):
        webhooks.row_event(row, event, values)  # saved with the outcome; sent after the commit
    db.session.commit()
    return won


def due_row_ids(limit: int = 50, per_connection: int | None = None) -> list[int]:
    """Due rows, the longest waiting first; with `per_connection`, at most that many of each
    connection, taken in turn (A1, B1, A2, B2, ...): one connection's big import never queues
    another connection's row behind it (T50)."""
    turn = func.row_number().over(
        partition_by=RowSubmission.connection_id,
        order_by=(RowSubmission.next_attempt_at, RowSubmission.id),
    ).label("turn")
    due = select(RowSubmission.id, RowSubmission.next_attempt_at, turn).where(
        _due(utcnow())).subquery()
    query = select(due.c.id).order_by(due.c.turn, due.c.next_attempt_at, due.c.id).limit(limit)
    if per_connection is not None:
        query = query.where(due.c.turn <= per_connection)
    return list(db.session.scalars(query))


def sweep(limit: int = 50, max_wait: float = 30.0, per_connection: int | None = 1) -> int:
    """Send the due rows once, one per connection with due rows by default (the background
    sender's unit of work, with the background read timeout; the caller sweeps again at once,
    so a row that comes due meanwhile waits for one turn at most); returns rows tried."""
    tried = 0
    for row_id in due_row_ids(limit, per_connection):
        row = db.session.get(RowSubmission, row_id)
        if row is not None:
            send_now(row, max_wait=max_wait, background=True)
            tried += 1
    return tried


def next_due_in() -> float | None:
    """Seconds until the next row becomes due (0: one is due now); None when nothing waits."""
    now = utcnow()
    waiting = select(func.min(RowSubmission.next_attempt_at)).where(
        RowSubmission.state.in_(RETRYABLE), RowSubmission.next_attempt_at.is_not(None)
    )
    leased = select(func.min(RowSubmission.lease_until)).where(
        RowSubmission.state == RowState.SENDING
    )
    times = [t for t in (db.session.scalar(waiting), db.session.scalar(leased)) if t is not None]
    if not times:
        return None
    return max(0.0, (min(times) - now).total_seconds())
