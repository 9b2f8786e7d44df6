"""Masking secrets in text: Notion token shapes, Authorization credentials, named secrets.

One place for both users: log records (`ops/logs.py`, which adds key=value and JSON forms) and
the messages of Notion errors (`notion/errors.py`), so neither can miss a shape the other knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[REDACTED]"
TOKEN_PATTERNS = (
    # Notion-style tokens anywhere in a line.
    re.compile(r"\b(?:ntn|nrt|secret)_[A-Za-z0-9_\-]+"),
    # The rows API's own tokens (notion_app/api/tokens.py: `nrapi_` + 43 url-safe characters).
    re.compile(r"\bnrapi_[A-Za-z0-9_\-]+"),
    # Authorization header values; a Basic credential looks like base64 (so "basic validation"
    # in prose is left alone), or is the value of an Authorization header.
    re.compile(r"(?i)(?<=\bbearer )[A-Za-z0-9._~+/=\-]+"),
    re.compile(r"(?i)(?<=\bbasic )(?=[A-Za-z0-9._~+/=\-]*[\d=])[A-Za-z0-9._~+/=\-]{6,}"),
    re.compile(r"(?i)(?<=\bauthorization: basic )\S+"),
)


def mask(text: str, secrets: Iterable[str] = (), patterns=TOKEN_PATTERNS) -> str:
    """`text` with the literal `secrets` (≥ 4 characters) and every match of `patterns` (or of
    its first group, when it has one) replaced by MASK."""
    if not text:
        return text
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern in patterns:
        text = pattern.sub(_mask_match, text)
    return text


def _mask_match(match: re.Match) -> str:
    if match.re.groups:
        start, end = match.span(1)
        whole_start = match.start()
        value = match.group(0)
        return value[: start - whole_start] + MASK + value[end - whole_start :]
    return MASK
