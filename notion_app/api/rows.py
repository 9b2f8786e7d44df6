"""A request's row -> Notion properties, checked with the parsers people's rows go through.

`values` are read like CSV cells (`properties.parse_row`, the CSV import's parser), so the API
and the import grow together; `properties` in Notion's shapes are turned into the row form's
fields (`properties.form_values`, the form's own inverse) and validated by `parse_form`, exactly
like a typed row. Either way no Notion call is made here, and errors are keyed by property.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC

from ..models import RowSubmission
from ..notion import body as notion_body
from ..notion import properties
from ..notion.properties import FieldError

LIST_TYPES = frozenset({"multi_select", "people", "relation", "files"})
NOT_A_PROPERTY = "This data source has no property of that name."
READ_ONLY = "Notion computes this property; it cannot be written."


def from_values(schema_props: Mapping, values: Mapping, users=None) -> tuple[dict, dict]:
    """(Notion properties, {property name: error}) for `values`, read like one CSV row."""
    errors: dict[str, str] = {}
    cells: dict[str, str] = {}
    for name, value in values.items():
        prop = _writable(schema_props, name, errors)
        if prop is None:
            continue
        try:
            cells[name] = cell_text(value, prop.get("type") in LIST_TYPES)
        except FieldError as exc:
            errors[name] = str(exc)
    props, parse_errors = properties.parse_row(
        schema_props, {name: name for name in cells}, cells, users=users)
    return props, {**parse_errors, **errors}  # ours first: "not a list" beats "required"


def cell_text(value, many: bool) -> str:
    """A JSON value as the text of a CSV cell (a list: its items, comma-separated)."""
    if value is None:
        return ""
    if isinstance(value, list):
        if not many:
            raise FieldError("Give one value here, not a list.")
        return ", ".join(cell_text(item, False) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError("Give a finite number.")
        return repr(value)
    if isinstance(value, str):
        return value
    raise FieldError("Give a string, a number, a boolean or a list.")


def from_notion_shapes(schema_props: Mapping, given: Mapping, users=None) -> tuple[dict, dict]:
    """(Notion properties, {property name: error}) for values in Notion's own shapes."""
    errors: dict[str, str] = {}
    form: dict[str, list[str]] = {}
    by_name = {f.name: f for f in properties.form_fields(schema_props)}
    for name, value in given.items():
        if _writable(schema_props, name, errors) is None:
            continue
        field = by_name[name]
        try:
            form.update(_form_fields(field, value))
        except (FieldError, AttributeError, TypeError, ValueError, KeyError) as exc:
            detail = str(exc) if isinstance(exc, FieldError) else ""
            shape = f'{{"{field.type}": …}}'
            errors[name] = detail or f"This is not a Notion {field.type} value ({shape})."
    props, parse_errors, _ = properties.parse_form(schema_props, form, users=users)
    return props, {**errors, **{k: v for k, v in parse_errors.items() if k not in errors}}


def _form_fields(field, value) -> dict[str, list[str]]:
    """One property's Notion value as the row form's fields, for parse_form to check."""
    if not isinstance(value, Mapping) or field.type not in value:
        raise FieldError(f'Give it as {{"{field.type}": …}}, as Notion does.')
    inner = value[field.type]
    if field.type == "checkbox" and not isinstance(inner, bool):
        raise FieldError("A checkbox is true or false.")
    form = properties.form_values([field], {field.name: dict(value)})
    if field.type == "date" and isinstance(inner, Mapping):
        # The form splits a date-time into date and HH:MM inputs; a program gives whole ISO
        # date-times (with seconds and an offset), which the date field itself takes.
        for part, when in (("", inner.get("start")), ("-end", inner.get("end"))):
            if isinstance(when, str) and "T" in when:
                form[field.key + part], form[field.key + part + "-time"] = [when], []
    return form


def _writable(schema_props: Mapping, name: str, errors: dict) -> Mapping | None:
    prop = schema_props.get(name)
    if not isinstance(prop, Mapping):
        errors[name] = NOT_A_PROPERTY
        return None
    if not properties.is_writable(prop):
        errors[name] = READ_ONLY
        return None
    return prop


def size_errors(data_source_id: str, props: dict) -> dict[str, str]:
    """Notion refuses a create over 500 KB: which property to shorten (before saving)."""
    return notion_body.page_size_errors(data_source_id, props)


def wants_emails(values: Mapping) -> bool:
    """Whether any value could be a person's email (then the workspace's people are needed)."""
    def has_at(value) -> bool:
        if isinstance(value, str):
            return "@" in value
        if isinstance(value, list):
            return any(has_at(v) for v in value)
        return False

    return any(has_at(v) for v in values.values())


def row_json(row: RowSubmission) -> dict:
    """A row as the API shows it (to dump with schemas.Row)."""
    return {
        "id": row.id, "state": row.state, "connection_id": row.connection_id,
        "data_source_id": row.data_source_id, "title": row.title_text,
        "notion_page_id": row.notion_page_id, "notion_page_url": row.notion_page_url,
        "error": row.last_error, "error_property": row.error_property,
        "created_at": _iso(row.created_at), "sent_at": _iso(row.sent_at),
    }


def _iso(when):
    """Stored times are naive UTC; the API says so (RFC 3339 with an offset)."""
    return when.replace(tzinfo=UTC, microsecond=0) if when is not None else None
