"""Number and checkbox values."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from .base import _FALSE, _TRUE, FieldError, _Context, _Raw


def parse_number(text: str, number_format: str | None = None) -> int | float | None:
    """A number from what a person typed; percent formats give the fraction (12.5 -> 0.125)."""
    text = text.strip().replace(" ", "").replace("_", "").replace("\u00a0", "")
    if not text:
        return None
    percent = number_format == "percent"
    if text.endswith("%"):
        if not percent:
            raise FieldError("Enter a number without “%”.")
        text = text[:-1]
    text = text.lstrip("$€£¥₹₩")
    if text.startswith(("+", "-")) and text[1:2] in "$€£¥₹₩" and text[1:2]:
        text = text[0] + text[2:]
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?", text):
        raise FieldError("Enter a number, like 42 or 3.14.")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise FieldError("Enter a number, like 42 or 3.14.") from None
    if percent:
        number = number / 100
    as_float = float(number)
    if not math.isfinite(as_float) or abs(as_float) > 1e300:
        raise FieldError("That number is too large.")
    if number == number.to_integral_value() and abs(number) <= 2**53:
        return int(number)
    return as_float


def parse_checkbox(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False if value else None
    raise FieldError("Use yes or no.")


def _checkbox(raw: _Raw, ctx: _Context, prop: Mapping):
    # a checkbox may come with a hidden "off" field before it: the last non-empty value wins
    values = [v for v in raw.values if v.strip()]
    if not values:
        return None
    return parse_checkbox(values[-1])
