"""Title, rich text, URL, email and phone values."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from .base import (
    _EMAIL_RE,
    MAX_EMAIL,
    MAX_PHONE,
    MAX_URL,
    FieldError,
    _Context,
    _one,
    _Raw,
    rich_text,
)


def _title_or_text(raw: _Raw, ctx: _Context, ptype: str):
    text = "\n".join(v for v in raw.values if v) if len(raw.values) > 1 else (raw.values or [""])[0]
    if ptype == "title":
        text = text.strip()
    if not text.strip():
        return None
    return rich_text(text)


def check_url(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_URL:
        raise FieldError(f"URLs are at most {MAX_URL} characters.")
    if any(ch.isspace() for ch in text):
        raise FieldError("A URL cannot contain spaces.")
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FieldError("Enter a full web address starting with http:// or https://.")
    return text


def _url(raw: _Raw, ctx: _Context, prop: Mapping):
    text = _one(raw)
    return check_url(text) if text else None


def _email(raw: _Raw, ctx: _Context, prop: Mapping):
    text = _one(raw)
    if not text:
        return None
    if len(text) > MAX_EMAIL:
        raise FieldError(f"Email addresses are at most {MAX_EMAIL} characters.")
    if not _EMAIL_RE.match(text):
        raise FieldError("Enter an email address like name@example.com.")
    return text


def _phone(raw: _Raw, ctx: _Context, prop: Mapping):
    text = _one(raw)
    if not text:
        return None
    if len(text) > MAX_PHONE:
        raise FieldError(f"Phone numbers are at most {MAX_PHONE} characters.")
    if "\n" in text or not any(ch.isdigit() for ch in text):
        raise FieldError("Enter a phone number.")
    return text
