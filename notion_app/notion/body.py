"""Request bodies as Notion receives them: UTF-8 JSON, and the per-request size limits.

Notion refuses a request over **500 KB** or with more than **1000 block elements**.
Both are measured here, on the exact bytes the client sends:

- `encode(body)` is the JSON the client puts on the wire: UTF-8 (`ensure_ascii=False`) and compact
  separators. `requests`' `json=` escapes every non-ASCII character as `\\uXXXX` (6 bytes, 12 for
  an emoji), which made a long Cyrillic or CJK row two to three times its size.
- `check(body)` raises `RequestTooLarge` before anything is sent.
- `page_size_errors(data_source_id, properties)` says, per property, what a person must shorten
  (the row form and the CSV preview show it at the field, before any Notion call).

Block elements: a block is any object in a `children` (or `content`) array, at any depth. The app
sends no blocks today (rows are created with `parent` and `properties` only), so the limit cannot
be hit by the row form or an import; `check` still enforces it on every body the client sends, so a
future caller that adds page content gets the same early, clear refusal.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

MAX_BODY_BYTES = 500_000  # "500 KB": counted in thousands, the stricter reading
MAX_BLOCK_ELEMENTS = 1000
_BLOCK_KEYS = ("children", "content")


class RequestTooLarge(ValueError):
    """A body over Notion's per-request limits; nothing was sent. The message is for people."""

    def __init__(self, message: str, *, size: int = 0, blocks: int = 0):
        super().__init__(message)
        self.message = message
        self.size = size
        self.blocks = blocks


def encode(body) -> bytes:
    """The JSON bytes of `body` as the client sends them (UTF-8, no `\\u` escapes)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def count_blocks(body) -> int:
    """Block objects in the body's `children`/`content` arrays, nested ones included."""
    total = 0
    stack = [body]
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        for key in _BLOCK_KEYS:
            items = node.get(key)
            if isinstance(items, list):
                blocks = [b for b in items if isinstance(b, Mapping)]
                total += len(blocks)
                for block in blocks:
                    stack.append(block)
                    inner = block.get(block.get("type")) if isinstance(block.get("type"), str) \
                        else None
                    if isinstance(inner, Mapping):
                        stack.append(inner)
    return total


def check(body, data: bytes | None = None) -> bytes:
    """`encode(body)` when it fits Notion's limits; `RequestTooLarge` otherwise."""
    data = encode(body) if data is None else data
    if len(data) > MAX_BODY_BYTES:
        raise RequestTooLarge(
            f"Too large for Notion: the request is {len(data):,} bytes and Notion takes at most "
            f"{MAX_BODY_BYTES:,} ({len(data) - MAX_BODY_BYTES:,} too many). Shorten the longest "
            "text.",
            size=len(data),
        )
    blocks = count_blocks(body)
    if blocks > MAX_BLOCK_ELEMENTS:
        raise RequestTooLarge(
            f"Too much page content for Notion: {blocks:,} blocks in one request, at most "
            f"{MAX_BLOCK_ELEMENTS:,}.",
            size=len(data), blocks=blocks,
        )
    return data


def page_body(data_source_id: str, properties: dict) -> dict:
    """The POST /v1/pages body that creates a row (what `NotionClient.create_page` sends)."""
    return {
        "parent": {"type": "data_source_id", "data_source_id": data_source_id},
        "properties": properties,
    }


def page_size_errors(data_source_id: str, properties: Mapping) -> dict[str, str]:
    """{property name: message} when the row's create request would be over 500 KB, else {}.

    The message goes on the largest property (the one to shorten) and says by how much; when
    that one alone cannot bring the row under the limit, the next largest get a message too.
    """
    size = len(encode(page_body(data_source_id, dict(properties))))
    over = size - MAX_BODY_BYTES
    if over <= 0:
        return {}
    parts = sorted(
        ((name, len(encode({name: value}))) for name, value in properties.items()),
        key=lambda item: item[1], reverse=True,
    )
    errors: dict[str, str] = {}
    left = over
    for name, part in parts:
        if left <= 0:
            break
        cut = min(left, part)
        errors[name] = (
            f"Too long for one Notion request: this row is {size:,} bytes and Notion takes at "
            f"most {MAX_BODY_BYTES:,}. This field is {part:,} bytes of it: shorten it by at "
            f"least {cut:,} bytes (about {_chars(properties[name], part, cut):,} characters)."
        )
        left -= cut
    return errors


def _chars(value, part_bytes: int, cut_bytes: int) -> int:
    """Roughly how many characters of this value make `cut_bytes` bytes of its JSON."""
    text = "".join(_texts(value))
    if not text:
        return cut_bytes
    per_char = max(1.0, len(text.encode("utf-8")) / len(text))
    return math.ceil(cut_bytes / per_char)


def _texts(value):
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "content" and isinstance(inner, str):
                yield inner
            else:
                yield from _texts(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
