"""Select, multi-select and status values."""

from __future__ import annotations

from collections.abc import Mapping

from .base import MAX_ITEMS, MAX_OPTION_NAME, FieldError, _Context, _one, _Raw, _short
from .fields import _option_list


def _options(prop: Mapping) -> set[str]:
    return {name for name, _ in _option_list(prop)}


def _new_option_name(name: str) -> str:
    name = name.strip()
    if "," in name:
        raise FieldError("Option names cannot contain commas.")
    if len(name) > MAX_OPTION_NAME:
        raise FieldError(f"Option names are at most {MAX_OPTION_NAME} characters.")
    return name


def _select(raw: _Raw, ctx: _Context, prop: Mapping):
    existing = _options(prop)
    new = next((v.strip() for v in raw.new if v.strip()), "")
    chosen = _one(raw)
    if new and new in existing:
        chosen, new = new, ""
    if new:
        if not ctx.allow_new_options:
            raise FieldError("Choose one of the existing options.")
        return {"name": _new_option_name(new)}
    if not chosen:
        return None
    if chosen in existing:
        return {"name": chosen}
    if ctx.unknown_as_new and ctx.allow_new_options:
        return {"name": _new_option_name(chosen)}
    raise FieldError(f"“{_short(chosen)}” is not one of the options.")


def _multi_select(raw: _Raw, ctx: _Context, prop: Mapping):
    existing = _options(prop)
    names: list[str] = []
    for value in raw.values:
        parts = [p.strip() for p in value.split(",")] if ctx.unknown_as_new else [value.strip()]
        for name in parts:
            if not name:
                continue
            if name not in existing:
                if not (ctx.unknown_as_new and ctx.allow_new_options):
                    raise FieldError(f"“{_short(name)}” is not one of the options.")
                name = _new_option_name(name)
            names.append(name)
    for value in raw.new:
        for name in value.split(","):
            if name.strip():
                if not ctx.allow_new_options and name.strip() not in existing:
                    raise FieldError("Choose among the existing options.")
                names.append(_new_option_name(name))
    names = list(dict.fromkeys(names))
    if len(names) > MAX_ITEMS:
        raise FieldError(f"Choose at most {MAX_ITEMS} options.")
    return [{"name": name} for name in names] if names else None


def _status(raw: _Raw, ctx: _Context, prop: Mapping):
    chosen = _one(raw)
    if not chosen:
        return None
    if chosen not in _options(prop):
        raise FieldError(f"“{_short(chosen)}” is not one of the statuses.")
    return {"name": chosen}
