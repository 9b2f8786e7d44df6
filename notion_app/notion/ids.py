"""Notion ids: UUIDs, with or without dashes, in any case."""

from __future__ import annotations

import re

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


def is_id(value: object) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value.strip()))


def canonical_id(value: object) -> str | None:
    """The id in dashed lower-case form, or None when `value` is not one."""
    if not is_id(value):
        return None
    h = value.strip().replace("-", "").lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def compact_id(value: object) -> str:
    """An id without dashes, lower case, for comparing ids ("" for anything that is not one)."""
    return value.strip().replace("-", "").lower() if isinstance(value, str) else ""
