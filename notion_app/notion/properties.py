"""Notion property values: schema -> form fields, form/CSV text -> Notion JSON, values -> text.

Pure functions, no I/O. Everything is validated against the schema and Notion's request limits
before anything is sent, so a payload built here never breaks a documented limit.

Form field names
----------------
Each writable property gets a field `key` made from its property id: `p-` followed by the id's
UTF-8 bytes, letters and digits kept, every other byte written as `_XX` (hex). Keys therefore match
`p-[A-Za-z0-9_]+` and the sub-field suffixes below can never collide with them:

===================  ==========================================================================
field                meaning
===================  ==========================================================================
`<key>`              the value. Repeated for multi values: multi_select option names, people
                     ids, relation page ids (commas/whitespace also separate relation ids),
                     file URLs. checkbox: on/true/1/yes/x/✓ checked, off/false/0/no unchecked.
                     date: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS][offset]` (start).
`<key>-time`         date: an `HH:MM[:SS]` time joined to a date-only `<key>` (separate inputs).
`<key>-end`          date: the end (same forms as the start); `<key>-end-time` its time.
`<key>-tz`           date: an IANA time zone (e.g. `Europe/Paris`). Applies only when the date
                     has a time; the times must then be written without a UTC offset. Ignored
                     for date-only values (so a pre-filled zone never blocks a plain date).
`<key>-new`          select: a new option name (wins over `<key>`); multi_select: new option
                     names, comma-separated. Only when `allow_new_options` (default True).
`<key>-name`         files: the display name of the file at the same position (repeated);
                     defaults to the last segment of the URL's path.
===================  ==========================================================================

Rules: the title is required unless `require_title=False`. Empty optional fields are left out of
the payload (Notion keeps its default). Numbers accept `1234.5`, `-3`, `1e3`, a leading currency
sign and spaces/underscores as digit separators; for a `percent`-format number the user types the
percentage (`12.5` or `12.5%`) and Notion receives the fraction (`0.125`), which is how Notion
stores percents. Text: NUL and other control characters (C0 except tab and newline, C1, DEL) and
lone surrogates are stripped silently, `\\r\\n` becomes `\\n`; long text is split into rich-text
items of at most 2000 UTF-16 units (Notion counts like JavaScript), at most 100 items, so about
200,000 characters is the most a text property takes. Unknown form keys are ignored and never sent.
Payload keys are property names (`key_by="id"` keys them by property id instead).

CSV (`csv_value`, `parse_row`): the same validators; multi values are comma-separated; select and
multi_select names not among the options become new options (when allowed); checkbox takes
yes/no/true/false/1/0/x; people are user ids, or emails when `users` (Notion user objects) is given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_TEXT = 2000  # per rich-text item, in UTF-16 code units
MAX_ITEMS = 100  # rich-text items, multi_select options, people, relations, files
MAX_URL = 2000
MAX_EMAIL = 200
MAX_PHONE = 200
MAX_OPTION_NAME = 100
MAX_FILE_NAME = 900  # Notion's limit is not documented; keep names reasonable

WRITABLE_TYPES = frozenset(
    {
        "title", "rich_text", "number", "select", "multi_select", "status", "date",
        "checkbox", "url", "email", "phone_number", "people", "relation", "files",
    }
)
READ_ONLY_TYPES = frozenset(
    {
        "formula", "rollup", "created_time", "created_by", "last_edited_time",
        "last_edited_by", "unique_id", "button", "verification", "location",
        "last_visited_time",
    }
)
# `place` and `verification` can be written in some cases but are treated as read-only here, as
# is every type this module does not know.

_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_EMAIL_RE = re.compile(r"^[^@\s\"<>(),;:\\\[\]]+@[^@\s\"<>(),;:\\\[\]]+\.[^@\s\"<>(),;:\\\[\]]+$")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_TRUE = frozenset({"on", "true", "1", "yes", "y", "x", "✓", "✔", "checked"})
_FALSE = frozenset({"off", "false", "0", "no", "n", "", "unchecked"})


class FieldError(ValueError):
    """A value that cannot become a valid Notion property value; the message is for people."""


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


@dataclass
class _Raw:
    """The text given for one property, whatever it came from."""

    values: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    time: str = ""
    end: str = ""
    end_time: str = ""
    tz: str = ""


# -- helpers --------------------------------------------------------------------------------


def field_key(property_id: str) -> str:
    """The HTML form field name for a property id (see the module docstring)."""
    out = ["p-"]
    for byte in str(property_id).encode("utf-8", "surrogatepass"):
        char = chr(byte)
        out.append(char if char.isascii() and char.isalnum() else f"_{byte:02x}")
    return "".join(out)


def clean_text(text: str) -> str:
    """`text` without control characters or lone surrogates, with `\\n` line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", text)


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` cut into pieces of at most `limit` UTF-16 units, never inside a character."""
    if _utf16_len(text) <= limit:
        return [text] if text else []
    pieces, start, units = [], 0, 0
    for i, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > limit:
            pieces.append(text[start:i])
            start, units = i, 0
        units += width
    pieces.append(text[start:])
    return pieces


def rich_text(text: str) -> list[dict]:
    """Rich-text request items for `text`; FieldError when it needs more than 100 items."""
    pieces = split_text(text)
    if len(pieces) > MAX_ITEMS:
        raise FieldError(
            f"Too long: at most about {MAX_TEXT * MAX_ITEMS:,} characters "
            f"({_utf16_len(text):,} given)."
        )
    return [{"type": "text", "text": {"content": piece}} for piece in pieces]


def normalize_id(value: str) -> str:
    """A Notion id in canonical dashed lowercase form; FieldError if it is not UUID-shaped."""
    value = value.strip()
    if not _UUID_RE.match(value):
        raise FieldError(f"“{_short(value)}” is not a Notion id.")
    h = value.replace("-", "").lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _str_or_none(value) -> str | None:
    return value if isinstance(value, str) else None


def _short(value: str, n: int = 40) -> str:
    return value if len(value) <= n else value[: n - 1] + "…"


def _plain(items) -> str:
    if not isinstance(items, list):
        return ""
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = item.get("plain_text")
        if text is None:
            text = (item.get("text") or {}).get("content") or ""
        out.append(str(text))
    return "".join(out)


def _config(prop: Mapping) -> Mapping:
    conf = prop.get(prop.get("type") or "", None)
    return conf if isinstance(conf, Mapping) else {}


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


# -- schema -> form -------------------------------------------------------------------------


def form_fields(schema_properties: Mapping) -> list[Field]:
    """One Field per property of a data source schema, title first then schema order."""
    fields = []
    for name, prop in ordered_properties(schema_properties):
        ptype = str(prop.get("type") or "")
        conf = _config(prop)
        prop_id = str(prop.get("id") or name)
        options: tuple = ()
        groups: tuple = ()
        if ptype in ("select", "multi_select"):
            options = tuple(_option_list(prop))
        elif ptype == "status":
            all_options = {}
            for opt in conf.get("options") or []:
                if isinstance(opt, Mapping) and isinstance(opt.get("name"), str):
                    all_options[opt.get("id")] = (opt["name"], str(opt.get("color") or "default"))
            grouped, seen = [], set()
            for group in conf.get("groups") or []:
                if not isinstance(group, Mapping):
                    continue
                members = tuple(
                    all_options[oid] for oid in group.get("option_ids") or [] if oid in all_options
                )
                seen.update(oid for oid in group.get("option_ids") or [])
                grouped.append((str(group.get("name") or ""), members))
            rest = tuple(opt for oid, opt in all_options.items() if oid not in seen)
            if rest:
                grouped.append(("", rest))
            groups = tuple(grouped)
            options = tuple(opt for _, members in groups for opt in members)
        related = None
        if ptype == "relation":
            related = conf.get("data_source_id") or conf.get("database_id")
        fields.append(
            Field(
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
        )
    return fields


# -- text -> value, per type ----------------------------------------------------------------


@dataclass
class _Context:
    known_user_ids: frozenset[str] | None = None
    users_by_email: dict[str, str] | None = None
    allow_new_options: bool = True
    unknown_as_new: bool = False  # CSV: an unknown option name is a new option


def _one(raw: _Raw) -> str:
    for value in raw.values:
        if value.strip():
            return value.strip()
    return ""


def _title_or_text(raw: _Raw, ctx: _Context, ptype: str):
    text = "\n".join(v for v in raw.values if v) if len(raw.values) > 1 else (raw.values or [""])[0]
    if ptype == "title":
        text = text.strip()
    if not text.strip():
        return None
    return rich_text(text)


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


def check_url(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_URL:
        raise FieldError(f"URLs are at most {MAX_URL} characters.")
    if any(ch.isspace() for ch in text):
        raise FieldError("A URL cannot contain spaces.")
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FieldError("Enter a full web address starting with http:// or https://.")
    return text


def _url(raw: _Raw, ctx: _Context, prop: Mapping):
    text = _one(raw)
    return check_url(text) if text else None


def _email(raw: _Raw, ctx: _Context, prop: Mapping):
    text = _one(raw)
    if not text:
        return None
    if len(text) > MAX_EMAIL:
        raise FieldError(f"Email addresses are at most {MAX_EMAIL} characters.")
    if not _EMAIL_RE.match(text):
        raise FieldError("Enter an email address like name@example.com.")
    return text


def _phone(raw: _Raw, ctx: _Context, prop: Mapping):
    text = _one(raw)
    if not text:
        return None
    if len(text) > MAX_PHONE:
        raise FieldError(f"Phone numbers are at most {MAX_PHONE} characters.")
    if "\n" in text or not any(ch.isdigit() for ch in text):
        raise FieldError("Enter a phone number.")
    return text


def _people(raw: _Raw, ctx: _Context, prop: Mapping):
    ids = []
    for value in raw.values:
        parts = value.split(",") if ctx.unknown_as_new else [value]
        for part in parts:
            part = part.strip()
            if not part:
                continue
            if "@" in part and ctx.users_by_email is not None:
                user_id = ctx.users_by_email.get(part.lower())
                if user_id is None:
                    raise FieldError(f"No workspace member has the email “{_short(part)}”.")
                part = user_id
            try:
                user_id = normalize_id(part)
            except FieldError:
                raise FieldError(f"“{_short(part)}” is not a workspace member.") from None
            if ctx.known_user_ids is not None and user_id not in ctx.known_user_ids:
                raise FieldError(f"“{_short(part)}” is not a workspace member.")
            ids.append(user_id)
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_ITEMS:
        raise FieldError(f"Choose at most {MAX_ITEMS} people.")
    return [{"object": "user", "id": user_id} for user_id in ids] if ids else None


def _relation(raw: _Raw, ctx: _Context, prop: Mapping):
    ids = []
    for value in raw.values:
        for part in re.split(r"[\s,]+", value):
            if part:
                ids.append(normalize_id(part))
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_ITEMS:
        raise FieldError(f"Link at most {MAX_ITEMS} pages.")
    return [{"id": page_id} for page_id in ids] if ids else None


def _files(raw: _Raw, ctx: _Context, prop: Mapping):
    files = []
    urls = raw.values
    if ctx.unknown_as_new:  # CSV: comma-separated URLs
        urls = [part for value in raw.values for part in value.split(",")]
    for i, url in enumerate(urls):
        url = url.strip()
        name = raw.names[i].strip() if i < len(raw.names) else ""
        if not url:
            if name:
                raise FieldError("Give the file's URL as well as its name.")
            continue
        url = check_url(url)
        if not name:
            parts = urlsplit(url)
            name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or parts.netloc
            name = clean_text(name).replace("\n", " ").strip() or "file"
        if len(name) > MAX_FILE_NAME:
            raise FieldError(f"File names are at most {MAX_FILE_NAME} characters.")
        files.append({"type": "external", "name": name, "external": {"url": url}})
    if len(files) > MAX_ITEMS:
        raise FieldError(f"Attach at most {MAX_ITEMS} files.")
    return files or None


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
            mail = person.get("email") if isinstance(person, Mapping) else None
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


# -- form -> payload ------------------------------------------------------------------------


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
    require_title: bool = True,
    allow_new_options: bool = True,
    key_by: str = "name",
) -> tuple[dict, dict[str, str], dict[str, list[str]]]:
    """Validate a submitted row form against the schema.

    Returns `(properties, errors, values)`: the Notion `properties` payload (only when `errors`
    is empty is it meant to be sent), errors keyed by property name, and the cleaned text of
    every recognised form field keyed by form field name, to show the form again as typed.
    `known_user_ids`: the workspace's user ids; people must be among them (when None, any
    UUID-shaped id is accepted, so pass it whenever the form offers a people picker).
    """
    ctx = _context(known_user_ids, None, allow_new_options, unknown_as_new=False)
    properties: dict = {}
    errors: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for name, prop in ordered_properties(schema_properties):
        if not is_writable(prop):
            continue
        key = field_key(str(prop.get("id") or name))
        got = {suffix: _getlist(form, key + suffix) for suffix in _SUFFIXES}
        for suffix, texts in got.items():
            if texts:
                values[key + suffix] = texts

        def first(suffix, got=got):
            return next((t for t in got[suffix] if t.strip()), "")

        raw = _Raw(
            values=got[""], new=got["-new"], names=got["-name"], time=first("-time"),
            end=first("-end"), end_time=first("-end-time"), tz=first("-tz"),
        )
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


# -- CSV ------------------------------------------------------------------------------------


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


# -- values -> text -------------------------------------------------------------------------


def _number_text(number, number_format: str | None = None) -> str:
    if number is None or isinstance(number, bool) or not isinstance(number, (int, float)):
        return ""
    if number_format == "percent":
        number = number * 100
        return _number_text(round(number, 10)) + "%"
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e16:
        number = int(number)
    text = f"{number:,}" if number_format == "number_with_commas" else str(number)
    symbols = {"dollar": "$", "euro": "€", "pound": "£", "yen": "¥", "rupee": "₹", "won": "₩"}
    if number_format in symbols:
        return symbols[number_format] + text
    return text


def _user_text(user) -> str:
    if not isinstance(user, Mapping):
        return ""
    return str(user.get("name") or (user.get("person") or {}).get("email") or user.get("id") or "")


def _when(iso) -> str:
    """An ISO date or date-time as people read it: `2026-07-02` or `2026-07-02 05:00 UTC`."""
    text = str(iso or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if "T" not in text:
        return moment.date().isoformat()
    offset = moment.utcoffset()
    zone = "" if offset is None else " UTC" if not offset else moment.strftime(" UTC%z")
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def _date_text(value) -> str:
    if not isinstance(value, Mapping) or not value.get("start"):
        return ""
    text = _when(value["start"])
    if value.get("end"):
        text += f" → {_when(value['end'])}"
    if value.get("time_zone"):
        text += f" ({value['time_zone']})"
    return text


def value_text(property_value, number_format: str | None = None) -> str:
    """Readable text for a property value as Notion returns it on a page. Unknown: ""."""
    if not isinstance(property_value, Mapping):
        return ""
    ptype = property_value.get("type")
    value = property_value.get(ptype) if isinstance(ptype, str) else None
    if ptype in ("title", "rich_text"):
        return _plain(value)
    if ptype == "number":
        return _number_text(value, number_format)
    if ptype in ("select", "status"):
        return str(value.get("name") or "") if isinstance(value, Mapping) else ""
    if ptype == "multi_select":
        return ", ".join(
            str(v.get("name") or "") for v in value or [] if isinstance(v, Mapping)
        )
    if ptype == "date":
        return _date_text(value)
    if ptype == "checkbox":
        return "✓" if value is True else "–"
    if ptype in ("url", "email", "phone_number"):
        return str(value or "")
    if ptype == "people":
        return ", ".join(t for t in (_user_text(u) for u in value or []) if t)
    if ptype == "relation":
        count = len(value) if isinstance(value, list) else 0
        more = "+" if property_value.get("has_more") else ""
        return "" if not count else f"{count}{more} linked page{'s' if count != 1 or more else ''}"
    if ptype == "files":
        return ", ".join(
            str(f.get("name") or "") for f in value or [] if isinstance(f, Mapping)
        )
    if ptype == "formula":
        if not isinstance(value, Mapping):
            return ""
        kind = value.get("type")
        inner = value.get(kind) if isinstance(kind, str) else None
        if kind == "string":
            return str(inner or "")
        if kind == "number":
            return _number_text(inner)
        if kind == "boolean":
            return "✓" if inner is True else "–"
        if kind == "date":
            return _date_text(inner)
        return ""
    if ptype == "rollup":
        if not isinstance(value, Mapping):
            return ""
        kind = value.get("type")
        if kind == "number":
            return _number_text(value.get("number"))
        if kind == "date":
            return _date_text(value.get("date"))
        if kind == "array":
            parts = (value_text(item) for item in value.get("array") or [])
            return ", ".join(p for p in parts if p)
        return ""
    if ptype in ("created_time", "last_edited_time", "last_visited_time"):
        return _when(value) if value else ""
    if ptype in ("created_by", "last_edited_by"):
        return _user_text(value)
    if ptype == "unique_id":
        if not isinstance(value, Mapping) or value.get("number") is None:
            return ""
        prefix = value.get("prefix")
        return f"{prefix}-{value['number']}" if prefix else str(value["number"])
    if ptype == "verification":
        if not isinstance(value, Mapping):
            return ""
        state = str(value.get("state") or "")
        text = state.capitalize()
        if state == "verified" and isinstance(value.get("date"), Mapping):
            end = value["date"].get("end")
            if end:
                text += f" until {end}"
        return text
    if ptype == "place":
        if not isinstance(value, Mapping):
            return ""
        return str(value.get("name") or value.get("address") or "")
    return ""


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
