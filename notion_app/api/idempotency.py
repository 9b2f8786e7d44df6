"""`Idempotency-Key`: per token, for 24 hours, the same key and body get the first answer.

The first request inserts the key (unique per token) and commits before doing anything else;
a concurrent repeat loses on the unique constraint, so however many arrive at once, one does
the work: the others see it in flight (409, Retry-After: 1) or done (its answer again). Never
a check-then-insert. A request that saved nothing (a 4xx) gives its key back, so a corrected
body may use it. A row saved under a key is found by its nonce (`row_nonce`) even if the
process died before the answer was recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import RowSubmission, utcnow
from .models import ApiToken, IdempotencyKey
from .tokens import Caller

KEEP = timedelta(hours=24)
# A key in flight this long without a saved row was abandoned (its process died): reuse it.
ABANDONED = timedelta(minutes=2)


@dataclass(frozen=True)
class Outcome:
    """What to do with a request that carries a key: `record` is ours to fill (a first
    request), or `status`/`answer` are to be given (a replay, 409 in flight, 422 mismatch)."""

    record: IdempotencyKey | None = None
    status: int | None = None
    answer: dict | None = None
    replayed: bool = False


def request_digest(path: str, body: object) -> str:
    """The request a key stands for: its path and its JSON body, keys sorted."""
    text = json.dumps([path, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def nonce(record: IdempotencyKey) -> str:
    return record.row_nonce


def begin(token: Caller, key: str, digest: str) -> Outcome:
    """Claim `key` for this request, or say how the earlier request with it stands."""
    for _ in range(3):
        record = IdempotencyKey(token_id=token.id, key=key, request_sha256=digest)
        db.session.add(record)
        try:
            db.session.commit()
            return Outcome(record=record)
        except IntegrityError:
            db.session.rollback()
        found = db.session.scalar(select(IdempotencyKey).where(
            IdempotencyKey.token_id == token.id, IdempotencyKey.key == key))
        if found is None:
            continue  # it expired or was given back in between: try again
        outcome = _earlier(found, digest)
        if outcome is not None:
            return outcome
    return Outcome(status=409)


def _earlier(found: IdempotencyKey, digest: str) -> Outcome | None:
    """The answer for a key used before; None when it expired or was abandoned (deleted now,
    so the caller claims it anew)."""
    if utcnow() - found.created_at >= KEEP:
        _forget(found)
        return None
    if found.request_sha256 != digest:
        return Outcome(status=422)
    if found.status is not None:
        return Outcome(status=found.status, answer=found.answer, replayed=True)
    row = db.session.scalar(select(RowSubmission).where(
        RowSubmission.user_id == _owner_id(found), RowSubmission.client_nonce == nonce(found)))
    if row is not None:
        return Outcome(record=found)  # saved, answer not recorded: submit finds it by nonce
    if utcnow() - found.created_at > ABANDONED:
        _forget(found, only_in_flight=True)
        return None
    return Outcome(status=409)


def _owner_id(record: IdempotencyKey) -> int:
    return db.session.get(ApiToken, record.token_id).user_id


def finish(record: IdempotencyKey, status: int, answer: dict, row_id: int | None) -> None:
    """Record the answer a key's first request got, to give it again."""
    record.status, record.answer, record.row_id = status, answer, row_id
    db.session.commit()


def give_back(record: IdempotencyKey) -> None:
    """Nothing was saved (a 4xx, an error before the row): the key may be used again, with a
    corrected body. Kept when its row was saved after all: a repeat then finds that row."""
    saved = db.session.scalar(
        select(RowSubmission.id).where(RowSubmission.client_nonce == record.row_nonce))
    if saved is None:
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == record.id))
        db.session.commit()


def _forget(found: IdempotencyKey, only_in_flight: bool = False) -> None:
    """Delete this key (the one read: a concurrent request may have replaced it since)."""
    query = delete(IdempotencyKey).where(IdempotencyKey.id == found.id,
                                         IdempotencyKey.created_at == found.created_at)
    if only_in_flight:
        query = query.where(IdempotencyKey.status.is_(None))
    db.session.execute(query)
    db.session.commit()


def purge_expired(now=None) -> int:
    """Housekeeping: every token's keys older than 24 h (a token that stopped posting too)."""
    removed = db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.created_at < (now or utcnow()) - KEEP)).rowcount
    db.session.commit()
    return removed
