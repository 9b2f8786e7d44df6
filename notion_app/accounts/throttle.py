"""Throttling with counters every worker shares: Redis when configured, else the database.

A counter holds how many failures (or attempts) a key has had and when the last one was; it is
forgotten `window` seconds after its last one. Below its rule's `limit` nothing waits. From the
limit on, the next attempt waits `delay * 2 ** (count - limit)` seconds after the last one, capped
at `cap`: the caller answers a 429 with `Retry-After` and never sleeps (a sleep would hold a
server thread, which an attacker can fill). Attempts refused while waiting are not counted, so
the wait grows only with real failures.

Log-in (T38) counts per (email, client address) and per client address, never per email alone:
ten wrong passwords from an attacker's addresses leave the owner's own address clean. The
address counter only slows pairs that already failed, so the right password from an address
with no failures for that email is never refused, even behind a shared address an attacker
also uses. Sign-up counts every attempt per client address. Password-reset requests count every
request per client address and per email typed (known or not, so the answer tells nothing): no
one floods a mailbox with reset mail. Resending the confirmation mail counts per account.

Keys are hashed (the table holds no email addresses).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle, utcnow

REDIS_PREFIX = "throttle:"


@dataclass(frozen=True)
class Rule:
    limit: int
    window: float
    delay: float
    cap: float

    def wait(self, count: int, last: datetime, now: datetime) -> int:
        """Seconds still to wait after `count` failures, the last at `last` (0: go ahead)."""
        if count < self.limit or now - last >= timedelta(seconds=self.window):
            return 0
        delay = min(self.delay * 2 ** min(count - self.limit, 32), self.cap)
        return max(0, math.ceil(delay - (now - last).total_seconds()))


@dataclass(frozen=True)
class Counter:
    key: str
    rule: Rule


def _now() -> datetime:
    return utcnow()


def _rule(prefix: str, limit_name: str | None = None) -> Rule:
    cfg = current_app.config
    return Rule(
        limit=cfg[limit_name or f"{prefix}_LIMIT"],
        window=cfg[f"{prefix}_WINDOW"],
        delay=cfg[f"{prefix}_DELAY"],
        cap=cfg[f"{prefix}_MAX_DELAY"],
    )


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:48]
    return f"{kind}:{digest}"


def login_counters(email: str, address: str | None) -> tuple[Counter, Counter]:
    """(the (email, address) pair's counter, the address's counter)."""
    address = address or "-"
    return (
        Counter(_key("login", email, address), _rule("LOGIN_THROTTLE")),
        Counter(_key("login-ip", address), _rule("LOGIN_THROTTLE", "LOGIN_THROTTLE_ADDRESS_LIMIT")),
    )


def signup_counter(address: str | None) -> Counter:
    return Counter(_key("signup-ip", address or "-"), _rule("SIGNUP_THROTTLE"))


def reset_counters(email: str, address: str | None) -> tuple[Counter, Counter]:
    """(the address's counter, the email's counter) of password-reset requests."""
    return (
        Counter(_key("reset-ip", address or "-"), _rule("PASSWORD_RESET_THROTTLE")),
        Counter(_key("reset-email", email),
                _rule("PASSWORD_RESET_THROTTLE", "PASSWORD_RESET_THROTTLE_EMAIL_LIMIT")),
    )


def confirmation_counter(user_id: int) -> Counter:
    """Confirmation mails sent again for one account."""
    return Counter(_key("confirm-mail", str(user_id)), _rule("CONFIRMATION_THROTTLE"))


def login_retry_after(pair: Counter, address: Counter) -> int:
    """Seconds before this pair may try again; the address counter bites only on a pair that
    has failed already (the owner at a clean pair is never refused)."""
    counts = _read([pair.key, address.key])
    now = _now()
    pair_count, pair_last = counts[pair.key]
    wait = pair.rule.wait(pair_count, pair_last, now)
    if pair_count:
        wait = max(wait, address.rule.wait(*counts[address.key], now))
    return wait


def retry_after(counter: Counter) -> int:
    count, last = _read([counter.key])[counter.key]
    return counter.rule.wait(count, last, _now())


def record(*counters: Counter) -> None:
    """Count one failure (or attempt) on each counter, atomically across workers."""
    now = _now()
    redis = _redis()
    if redis is not None:
        pipe = redis.pipeline(transaction=True)
        for c in counters:
            name = REDIS_PREFIX + c.key
            pipe.hincrby(name, "n", 1)
            pipe.hset(name, "t", now.replace(tzinfo=UTC).timestamp())
            pipe.expire(name, math.ceil(c.rule.window))
        pipe.execute()
        return
    for c in counters:
        _increment_row(c.key, c.rule.window, now)
    db.session.commit()


def clear(*counters: Counter) -> None:
    keys = [c.key for c in counters]
    redis = _redis()
    if redis is not None:
        redis.delete(*[REDIS_PREFIX + k for k in keys])
        return
    for row in db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))):
        db.session.delete(row)
    db.session.commit()


def _redis():
    return current_app.extensions.get("redis")


_EPOCH = datetime(1970, 1, 1)


def _read(keys: list[str]) -> dict[str, tuple[int, datetime]]:
    """key -> (count, time of the last one); (0, epoch) for a key never counted."""
    found = {k: (0, _EPOCH) for k in keys}
    redis = _redis()
    if redis is not None:
        pipe = redis.pipeline(transaction=False)
        for k in keys:
            pipe.hmget(REDIS_PREFIX + k, "n", "t")
        for k, (n, t) in zip(keys, pipe.execute(), strict=True):
            if n is not None and t is not None:
                found[k] = (int(n), datetime.fromtimestamp(float(t), UTC).replace(tzinfo=None))
        return found
    for row in db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))):
        found[row.key] = (row.failures, row.window_started_at)
    return found


def _increment_row(key: str, window: float, now: datetime) -> None:
    """One atomic UPDATE (a stale counter restarts at 1) so concurrent failures in several
    workers are all counted; the column `window_started_at` holds the last failure's time."""
    since = now - timedelta(seconds=window)
    bump = update(LoginThrottle).where(LoginThrottle.key == key).values(
        failures=case((LoginThrottle.window_started_at <= since, 1),
                      else_=LoginThrottle.failures + 1),
        window_started_at=now,
    )
    if db.session.execute(bump).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
    except IntegrityError:
        db.session.execute(bump)
