"""Shared pieces of the property modules: Notion's limits, FieldError, text helpers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..ids import UUID_RE

MAX_TEXT = 2000  # per rich-text item, in UTF-16 code units
MAX_ITEMS = 100  # rich-text items, multi_select options, people, relations, files
MAX_URL = 2000
MAX_EMAIL = 200
MAX_PHONE = 200
MAX_OPTION_NAME = 100
MAX_FILE_NAME = 900  # Notion's limit is not documented; keep names reasonable
WRITABLE_TYPES = frozenset(
    {
        "title", "rich_text", "number", "select", "multi_select", "status", "date",
        "checkbox", "url", "email", "phone_number", "people", "relation", "files",
    }
)
READ_ONLY_TYPES = frozenset(
    {
        "formula", "rollup", "created_time", "created_by", "last_edited_time",
        "last_edited_by", "unique_id", "button", "verification", "location",
        "last_visited_time",
    }
)

_EMAIL_RE = re.compile(r"^[^@\s\"<>(),;:\\\[\]]+@[^@\s\"<>(),;:\\\[\]]+\.[^@\s\"<>(),;:\\\[\]]+$")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_TRUE = frozenset({"on", "true", "1", "yes", "y", "x", "✓", "✔", "checked"})
_FALSE = frozenset({"off", "false", "0", "no", "n", "", "unchecked"})


class FieldError(ValueError):
    """A value that cannot become a valid Notion property value; the message is for people."""


@dataclass
class _Raw:
    """The text given for one property, whatever it came from."""

    values: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    time: str = ""
    end: str = ""
    end_time: str = ""
    tz: str = ""


def clean_text(text: str) -> str:
    """`text` without control characters or lone surrogates, with `\\n` line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", text)


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` cut into pieces of at most `limit` UTF-16 units, never inside a character."""
    if _utf16_len(text) <= limit:
        return [text] if text else []
    pieces, start, units = [], 0, 0
    for i, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > limit:
            pieces.append(text[start:i])
            start, units = i, 0
        units += width
    pieces.append(text[start:])
    return pieces


def rich_text(text: str) -> list[dict]:
    """Rich-text request items for `text`; FieldError when it needs more than 100 items."""
    pieces = split_text(text)
    if len(pieces) > MAX_ITEMS:
        raise FieldError(
            f"Too long: at most about {MAX_TEXT * MAX_ITEMS:,} characters "
            f"({_utf16_len(text):,} given)."
        )
    return [{"type": "text", "text": {"content": piece}} for piece in pieces]


def normalize_id(value: str) -> str:
    """A Notion id in canonical dashed lowercase form; FieldError if it is not UUID-shaped."""
    value = value.strip()
    if not UUID_RE.match(value):
        raise FieldError(f"“{_short(value)}” is not a Notion id.")
    h = value.replace("-", "").lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _str_or_none(value) -> str | None:
    return value if isinstance(value, str) else None


def _short(value: str, n: int = 40) -> str:
    return value if len(value) <= n else value[: n - 1] + "…"


def _plain(items) -> str:
    if not isinstance(items, list):
        return ""
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = item.get("plain_text")
        if text is None:
            text = (item.get("text") or {}).get("content") or ""
        out.append(str(text))
    return "".join(out)


def _config(prop: Mapping) -> Mapping:
    conf = prop.get(prop.get("type") or "", None)
    return conf if isinstance(conf, Mapping) else {}


@dataclass
class _Context:
    known_user_ids: frozenset[str] | None = None
    users_by_email: dict[str, str] | None = None
    allow_new_options: bool = True
    unknown_as_new: bool = False  # CSV: an unknown option name is a new option


def _one(raw: _Raw) -> str:
    for value in raw.values:
        if value.strip():
            return value.strip()
    return ""
