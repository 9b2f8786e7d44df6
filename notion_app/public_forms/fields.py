"""A public form's fields: the owner's settings joined to the data source's properties.

Only property types a visitor can fill in without seeing the workspace are offered by default:
people and relation pickers reveal workspace names and page titles, so those two are offered only
once the owner enables them, after a warning (`enabled`; choices.py lists what visitors pick).
A `files` property is a file picker (uploads.py), in the form only once its owner adds it:
visitors' files take the owner's storage. Read-only types (formula, rollup,
created_time, unique_id, ...) are never offered, decided by the same `Field.writable` as the row
form (notion/properties).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..notion import properties
from ..notion.properties import FieldError

# Writable in the row form but not offered to visitors unless enabled (the module docstring).
NOT_FOR_VISITORS = frozenset({"people", "relation"})
# The form's switch for each of them.
SWITCHES = {"people": "offer_people", "relation": "offer_relations"}
MAX_LABEL = 200
MAX_HELP = 1000
MAX_DEFAULT = 2000


@dataclass(frozen=True)
class FormField:
    """One field of a public form: the property (`field`) and what its owner set for it."""

    field: properties.Field
    label: str
    help: str
    required: bool
    default: str
    prefill: bool
    hidden: bool

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def id(self) -> str:
        return self.field.id

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def type(self) -> str:
        return self.field.type


def enabled(form) -> frozenset[str]:
    """The picker types the form's owner enabled (people, relation)."""
    return frozenset(t for t, switch in SWITCHES.items() if getattr(form, switch, False))


def offerable(field: properties.Field, allowed: frozenset[str] = frozenset()) -> bool:
    return field.writable and (field.type not in NOT_FOR_VISITORS or field.type in allowed)


def settings_for(property_id: str, *, title: bool = False) -> dict:
    """A new field's settings: shown, labelled by its property name; the title required."""
    return {"id": property_id, "label": "", "help": "", "required": title, "default": "",
            "prefill": False, "hidden": False}


def of(form) -> list[FormField]:
    """The form's fields as visitors get them (the pickers its owner enabled)."""
    return form_fields(form.schema, form.fields, enabled(form))


def form_fields(schema: Mapping, settings: list[dict],
                allowed: frozenset[str] = frozenset()) -> list[FormField]:
    """The form's fields in the owner's order; settings whose property is gone (or is a picker
    not enabled) are skipped."""
    by_id = {f.id: f for f in properties.form_fields(schema or {})}
    out = []
    for s in settings or []:
        field = by_id.get(str(s.get("id")))
        if field is None or not offerable(field, allowed):
            continue
        out.append(FormField(
            field=field, label=str(s.get("label") or "") or field.name,
            help=str(s.get("help") or ""), required=bool(s.get("required")),
            default=str(s.get("default") or ""), prefill=bool(s.get("prefill")),
            hidden=bool(s.get("hidden")),
        ))
    return out


def schema_of(schema: Mapping, fields: list[FormField]) -> dict:
    """The part of the schema the visitor's inputs fill in (hidden fields are not inputs)."""
    # Files come from uploads.py, people and pages from choices.py.
    shown = {f.name for f in fields
             if not f.hidden and f.type not in ("files", *NOT_FOR_VISITORS)}
    return {name: prop for name, prop in (schema or {}).items() if name in shown}


def text_value(schema: Mapping, field: FormField, text: str) -> dict | None:
    """The Notion value of an owner-typed text (a default or a fixed value) for `field`: option
    names comma-separated, a checkbox as yes/no, a date as YYYY-MM-DD; FieldError when invalid."""
    return properties.csv_value(schema[field.name], text, allow_new_options=False)


def form_text(field: FormField, text: str) -> dict[str, list[str]]:
    """An owner's or a link's text as the visitor's inputs hold it (to show in the form)."""
    text = text.strip()
    if not text:
        return {}
    if field.type == "multi_select":
        return {field.key: [t.strip() for t in text.split(",") if t.strip()]}
    if field.type == "checkbox":
        try:
            return {field.key: ["on"]} if properties.parse_checkbox(text) else {}
        except FieldError:
            return {}
    return {field.key: [text]}


def initial_values(fields: list[FormField], query: Mapping) -> dict[str, list[str]]:
    """What the form shows before the visitor types: each field's default, replaced by the
    link's query string (`?Status=Done`, by property name) where the owner allows prefill."""
    values: dict[str, list[str]] = {}
    for f in fields:
        if f.hidden:
            continue
        values.update(form_text(f, f.default))
        if f.prefill and hasattr(query, "getlist") and query.getlist(f.name):
            given = ",".join(t[:MAX_DEFAULT] for t in query.getlist(f.name))
            values.pop(f.key, None)
            values.update(form_text(f, given))
    return values
