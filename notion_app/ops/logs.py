"""Logging that cannot leak secrets: every record is redacted before any handler sees it.

A filter on the root *logger* only sees records logged to the root logger itself (records
propagated from child loggers skip ancestors' logger filters), and handlers added later
(gunicorn's, pytest's) would lack it. So the redaction runs in the log record factory, which
every logger in the process goes through; the same function is also installed as a filter on
the root logger and its handlers for records built by hand.

Masked: Notion tokens (`ntn_…`, `nrt_…`, `secret_…`), Bearer/Basic credentials, OAuth values in
URLs, form bodies and JSON (`code`, `access_token`, `refresh_token`, `client_secret`, `token`,
`password`…), and the literal values of the configured secrets.
"""

from __future__ import annotations

import logging
import re
import sys
import threading

from ..redaction import MASK, TOKEN_PATTERNS, mask

__all__ = ["MASK", "add_secrets", "install", "redact", "redact_record"]

# The names of fields whose values are secret (not secrets themselves).
_SECRET_KEYS = "|".join(
    ("code", "access_token", "refresh_token", "client_secret", "id_token", "token", "password")
    + ("secret", "csrf_token", "authorization")
)
_PATTERNS = (
    *TOKEN_PATTERNS,
    # key=value in URLs, query strings and form bodies.
    re.compile(rf"(?i)(?<![A-Za-z0-9_])(?:{_SECRET_KEYS})=([^&\s\"',;)]+)"),
    # "key": "value" in JSON, and 'key': 'value' in Python reprs.
    re.compile(rf"(?i)[\"'](?:{_SECRET_KEYS})[\"']\s*:\s*[\"']([^\"']*)[\"']"),
)
# Libraries whose DEBUG output includes request lines, headers or bodies: never below INFO.
NOISY_LOGGERS = ("authlib", "urllib3", "requests", "requests_oauthlib", "oauthlib")

_literals: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    """`text` with every secret-looking value replaced by MASK."""
    return mask(text, _literals, _PATTERNS)


def add_secrets(*values: str | None) -> None:
    """Mask these literal values wherever they appear (configured secrets, ≥ 8 characters)."""
    with _lock:
        _literals.update(v for v in values if v and len(v) >= 8)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Render the message now, redacted; the same for a traceback."""
    if getattr(record, "_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not break logging
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._redacted = True
    return record


class RedactingFilter(logging.Filter):
    """A logging filter form of redact_record (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _mail_password(url: str | None) -> str | None:
    from ..mail import mail_password

    return mail_password(url)


def install(config: dict | None = None) -> None:
    """Redact every log record of this process; idempotent. Called by the app factory."""
    global _installed
    if config:
        add_secrets(
            config.get("SECRET_KEY"),
            config.get("NOTION_CLIENT_SECRET"),
            config.get("SANDBOX_CLIENT_SECRET"),
            config.get("NOTION_SANDBOX_SECRET"),
            _mail_password(config.get("MAIL_URL")),
            *(k.strip() for k in (config.get("TOKEN_ENCRYPTION_KEY") or "").split(",")),
        )
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    with _lock:
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs):
            return redact_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
    root = logging.getLogger()
    redacting = RedactingFilter()
    root.addFilter(redacting)
    for handler in root.handlers:
        handler.addFilter(redacting)


def configure_production_logging(level: str = "INFO") -> None:
    """One stream handler on stdout for the platform's log router, when none is configured."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
        root.setLevel(level)
