"""Notion ids: UUIDs, with or without dashes, in any case; the id in a Notion link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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


NOTION_HOSTS = ("notion.so", "notion.site", "notion.com")
_TAIL_ID_RE = re.compile(
    r"(?:^|[^0-9a-f])([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def notion_link_id(text: object) -> str | None:
    """The object id in a pasted Notion link, or a bare id; None when it is neither.

    Links look like https://www.notion.so/acme/Tasks-1a2b…32hex?v=<view id> (the ?v= view, the
    ?p= peeked page and the #fragment are not the database), https://acme.notion.site/<id>,
    https://app.notion.com/p/<id>, with or without dashes; `collection://<id>` is a data source.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if is_id(text):
        return canonical_id(text)
    if text.lower().startswith("collection://"):
        return canonical_id(text[len("collection://"):].strip("/"))
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not any(
        host == h or host.endswith("." + h) for h in NOTION_HOSTS
    ):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    found = _TAIL_ID_RE.search(segments[-1].lower())
    return canonical_id(found.group(1)) if found else None
