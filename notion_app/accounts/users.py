"""Local accounts: create, authenticate, server-side login sessions, password changes."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, flash
from sqlalchemy import delete, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginSession, User, utcnow

# Checked against when the email is unknown, so both answers cost the same time.
_DUMMY_HASH: dict[str, str] = {}


class EmailTaken(ValueError):
    """Another account already uses this email."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_user(email: str, password: str) -> User:
    """A new account; EmailTaken when the email has one. The password is hashed either way, so
    a taken email costs the same work (and time) as a new one: the answer time tells nothing."""
    email = normalize_email(email)
    password_hash = hash_password(password)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(email=email, password_hash=password_hash)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; unknown email and wrong password look alike."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASH[method]


def start_login_session(user: User) -> None:
    """Record a new server-side login session and mark the user object with its key."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(key=key, user_id=user.id))
    db.session.commit()
    user.login_session_key = key


def end_login_session(user: User) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.key == user.login_session_key))
    db.session.commit()


def end_all_login_sessions(user: User) -> int:
    """Every login session of this user ends, the current one included; returns how many."""
    ended = db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.commit()
    return ended.rowcount


def count_login_sessions(user: User) -> int:
    from sqlalchemy import func

    now = utcnow()
    query = select(func.count()).select_from(LoginSession).where(
        LoginSession.user_id == user.id, ~_expired(now)
    )
    return db.session.scalar(query) or 0


def _lifetimes() -> tuple[timedelta, timedelta]:
    """(idle timeout, absolute lifetime) of a login session, from the settings (seconds)."""
    config = current_app.config
    return (
        timedelta(seconds=int(config["SESSION_IDLE_TIMEOUT"])),
        timedelta(seconds=int(config["SESSION_MAX_AGE"])),
    )


def _expired(now):
    """SQL condition: the login session is past its idle timeout or its absolute lifetime."""
    idle, max_age = _lifetimes()
    return or_(LoginSession.last_seen_at < now - idle, LoginSession.created_at < now - max_age)


def is_expired(login: LoginSession, now) -> bool:
    idle, max_age = _lifetimes()
    return now - login.last_seen_at > idle or now - login.created_at > max_age


def purge_login_sessions(now=None) -> int:
    """Delete the login sessions past their idle timeout or absolute lifetime; how many."""
    ended = db.session.execute(delete(LoginSession).where(_expired(now or utcnow())))
    db.session.commit()
    return ended.rowcount


SESSION_EXPIRED = "Your session expired. Log in again to continue."


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user only while its login session exists and has not expired
    (T40: idle timeout and absolute lifetime); an expired one is deleted here and then."""
    uid, _, key = user_id.partition(":")
    if not uid.isdigit() or not key:
        return None
    login = db.session.get(LoginSession, key)
    if login is None or login.user_id != int(uid):
        return None
    now = utcnow()
    if is_expired(login, now):
        db.session.delete(login)
        db.session.commit()
        flash(SESSION_EXPIRED, "info")
        return None
    if now - login.last_seen_at > timedelta(minutes=5):
        login.last_seen_at = now
        db.session.commit()
    user = db.session.get(User, login.user_id)
    if user is not None:
        user.login_session_key = key
    return user


def change_password(user: User, new_password: str) -> None:
    """New hash; every other login session of this user ends."""
    user.password_hash = hash_password(new_password)
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.key != user.login_session_key
        )
    )
    db.session.commit()


def delete_user(user: User) -> None:
    db.session.delete(user)
    db.session.commit()
