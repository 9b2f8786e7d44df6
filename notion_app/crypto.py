"""Tokens at rest: MultiFernet over the keys in TOKEN_ENCRYPTION_KEY (newest first).

Each comma-separated key is either a Fernet key (`flask generate-key`: 32 url-safe base64 bytes)
or any random secret of at least 32 characters — such as the hex string Heroku's app.json
`"generator": "secret"` makes — from which a Fernet key is derived with HKDF-SHA256.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

MIN_SECRET_LENGTH = 32
HKDF_INFO = b"notion-rows TOKEN_ENCRYPTION_KEY v1"


class TokenKeyError(RuntimeError):
    """No usable key, or a stored token no key can decrypt."""


def fernet_from(keys: str) -> MultiFernet:
    parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
    if not parts:
        raise TokenKeyError("TOKEN_ENCRYPTION_KEY is empty")
    return MultiFernet([_fernet_key(k) for k in parts])


def _fernet_key(key: str) -> Fernet:
    """A Fernet key as given, or one derived from a long random secret."""
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        pass
    if len(key) < MIN_SECRET_LENGTH:
        raise TokenKeyError(
            "TOKEN_ENCRYPTION_KEY holds a key that is neither a Fernet key nor a random secret "
            f"of at least {MIN_SECRET_LENGTH} characters"
        )
    return Fernet(derive_fernet_key(key))


def derive_fernet_key(secret: str) -> bytes:
    """HKDF-SHA256 of a high-entropy secret into 32 bytes, url-safe base64 (a Fernet key)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


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
