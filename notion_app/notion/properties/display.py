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
    if ptype == "number":
        return _number_text(value, number_format)
    if ptype == "relation":
        return _relation_text(value, bool(property_value.get("has_more")))
    show = _BY_TYPE.get(ptype)
    return show(value) if show else ""


def _name(value) -> str:
    return str(value.get("name") or "") if isinstance(value, Mapping) else ""


def _names(values) -> str:
    return ", ".join(_name(v) for v in values or [] if isinstance(v, Mapping))


def _check(value) -> str:
    return "✓" if value is True else "–"


def _people_text(users) -> str:
    return ", ".join(t for t in (_user_text(u) for u in users or []) if t)


def _relation_text(value, has_more: bool) -> str:
    count = len(value) if isinstance(value, list) else 0
    more = "+" if has_more else ""
    return "" if not count else f"{count}{more} linked page{'s' if count != 1 or more else ''}"


def _formula_text(value) -> str:
    if not isinstance(value, Mapping):
        return ""
    kind = value.get("type")
    inner = value.get(kind) if isinstance(kind, str) else None
    shown = {"string": lambda v: str(v or ""), "number": _number_text, "boolean": _check,
             "date": _date_text}.get(kind)
    return shown(inner) if shown else ""


def _rollup_text(value) -> str:
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


def _unique_id_text(value) -> str:
    if not isinstance(value, Mapping) or value.get("number") is None:
        return ""
    prefix = value.get("prefix")
    return f"{prefix}-{value['number']}" if prefix else str(value["number"])


def _verification_text(value) -> str:
    if not isinstance(value, Mapping):
        return ""
    state = str(value.get("state") or "")
    text = state.capitalize()
    if state == "verified" and isinstance(value.get("date"), Mapping):
        end = value["date"].get("end")
        if end:
            text += f" until {end}"
    return text


def _place_text(value) -> str:
    if not isinstance(value, Mapping):
        return ""
    return str(value.get("name") or value.get("address") or "")


def _timestamp_text(value) -> str:
    return _when(value) if value else ""


_BY_TYPE = {
    "title": _plain, "rich_text": _plain,
    "select": _name, "status": _name, "multi_select": _names, "files": _names,
    "date": _date_text, "checkbox": _check,
    "url": lambda v: str(v or ""), "email": lambda v: str(v or ""),
    "phone_number": lambda v: str(v or ""),
    "people": _people_text, "created_by": _user_text, "last_edited_by": _user_text,
    "formula": _formula_text, "rollup": _rollup_text, "unique_id": _unique_id_text,
    "verification": _verification_text, "place": _place_text,
    "created_time": _timestamp_text, "last_edited_time": _timestamp_text,
    "last_visited_time": _timestamp_text,
}


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
