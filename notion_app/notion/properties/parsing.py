"""Form and CSV text -> Notion property values, for a whole row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .base import FieldError, _config, _Context, _one, _Raw, clean_text, normalize_id
from .choices import _multi_select, _select, _status
from .dates import _date
from .fields import field_key, is_writable, ordered_properties
from .links import _files, _people, _relation
from .numbers import _checkbox, parse_number
from .text import _email, _phone, _title_or_text, _url

_BUILDERS = {
    "rich_text": lambda raw, ctx, prop: _title_or_text(raw, ctx, "rich_text"),
    "title": lambda raw, ctx, prop: _title_or_text(raw, ctx, "title"),
    "number": lambda raw, ctx, prop: parse_number(_one(raw), _config(prop).get("format")),
    "select": _select,
    "multi_select": _multi_select,
    "status": _status,
    "date": _date,
    "checkbox": _checkbox,
    "url": _url,
    "email": _email,
    "phone_number": _phone,
    "people": _people,
    "relation": _relation,
    "files": _files,
}


def _build(prop: Mapping, raw: _Raw, ctx: _Context) -> dict | None:
    """The Notion value object for one property, None when empty; FieldError when invalid."""
    ptype = prop.get("type")
    builder = _BUILDERS.get(ptype)
    if builder is None:
        return None
    value = builder(raw, ctx, prop)
    if value is None:
        return None
    return {ptype: value}


def _context(known_user_ids, users, allow_new_options, unknown_as_new) -> _Context:
    by_email = None
    if users is not None:
        by_email = {}
        for user in users:
            if not isinstance(user, Mapping):
                continue
            person = user.get("person")
            mail = person.get("email") if isinstance(person, Mapping) else user.get("email")
            if isinstance(mail, str) and isinstance(user.get("id"), str):
                try:
                    by_email[mail.lower()] = normalize_id(user["id"])
                except FieldError:
                    pass
    known = None
    if known_user_ids is not None:
        known = set()
        for uid in known_user_ids:
            try:
                known.add(normalize_id(str(uid)))
            except FieldError:
                pass
        known = frozenset(known)
    return _Context(known, by_email, allow_new_options, unknown_as_new)


def _getlist(form, key: str) -> list[str]:
    if hasattr(form, "getlist"):
        values = form.getlist(key)
    else:
        values = form.get(key) if isinstance(form, Mapping) else None
        if values is None:
            values = []
        elif isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            values = [values]
    out = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        out.append(clean_text(value if isinstance(value, str) else str(value)))
    return out


_SUFFIXES = ("", "-new", "-name", "-time", "-end", "-end-time", "-tz")


def parse_form(
    schema_properties: Mapping,
    form,
    *,
    known_user_ids: Iterable[str] | None = None,
    users: Iterable[Mapping] | None = None,
    require_title: bool = True,
    allow_new_options: bool = True,
    key_by: str = "name",
) -> tuple[dict, dict[str, str], dict[str, list[str]]]:
    """Validate a submitted row form against the schema.

    Returns `(properties, errors, values)`: the Notion `properties` payload (only when `errors`
    is empty is it meant to be sent), errors keyed by property name, and the cleaned text of
    every recognised form field keyed by form field name, to show the form again as typed.
    `known_user_ids`: the workspace's user ids; people must be among them (when None, any
    UUID-shaped id is accepted: Notion never lists guests, so a list cannot prove an id wrong).
    `users`: the workspace's people, to look emails up (None: an email is refused, saying so).
    """
    ctx = _context(known_user_ids, users, allow_new_options, unknown_as_new=False)
    properties: dict = {}
    errors: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for name, prop in ordered_properties(schema_properties):
        if not is_writable(prop):
            continue
        key = field_key(str(prop.get("id") or name))
        raw = _raw_from_form(form, key, values)
        try:
            value = _build(prop, raw, ctx)
        except FieldError as exc:
            errors[name] = str(exc)
            continue
        if value is None:
            if prop.get("type") == "title" and require_title:
                errors[name] = "This field is required."
            continue
        properties[name if key_by == "name" else str(prop.get("id") or name)] = value
    return properties, errors, values


def _raw_from_form(form, key: str, values: dict[str, list[str]]) -> _Raw:
    """The text given for one property's fields (`key` and its suffixes); every non-empty field
    is also noted in `values`, to show the form again as typed."""
    got = {suffix: _getlist(form, key + suffix) for suffix in _SUFFIXES}
    values.update({key + suffix: texts for suffix, texts in got.items() if texts})

    def first(suffix: str) -> str:
        return next((t for t in got[suffix] if t.strip()), "")

    return _Raw(
        values=got[""], new=got["-new"], names=got["-name"], time=first("-time"),
        end=first("-end"), end_time=first("-end-time"), tz=first("-tz"),
    )


def csv_value(
    schema_property: Mapping,
    text,
    *,
    known_user_ids: Iterable[str] | None = None,
    users: Iterable[Mapping] | None = None,
    allow_new_options: bool = True,
) -> dict | None:
    """The Notion value for one CSV cell; None when empty; FieldError when invalid."""
    ctx = _context(known_user_ids, users, allow_new_options, unknown_as_new=True)
    return _csv_value(schema_property, text, ctx)


def _csv_value(prop: Mapping, text, ctx: _Context) -> dict | None:
    if text is None:
        return None
    text = clean_text(text if isinstance(text, str) else str(text))
    raw = _Raw(values=[text])
    if prop.get("type") == "date" and "/" in text:  # "start/end" (ISO 8601 interval)
        start, _, end = text.partition("/")
        raw = _Raw(values=[start], end=end)
    return _build(prop, raw, ctx)


def parse_row(
    schema_properties: Mapping,
    mapping: Mapping[str, str],
    row: Mapping[str, str],
    known_user_ids: Iterable[str] | None = None,
    *,
    users: Iterable[Mapping] | None = None,
    require_title: bool = True,
    allow_new_options: bool = True,
) -> tuple[dict, dict[str, str]]:
    """Validate one CSV row. `mapping` maps column -> property name; unmapped columns are
    ignored, as are mappings to unknown or read-only properties. Errors are keyed by property."""
    ctx = _context(known_user_ids, users, allow_new_options, unknown_as_new=True)
    properties: dict = {}
    errors: dict[str, str] = {}
    for column, name in mapping.items():
        prop = schema_properties.get(name) if isinstance(name, str) else None
        if not isinstance(prop, Mapping) or not is_writable(prop):
            continue
        try:
            value = _csv_value(prop, row.get(column), ctx)
        except FieldError as exc:
            errors[name] = str(exc)
            continue
        if value is not None:
            properties[name] = value
    if require_title:
        for name, prop in schema_properties.items():
            if isinstance(prop, Mapping) and prop.get("type") == "title":
                if name not in properties and name not in errors:
                    errors[name] = "This field is required."
    return properties, errors
