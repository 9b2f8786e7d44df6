"""Does a page in Notion hold the values the app sent? Compare a create's property values with
the page Notion returns, normalised the way Notion echoes them (rich text as plain text, options
by name, ids without dashes, dates by day, numbers as numbers)."""

from __future__ import annotations

from collections.abc import Mapping

from .ids import compact_id


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
        # Notion echoes at most 25 related pages: what it shows must be among what was sent.
        same = theirs <= ours if ptype == "relation" else ours == theirs
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


def _instant(text):
    """The calendar day as written: Notion may echo a time with another offset or precision
    (a time zone given apart, milliseconds), and only the app's own pages are compared."""
    return text[:10] if isinstance(text, str) else text


def _date(value) -> tuple:
    if not isinstance(value, Mapping):
        return (value,)
    return _instant(value.get("start")), _instant(value.get("end"))


def _files(values) -> tuple:
    out = []
    for item in values or []:
        if isinstance(item, Mapping):
            url = (item.get("external") or {}).get("url") or (item.get("file") or {}).get("url")
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
