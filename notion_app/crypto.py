"""Tokens at rest: MultiFernet over the keys in TOKEN_ENCRYPTION_KEY (newest first)."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class TokenKeyError(RuntimeError):
    """No usable key, or a stored token no key can decrypt."""


def fernet_from(keys: str) -> MultiFernet:
    parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
    if not parts:
        raise TokenKeyError("TOKEN_ENCRYPTION_KEY is empty")
    try:
        return MultiFernet([Fernet(k.encode()) for k in parts])
    except (ValueError, TypeError) as exc:
        raise TokenKeyError("TOKEN_ENCRYPTION_KEY holds a key that is not a Fernet key") from exc


def _fernet() -> MultiFernet:
    return fernet_from(current_app.config["TOKEN_ENCRYPTION_KEY"])


def encrypt(value: str | None) -> str | None:
    if value is None:
        return None
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise TokenKeyError("a stored token cannot be decrypted with the configured keys") from exc


def rotate(value: str | None) -> str | None:
    """Re-encrypt under the newest key (MultiFernet.rotate)."""
    if value is None:
        return None
    return _fernet().rotate(value.encode()).decode()
