"""Does a page in Notion hold the values the app sent? Compare a create's property values with
the page Notion returns, normalised the way Notion echoes them (rich text as plain text, options
by name, ids without dashes, date-times as instants, numbers as numbers)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .ids import compact_id

# Notion echoes at most this many related pages (then `has_more` is true).
RELATION_ECHO = 25


def same_values(sent: Mapping, page_properties: Mapping) -> bool:
    """True when every property in `sent` has the same value in `page_properties`."""
    for name, value in sent.items():
        if not isinstance(value, Mapping):
            return False
        found = page_properties.get(name)
        if not isinstance(found, Mapping):
            return False
        ptype = found.get("type") or next(iter(value), None)
        ours, theirs = normalise(ptype, value.get(ptype)), normalise(ptype, found.get(ptype))
        if ptype == "relation":
            # Notion echoes at most 25 related pages: what it shows must be among what was
            # sent, and as many as it can show (an empty echo is not "some of them").
            same = theirs <= ours and len(theirs) >= min(len(ours), RELATION_ECHO)
        else:
            same = ours == theirs
        if not same:
            return False
    return True


def normalise(ptype: str | None, value):
    """A comparable form of one property value, in a request's or a response's shape."""
    if value is None:
        return _EMPTY.get(ptype)
    handler = _BY_TYPE.get(ptype)
    return handler(value) if handler else value


def _text(items) -> str:
    return "".join(
        item.get("plain_text")
        if item.get("plain_text") is not None
        else (item.get("text") or {}).get("content", "")
        for item in items or []
        if isinstance(item, Mapping)
    )


def _option(value) -> str | None:
    return value.get("name") if isinstance(value, Mapping) else None


def _options(values) -> frozenset:
    return frozenset(_option(v) for v in values or [])


def _ids(values) -> frozenset:
    return frozenset(compact_id(v.get("id")) for v in values or [] if isinstance(v, Mapping))


def _number(value):
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _instant(text, zone: str | None):
    """A day as written; a date-time as the instant it names, in UTC: Notion may echo it with
    another offset or precision (milliseconds, `Z`, a time zone given apart turned into an
    offset). A date-time without offset is read in `zone`, else as UTC (as Notion does)."""
    if not isinstance(text, str) or len(text) <= 10:
        return text
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    if when.tzinfo is None:
        when = when.replace(tzinfo=_zone(zone))
    return when.astimezone(UTC)


def _zone(name: str | None):
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _date(value) -> tuple:
    if not isinstance(value, Mapping):
        return (value,)
    zone = value.get("time_zone")
    return _instant(value.get("start"), zone), _instant(value.get("end"), zone)


def _files(values) -> tuple:
    out = []
    for item in values or []:
        if isinstance(item, Mapping):
            # A file Notion hosts (sent as a `file_upload`, read back as a `file` whose signed
            # URL changes on every read) is known by its name; a link by its name and URL.
            url = (item.get("external") or {}).get("url")
            out.append((item.get("name"), url))
    return tuple(sorted(out, key=str))


def _string(value):
    return value if value != "" else None


_BY_TYPE = {
    "title": _text,
    "rich_text": _text,
    "select": _option,
    "status": _option,
    "multi_select": _options,
    "people": _ids,
    "relation": _ids,
    "number": _number,
    "date": _date,
    "files": _files,
    "url": _string,
    "email": _string,
    "phone_number": _string,
}
_EMPTY = {
    "title": "", "rich_text": "", "multi_select": frozenset(), "people": frozenset(),
    "relation": frozenset(), "files": (), "checkbox": False, "date": (None, None),
}
