"""Local accounts: create, authenticate, server-side login sessions, password changes."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
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
    email = normalize_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(email=email, password_hash=hash_password(password))
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


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user only while its login session still exists."""
    uid, _, key = user_id.partition(":")
    if not uid.isdigit() or not key:
        return None
    login = db.session.get(LoginSession, key)
    if login is None or login.user_id != int(uid):
        return None
    now = utcnow()
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
