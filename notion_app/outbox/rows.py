"""What people and programs do to rows: submit, retry, discard, cancel and resume an import's,
resume a reconnected workspace's. The one place besides delivery that writes a row's state.

`submit` is the only way a row comes into being: the row form, the CSV import (`submit_many`),
the rows API, and the public forms to come. It saves the row before any Notion call and wakes the
sender; nothing typed is lost whatever Notion does next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..files import storage
from ..models import NotionConnection, RowState, RowSubmission, User, utcnow
from ..notion import properties as notion_properties
from . import delivery, sender

UNSENT = (RowState.PENDING, RowState.FAILED, RowState.UNKNOWN)
# Rows still on their way: shown as waiting when their workspace is disconnected.
WAITING = (RowState.PENDING, RowState.SENDING, RowState.UNKNOWN)


class AlreadySubmitted(Exception):
    """A batch whose nonces were seen before: nothing of it was saved twice."""


@dataclass(frozen=True)
class NewRow:
    """One row to submit: Notion property values, and the nonce that makes a resubmit a no-op;
    `template`, when given, is applied by Notion after the create ({"type": "default"} or
    {"type": "template_id", "template_id", "name"}; see `templates.choice`)."""

    properties: dict
    nonce: str
    row_number: int | None = None
    template: dict | None = None
    # Files to upload into `files` properties, saved with the row (storage.NewFile).
    files: tuple[storage.NewFile, ...] = ()
    # The API token that posted the row (notion_app/api), for the history's source.
    api_token_id: int | None = None
    # The page this row updates (PATCH of `properties` only); None: it creates one.
    target_page_id: str | None = None
    # The public form a visitor sent it through (RowSubmission.form_id).
    form_id: int | None = None


def submit(
    user: User,
    conn: NotionConnection,
    data_source: Mapping,
    schema_properties: Mapping,
    row: NewRow,
    *,
    replaces: int | None = None,
    keep_files: Iterable[int] = (),
    send_now: bool = False,
) -> tuple[RowSubmission, bool]:
    """Save the row as pending; a nonce seen before returns the row it made and False.

    `replaces`: a failed row of the same data source this one corrects (discarded in the same
    transaction); `keep_files`: the ids of that row's files the correction keeps (they move to
    the new row; the others' bytes are deleted). `send_now`: this request tries to send it at
    once within its budget (the row form, which shows the outcome); otherwise the sender is
    woken to send it.
    """
    existing = _by_nonce(user.id, row.nonce)
    if existing is not None:
        return existing, False
    saved = _new_row(user, conn, data_source, schema_properties, row)
    db.session.add(saved)
    try:
        # A second submit of the same nonce racing this one fails here or at the commit.
        db.session.flush()  # the row's id, for its files
        if row.files:
            storage.store_all(saved.id, user.id, row.files)
        retired = _retire(user, data_source, replaces)
        if retired is not None:
            storage.move(keep_files, retired.id, saved.id)
            storage.drop_bytes(retired.id)  # what the correction left out is never sent
            _keep_source(saved, retired)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _by_nonce(user.id, row.nonce), False
    if send_now:
        return delivery.send_now(saved), True
    sender.wake()
    return saved, True


def submit_many(
    user: User,
    conn: NotionConnection,
    data_source: Mapping,
    schema_properties: Mapping,
    rows: Iterable[NewRow],
    *,
    import_id: int | None = None,
) -> int:
    """Save many rows in one transaction (with whatever the caller changed in it) and wake the
    sender once; AlreadySubmitted when any nonce was seen before (then nothing is saved)."""
    count = 0
    for row in rows:
        saved = _new_row(user, conn, data_source, schema_properties, row, import_id=import_id)
        db.session.add(saved)
        if row.files:
            db.session.flush()  # the row's id, for its files
            storage.store_all(saved.id, user.id, row.files)
        count += 1
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadySubmitted from None
    sender.wake()
    return count


def _new_row(user, conn, data_source, schema_properties, row: NewRow, import_id=None):
    title_property = notion_properties.title_property_name(schema_properties)
    title_value = row.properties.get(title_property) or {}
    title_text = notion_properties.value_text({"type": "title", **title_value})
    return RowSubmission(
        user_id=user.id,
        connection_id=conn.id,
        data_source_id=data_source["id"],
        data_source_title=(data_source.get("title") or "")[:255] or None,
        properties=row.properties,
        template=row.template,
        title_property=(title_property or "")[:255] or None,
        title_text=title_text,
        client_nonce=row.nonce,
        import_id=import_id,
        row_number=row.row_number,
        api_token_id=row.api_token_id,
        target_page_id=row.target_page_id,
        form_id=row.form_id,
        state=RowState.PENDING,
        next_attempt_at=utcnow(),
    )


def _by_nonce(user_id: int, nonce: str) -> RowSubmission | None:
    query = select(RowSubmission).where(
        RowSubmission.user_id == user_id, RowSubmission.client_nonce == nonce
    )
    return db.session.scalar(query)


def _keep_source(saved: RowSubmission, retired: RowSubmission) -> None:
    """A correction is still the visitor's or the program's row: the history keeps naming the
    public form or API token it came through."""
    saved.form_id = saved.form_id or retired.form_id
    saved.api_token_id = saved.api_token_id or retired.api_token_id


def _retire(user: User, data_source: Mapping, row_id: int | None) -> RowSubmission | None:
    """The corrected row replaces the one Notion refused: that one is discarded (still listed).
    The row retired, or None when there was none to retire."""
    if row_id is None:
        return None
    old = db.session.scalar(
        select(RowSubmission).where(RowSubmission.id == row_id, RowSubmission.user_id == user.id)
    )
    if old is None or old.data_source_id != data_source["id"] or old.state != RowState.FAILED:
        return None
    old.state = RowState.DISCARDED
    old.next_attempt_at = None
    old.last_error = "Replaced by a corrected row."
    return old


def retry(row: RowSubmission) -> bool:
    """Make an unsent row due now. A row whose create may have reached Notion (unknown, or any
    row with an attempt: a failure while reconciling leaves it failed) is reconciled first."""
    if row.state not in UNSENT:
        return False
    tried = row.state == RowState.UNKNOWN or bool(row.attempt_bot_ids)
    row.state = RowState.UNKNOWN if tried else RowState.PENDING
    row.next_attempt_at = utcnow()
    db.session.commit()
    sender.wake()
    return True


def discard(row: RowSubmission) -> bool:
    """Give up on an unsent row: it stays in the history as discarded and is never sent."""
    if row.state not in UNSENT:
        return False
    row.state = RowState.DISCARDED
    row.next_attempt_at = None
    storage.drop_bytes(row.id)  # its files will never be sent
    db.session.commit()
    return True


def cancel_import(import_id: int) -> int:
    """Rows of an import not sent yet are cancelled; ones whose create may have reached Notion
    (unknown) are still reconciled, and cancelled only when Notion does not have them. Commits
    (with whatever the caller changed, such as the import's own state)."""
    stmt = (
        update(RowSubmission)
        .where(RowSubmission.import_id == import_id, RowSubmission.state == RowState.PENDING)
        .values(state=RowState.CANCELLED, next_attempt_at=None,
                last_error="Cancelled before sending.")
    )
    cancelled = db.session.execute(stmt).rowcount
    db.session.commit()
    return cancelled


def resume_import(import_id: int) -> int:
    """Send an import's cancelled rows after all; commits and wakes the sender."""
    stmt = (
        update(RowSubmission)
        .where(RowSubmission.import_id == import_id, RowSubmission.state == RowState.CANCELLED)
        .values(state=RowState.PENDING, next_attempt_at=utcnow(), last_error=None)
    )
    resumed = db.session.execute(stmt).rowcount
    db.session.commit()
    sender.wake()
    return resumed


def resume_connection(conn: NotionConnection) -> int:
    """After a reconnect: rows that waited for it become due now, and the sender is woken."""
    stmt = (
        update(RowSubmission)
        .where(
            RowSubmission.connection_id == conn.id,
            RowSubmission.state.in_((RowState.PENDING, RowState.UNKNOWN)),
            RowSubmission.next_attempt_at.is_(None),
        )
        .values(next_attempt_at=utcnow())
    )
    count = db.session.execute(stmt).rowcount
    db.session.commit()
    if count:
        sender.wake()
    return count


def waiting_count(conn: NotionConnection) -> int:
    """How many of the connection's rows are on their way (what a disconnect holds back until
    the workspace is connected again); failed rows wait for the person, not for Notion."""
    query = select(func.count()).where(
        RowSubmission.connection_id == conn.id, RowSubmission.state.in_(WAITING)
    )
    return db.session.scalar(query) or 0
