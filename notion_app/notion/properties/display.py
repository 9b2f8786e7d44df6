"""Notion property values -> text for people.

Pure functions: the reader's locale, time zone and the people the page knows come in as a
`Viewer` (the Flask side builds one per request: notion_app/localization.py), so nothing here
needs a request. Numbers follow the property's Notion `number_format` through Babel; moments
(created_time, last_edited_time, dates with a time) are shown in the viewer's time zone, with
the zone named; a date without a time stays a date; people are named, never shown as an id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency, format_decimal, format_percent

from ..ids import compact_id
from .base import _plain

UNLISTED_PERSON = "Someone not listed"

# Notion's currency number formats -> ISO 4217 codes (Babel picks the symbol for the locale).
CURRENCIES = {
    "dollar": "USD", "australian_dollar": "AUD", "canadian_dollar": "CAD",
    "singapore_dollar": "SGD", "euro": "EUR", "pound": "GBP", "yen": "JPY", "ruble": "RUB",
    "rupee": "INR", "won": "KRW", "yuan": "CNY", "real": "BRL", "lira": "TRY", "rupiah": "IDR",
    "franc": "CHF", "hong_kong_dollar": "HKD", "new_zealand_dollar": "NZD", "krona": "SEK",
    "norwegian_krone": "NOK", "mexican_peso": "MXN", "rand": "ZAR", "new_taiwan_dollar": "TWD",
    "danish_krone": "DKK", "zloty": "PLN", "baht": "THB", "forint": "HUF", "koruna": "CZK",
    "shekel": "ILS", "chilean_peso": "CLP", "philippine_peso": "PHP", "dirham": "AED",
    "colombian_peso": "COP", "riyal": "SAR", "ringgit": "MYR", "leu": "RON",
    "argentine_peso": "ARS", "uruguayan_peso": "UYU", "peruvian_sol": "PEN",
}


@dataclass(frozen=True)
class Viewer:
    """Who reads the values: a Babel locale, a time zone, and the names of the people the page
    knows (compact Notion user id -> name; see `people_names`)."""

    locale: str = "en"
    zone: tzinfo = UTC
    people: Mapping[str, str] = field(default_factory=dict)


DEFAULT_VIEWER = Viewer()


def people_names(users: Iterable[Mapping] | None) -> dict[str, str]:
    """Id -> name for a list of Notion users (the workspace's people, as the catalog keeps
    them); unnamed ones are left out."""
    names = {}
    for user in users or ():
        if isinstance(user, Mapping) and user.get("name") and compact_id(user.get("id")):
            names[compact_id(user["id"])] = str(user["name"])
    return names


# -- numbers -------------------------------------------------------------------------------


def number_text(number, number_format: str | None = None, locale: str = "en") -> str:
    """A Notion number as its property shows it: `number` plain, `number_with_commas` grouped,
    `percent` (0.125 -> 12.5%), a currency with its symbol and the currency's decimals."""
    if number is None or isinstance(number, bool) or not isinstance(number, (int, float)):
        return ""
    if isinstance(number, float):
        if not math.isfinite(number):
            return str(number)
        # Binary floats: 0.1 + 0.2 reads as 0.3, the way Notion shows it.
        number = Decimal(repr(round(number, 10))).normalize()
    if number_format == "percent":
        return format_percent(number, locale=locale, decimal_quantization=False)
    if number_format in CURRENCIES:
        return format_currency(number, CURRENCIES[number_format], locale=locale)
    return format_decimal(number, locale=locale, decimal_quantization=False,
                          group_separator=number_format == "number_with_commas")


# -- dates and times -----------------------------------------------------------------------


def zone_label(moment: datetime) -> str:
    """The zone of an aware moment, short: UTC, CEST, EDT, or UTC+04 where the zone has no
    abbreviation."""
    name = moment.tzname() or "UTC"
    return f"UTC{name}" if name[:1] in "+-" else name


def moment_text(moment: datetime, viewer: Viewer = DEFAULT_VIEWER) -> str:
    """A moment in the viewer's zone and words: `Jul 4, 2026, 11:09 AM CEST`. A naive datetime
    is UTC (what the database stores)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(viewer.zone)
    day = format_date(local, "medium", locale=viewer.locale)
    time = format_time(local, "short", tzinfo=local.tzinfo, locale=viewer.locale)
    both = get_datetime_format("medium", locale=viewer.locale)
    return f"{both.replace('{1}', day).replace('{0}', time)} {zone_label(local)}"


def day_text(day: date, viewer: Viewer = DEFAULT_VIEWER) -> str:
    """A date without a time, as the viewer's locale writes it: `Jul 4, 2026`."""
    return format_date(day, "medium", locale=viewer.locale)


def _zone(name) -> tzinfo | None:
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _when(iso, viewer: Viewer = DEFAULT_VIEWER, written_in: str | None = None) -> str:
    """An ISO date or date-time from Notion for people. A date-time without an offset is in
    `written_in` (the date property's time_zone) or else UTC; text that is no date is kept."""
    text = str(iso or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if "T" not in text:
        return day_text(moment.date(), viewer)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(written_in) or UTC)
    return moment_text(moment, viewer)


