"""Date values: a start, an optional end, an optional time zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import FieldError, _Context, _one, _Raw, _short


def _parse_when(text: str, time_text: str = "") -> date | datetime:
    text = text.strip()
    time_text = time_text.strip()
    if not text:
        raise FieldError("Enter the start date.")
    try:
        if time_text and len(text) == 10:
            parsed_time = time.fromisoformat(time_text)
            if parsed_time.tzinfo is not None:
                raise ValueError
            return datetime.combine(date.fromisoformat(text), parsed_time)
        if len(text) == 10:
            return date.fromisoformat(text)
        if len(text) < 16:
            raise ValueError
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise FieldError(
            f"“{_short(text)}” is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM)."
        ) from None


def _iso(when: date | datetime) -> str:
    if isinstance(when, datetime):
        spec = "seconds" if when.microsecond == 0 else "milliseconds"
        return when.isoformat(timespec=spec)
    return when.isoformat()


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _date(raw: _Raw, ctx: _Context, prop: Mapping):
    start_text = _one(raw)
    if not start_text:
        if raw.end.strip():
            raise FieldError("Enter the start date as well as the end.")
        return None
    start = _parse_when(start_text, raw.time)
    end = _parse_when(raw.end, raw.end_time) if raw.end.strip() else None
    if end is not None and isinstance(start, datetime) != isinstance(end, datetime):
        raise FieldError("Give a time for both the start and the end, or for neither.")
    tz_name = raw.tz.strip()
    time_zone = None
    if tz_name and isinstance(start, datetime):
        try:
            if len(tz_name) > 64 or ".." in tz_name or tz_name.startswith("/"):
                raise ValueError
            ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise FieldError(f"“{_short(tz_name)}” is not a known time zone.") from None
        if start.tzinfo is not None or (end is not None and end.tzinfo is not None):
            raise FieldError("With a time zone, give times without a UTC offset.")
        time_zone = tz_name
    if end is not None:
        later = (
            _aware(end) < _aware(start) if isinstance(start, datetime) else end < start
        )
        if later:
            raise FieldError("The end must not be before the start.")
    value = {"start": _iso(start)}
    if end is not None:
        value["end"] = _iso(end)
    if time_zone:
        value["time_zone"] = time_zone
    return value
