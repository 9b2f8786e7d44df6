"""Deterministic ids, timestamps and rich text helpers shared by the sandbox modules."""

import re
import uuid
from datetime import UTC, datetime

NAMESPACE = uuid.UUID("6f1c2a4e-3b5d-4e7f-9a1b-2c3d4e5f6a7b")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def make_id(*parts: str) -> str:
    """A stable uuid5 for a seed object, so tests can rely on it."""
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def new_id() -> str:
    return str(uuid.uuid4())


def normalize_id(value) -> str | None:
    """Accept ids with or without dashes; None when the value is not a uuid."""
    if not isinstance(value, str):
        return None
    raw = value.replace("-", "")
    if not _HEX32.match(raw):
        return None
    return str(uuid.UUID(raw))


def iso(dt: datetime) -> str:
    """Notion's page timestamp format: minute precision, milliseconds, Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:00.000Z")


def now() -> datetime:
    return datetime.now(UTC)


def rich_text_item(content: str, link: str | None = None, annotations: dict | None = None) -> dict:
    """A rich text item in the response shape."""
    ann = {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
    }
    ann.update(annotations or {})
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": ann,
        "plain_text": content,
        "href": link,
    }


def plain(rich_text: list) -> str:
    return "".join(item.get("plain_text", "") for item in rich_text or [])


def slug(title: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "-".join(words)


def notion_url(title: str, object_id: str) -> str:
    hexid = object_id.replace("-", "")
    s = slug(title)
    return f"https://www.notion.so/{s}-{hexid}" if s else f"https://www.notion.so/{hexid}"