def _date_text(value, viewer: Viewer = DEFAULT_VIEWER) -> str:
    if not isinstance(value, Mapping) or not value.get("start"):
        return ""
    zone = value.get("time_zone")
    text = _when(value["start"], viewer, zone)
    if value.get("end"):
        text += f" → {_when(value['end'], viewer, zone)}"
    return text


# -- people --------------------------------------------------------------------------------


def _person_name(user, viewer: Viewer) -> str:
    """A user's name: from the value, else from the people the page knows, else their email;
    "" when none is known (never the id)."""
    if not isinstance(user, Mapping):
        return ""
    return str(
        user.get("name") or viewer.people.get(compact_id(user.get("id")))
        or (user.get("person") or {}).get("email") or ""
    )


def _user_text(user, viewer: Viewer = DEFAULT_VIEWER) -> str:
    if not isinstance(user, Mapping):
        return ""
    return _person_name(user, viewer) or UNLISTED_PERSON


def _people_text(users, viewer: Viewer = DEFAULT_VIEWER) -> str:
    named, unlisted = [], 0
    for user in users or []:
        if isinstance(user, Mapping):
            name = _person_name(user, viewer)
            named += [name] if name else []
            unlisted += not name
    if unlisted:
        named.append(UNLISTED_PERSON if unlisted == 1 else f"{unlisted} people not listed")
    return ", ".join(named)


# -- every type ----------------------------------------------------------------------------


def value_text(property_value, number_format: str | None = None,
               viewer: Viewer = DEFAULT_VIEWER) -> str:
    """Readable text for a property value as Notion returns it on a page. Unknown: ""."""
    if not isinstance(property_value, Mapping):
        return ""
    ptype = property_value.get("type")
    value = property_value.get(ptype) if isinstance(ptype, str) else None
    if ptype == "number":
        return number_text(value, number_format, viewer.locale)
    if ptype == "relation":
        return _relation_text(value, bool(property_value.get("has_more")))
    if ptype in _PLAIN:
        return _PLAIN[ptype](value)
    show = _FOR_VIEWER.get(ptype)
    return show(value, viewer) if show else ""


def _name(value) -> str:
    return str(value.get("name") or "") if isinstance(value, Mapping) else ""


def _names(values) -> str:
    return ", ".join(_name(v) for v in values or [] if isinstance(v, Mapping))


def _check(value) -> str:
    return "✓" if value is True else "–"


def _relation_text(value, has_more: bool) -> str:
    count = len(value) if isinstance(value, list) else 0
    more = "+" if has_more else ""
    return "" if not count else f"{count}{more} linked page{'s' if count != 1 or more else ''}"


def _formula_text(value, viewer: Viewer = DEFAULT_VIEWER) -> str:
    if not isinstance(value, Mapping):
        return ""
    kind = value.get("type")
    inner = value.get(kind) if isinstance(kind, str) else None
    if kind == "string":
        return str(inner or "")
    if kind == "number":
        return number_text(inner, locale=viewer.locale)
    if kind == "boolean":
        return _check(inner)
    if kind == "date":
        return _date_text(inner, viewer)
    return ""


def _rollup_text(value, viewer: Viewer = DEFAULT_VIEWER) -> str:
    if not isinstance(value, Mapping):
        return ""
    kind = value.get("type")
    if kind == "number":
        return number_text(value.get("number"), locale=viewer.locale)
    if kind == "date":
        return _date_text(value.get("date"), viewer)
    if kind == "array":
        parts = (value_text(item, viewer=viewer) for item in value.get("array") or [])
        return ", ".join(p for p in parts if p)
    return ""


def _unique_id_text(value) -> str:
    if not isinstance(value, Mapping) or value.get("number") is None:
        return ""
    prefix = value.get("prefix")
    return f"{prefix}-{value['number']}" if prefix else str(value["number"])


def _verification_text(value, viewer: Viewer = DEFAULT_VIEWER) -> str:
    if not isinstance(value, Mapping):
        return ""
    state = str(value.get("state") or "")
    text = state.capitalize()
    if state == "verified" and isinstance(value.get("date"), Mapping):
        end = value["date"].get("end")
        if end:
            text += f" until {_when(end, viewer)}"
    return text


def _place_text(value) -> str:
    if not isinstance(value, Mapping):
        return ""
    return str(value.get("name") or value.get("address") or "")


def _timestamp_text(value, viewer: Viewer = DEFAULT_VIEWER) -> str:
    return _when(value, viewer) if value else ""


_PLAIN = {
    "title": _plain, "rich_text": _plain,
    "select": _name, "status": _name, "multi_select": _names, "files": _names,
    "checkbox": _check,
    "url": lambda v: str(v or ""), "email": lambda v: str(v or ""),
    "phone_number": lambda v: str(v or ""),
    "unique_id": _unique_id_text, "place": _place_text,
}
_FOR_VIEWER = {
    "date": _date_text,
    "people": _people_text, "created_by": _user_text, "last_edited_by": _user_text,
    "formula": _formula_text, "rollup": _rollup_text, "verification": _verification_text,
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
