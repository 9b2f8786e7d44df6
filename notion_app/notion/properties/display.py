"""Notion property values -> text for people."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .base import _plain


def _number_text(number, number_format: str | None = None) -> str:
    if number is None or isinstance(number, bool) or not isinstance(number, (int, float)):
        return ""
    if number_format == "percent":
        number = number * 100
        return _number_text(round(number, 10)) + "%"
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e16:
        number = int(number)
    text = f"{number:,}" if number_format == "number_with_commas" else str(number)
    symbols = {"dollar": "$", "euro": "€", "pound": "£", "yen": "¥", "rupee": "₹", "won": "₩"}
    if number_format in symbols:
        return symbols[number_format] + text
    return text


def _user_text(user) -> str:
    if not isinstance(user, Mapping):
        return ""
    return str(user.get("name") or (user.get("person") or {}).get("email") or user.get("id") or "")


def _when(iso) -> str:
    """An ISO date or date-time as people read it: `2026-07-02` or `2026-07-02 05:00 UTC`."""
    text = str(iso or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if "T" not in text:
        return moment.date().isoformat()
    offset = moment.utcoffset()
    zone = "" if offset is None else " UTC" if not offset else moment.strftime(" UTC%z")
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def _date_text(value) -> str:
    if not isinstance(value, Mapping) or not value.get("start"):
        return ""
    text = _when(value["start"])
    if value.get("end"):
        text += f" → {_when(value['end'])}"
    if value.get("time_zone"):
        text += f" ({value['time_zone']})"
    return text


def value_text(property_value, number_format: str | None = None) -> str:
    """Readable text for a property value as Notion returns it on a page. Unknown: ""."""
    if not isinstance(property_value, Mapping):
        return ""
    ptype = property_value.get("type")
    value = property_value.get(ptype) if isinstance(ptype, str) else None
    if ptype in ("title", "rich_text"):
        return _plain(value)
    if ptype == "number":
        return _number_text(value, number_format)
    if ptype in ("select", "status"):
        return str(value.get("name") or "") if isinstance(value, Mapping) else ""
    if ptype == "multi_select":
        return ", ".join(
            str(v.get("name") or "") for v in value or [] if isinstance(v, Mapping)
        )
    if ptype == "date":
        return _date_text(value)
    if ptype == "checkbox":
        return "✓" if value is True else "–"
    if ptype in ("url", "email", "phone_number"):
        return str(value or "")
    if ptype == "people":
        return ", ".join(t for t in (_user_text(u) for u in value or []) if t)
    if ptype == "relation":
        count = len(value) if isinstance(value, list) else 0
        more = "+" if property_value.get("has_more") else ""
        return "" if not count else f"{count}{more} linked page{'s' if count != 1 or more else ''}"
    if ptype == "files":
        return ", ".join(
            str(f.get("name") or "") for f in value or [] if isinstance(f, Mapping)
        )
    if ptype == "formula":
        if not isinstance(value, Mapping):
            return ""
        kind = value.get("type")
        inner = value.get(kind) if isinstance(kind, str) else None
        if kind == "string":
            return str(inner or "")
        if kind == "number":
            return _number_text(inner)
        if kind == "boolean":
            return "✓" if inner is True else "–"
        if kind == "date":
            return _date_text(inner)
        return ""
    if ptype == "rollup":
        if not isinstance(value, Mapping):
            return ""
        kind = value.get("type")
        if kind == "number":
            return _number_text(value.get("number"))
        if kind == "date":
            return _date_text(value.get("date"))
        if kind == "array":
            parts = (value_text(item) for item in value.get("array") or [])
            return ", ".join(p for p in parts if p)
        return ""
    if ptype in ("created_time", "last_edited_time", "last_visited_time"):
        return _when(value) if value else ""
    if ptype in ("created_by", "last_edited_by"):
        return _user_text(value)
    if ptype == "unique_id":
        if not isinstance(value, Mapping) or value.get("number") is None:
            return ""
        prefix = value.get("prefix")
        return f"{prefix}-{value['number']}" if prefix else str(value["number"])
    if ptype == "verification":
        if not isinstance(value, Mapping):
            return ""
        state = str(value.get("state") or "")
        text = state.capitalize()
        if state == "verified" and isinstance(value.get("date"), Mapping):
            end = value["date"].get("end")
            if end:
                text += f" until {end}"
        return text
    if ptype == "place":
        if not isinstance(value, Mapping):
            return ""
        return str(value.get("name") or value.get("address") or "")
    return ""


def title_of(obj) -> str:
    """Plain-text title of a data source, database or page (its title property)."""
    if not isinstance(obj, Mapping):
        return ""
    if isinstance(obj.get("title"), list):
        return _plain(obj["title"])
    for value in (obj.get("properties") or {}).values():
        if isinstance(value, Mapping) and value.get("type") == "title":
            return _plain(value.get("title"))
    return ""
