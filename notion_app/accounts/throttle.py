"""Login throttling with counters every worker shares: Redis when configured, else the database."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle, utcnow


def _limits() -> tuple[int, int]:
    cfg = current_app.config
    return cfg["LOGIN_THROTTLE_LIMIT"], cfg["LOGIN_THROTTLE_WINDOW"]


def _redis():
    return current_app.extensions.get("redis")


def is_throttled(keys: list[str]) -> bool:
    limit, window = _limits()
    redis = _redis()
    if redis is not None:
        counts = redis.mget([f"login-fail:{k}" for k in keys])
        return any(int(c or 0) >= limit for c in counts)
    since = utcnow() - timedelta(seconds=window)
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    return any(r.failures >= limit and r.window_started_at >= since for r in rows)


def record_failure(keys: list[str]) -> None:
    _limit, window = _limits()
    redis = _redis()
    if redis is not None:
        pipe = redis.pipeline()
        for k in keys:
            pipe.incr(f"login-fail:{k}")
            pipe.expire(f"login-fail:{k}", window, nx=True)
        pipe.execute()
        return
    for key in keys:
        _increment_row(key, window)
    db.session.commit()


def _increment_row(key: str, window: int) -> None:
    """An atomic UPDATE so concurrent failures in several workers are all counted."""
    now = utcnow()
    since = now - timedelta(seconds=window)
    stale = update(LoginThrottle).where(
        LoginThrottle.key == key, LoginThrottle.window_started_at < since
    )
    db.session.execute(stale.values(failures=0, window_started_at=now))
    fresh = update(LoginThrottle).where(
        LoginThrottle.key == key, LoginThrottle.window_started_at >= since
    )
    if db.session.execute(fresh.values(failures=LoginThrottle.failures + 1)).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
    except IntegrityError:
        db.session.execute(fresh.values(failures=LoginThrottle.failures + 1))


def clear(keys: list[str]) -> None:
    redis = _redis()
    if redis is not None:
        redis.delete(*[f"login-fail:{k}" for k in keys])
        return
    for row in db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))):
        db.session.delete(row)
    db.session.commit()
