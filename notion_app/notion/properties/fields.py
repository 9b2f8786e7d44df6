"""Schema -> form fields: which properties can be written, in which order, with which key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .base import WRITABLE_TYPES, _config, _str_or_none


@dataclass(frozen=True)
class Field:
    """One form input, derived from one data source property."""

    name: str
    id: str
    type: str
    key: str
    writable: bool
    description: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # (name, color)
    groups: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # status: (group, options)
    number_format: str | None = None
    allows_new_option: bool = False
    related_data_source_id: str | None = None


def field_key(property_id: str) -> str:
    """The HTML form field name for a property id (see the module docstring)."""
    out = ["p-"]
    for byte in str(property_id).encode("utf-8", "surrogatepass"):
        char = chr(byte)
        out.append(char if char.isascii() and char.isalnum() else f"_{byte:02x}")
    return "".join(out)


def _option_list(prop: Mapping) -> list[tuple[str, str]]:
    out = []
    for opt in _config(prop).get("options") or []:
        if isinstance(opt, Mapping) and isinstance(opt.get("name"), str):
            out.append((opt["name"], str(opt.get("color") or "default")))
    return out


def is_writable(prop: Mapping) -> bool:
    return prop.get("type") in WRITABLE_TYPES


def ordered_properties(schema_properties: Mapping) -> list[tuple[str, Mapping]]:
    """(name, property) pairs, title first, then schema order. Names come from the dict keys."""
    items = [
        (str(name), prop) for name, prop in schema_properties.items() if isinstance(prop, Mapping)
    ]
    return sorted(items, key=lambda item: item[1].get("type") != "title")


def form_fields(schema_properties: Mapping) -> list[Field]:
    """One Field per property of a data source schema, title first then schema order."""
    return [_field(name, prop) for name, prop in ordered_properties(schema_properties)]


def _field(name: str, prop: Mapping) -> Field:
    ptype = str(prop.get("type") or "")
    conf = _config(prop)
    prop_id = str(prop.get("id") or name)
    options: tuple = tuple(_option_list(prop)) if ptype in ("select", "multi_select") else ()
    groups: tuple = ()
    if ptype == "status":
        groups = _status_groups(conf)
        options = tuple(opt for _, members in groups for opt in members)
    related = None
    if ptype == "relation":
        related = conf.get("data_source_id") or conf.get("database_id")
    return Field(
        name=name,
        id=prop_id,
        type=ptype,
        key=field_key(prop_id),
        writable=ptype in WRITABLE_TYPES,
        description=_str_or_none(prop.get("description")),
        options=options,
        groups=groups,
        number_format=conf.get("format") if ptype == "number" else None,
        allows_new_option=ptype in ("select", "multi_select"),
        related_data_source_id=related,
    )


def _status_groups(conf: Mapping) -> tuple:
    """A status property's options by group ((group name, ((name, color), ...)), ...); options
    in no group come last, under an empty name."""
    all_options = {}
    for opt in conf.get("options") or []:
        if isinstance(opt, Mapping) and isinstance(opt.get("name"), str):
            all_options[opt.get("id")] = (opt["name"], str(opt.get("color") or "default"))
    grouped, seen = [], set()
    for group in conf.get("groups") or []:
        if not isinstance(group, Mapping):
            continue
        ids = group.get("option_ids") or []
        grouped.append((str(group.get("name") or ""),
                        tuple(all_options[oid] for oid in ids if oid in all_options)))
        seen.update(ids)
    rest = tuple(opt for oid, opt in all_options.items() if oid not in seen)
    if rest:
        grouped.append(("", rest))
    return tuple(grouped)


def title_property_name(schema_properties: Mapping) -> str | None:
    """The name of the data source's title property (every data source has exactly one)."""
    return next(
        (name for name, prop in (schema_properties or {}).items()
         if isinstance(prop, Mapping) and prop.get("type") == "title"),
        None,
    )
