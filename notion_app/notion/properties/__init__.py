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
lone surrogates are stripped silently, `\r\n` becomes `\n`; long text is split into rich-text
items of at most 2000 UTF-16 units (Notion counts like JavaScript), at most 100 items, so about
200,000 characters is the most a text property takes. Unknown form keys are ignored and never sent.
Payload keys are property names (`key_by="id"` keys them by property id instead).

CSV (`csv_value`, `parse_row`): the same validators; multi values are comma-separated; select and
multi_select names not among the options become new options (when allowed); checkbox takes
yes/no/true/false/1/0/x; people are user ids, or emails when `users` (Notion user objects) is given.

The package keeps one module per property family (text, numbers, choices, dates, links) beside
the schema -> fields code (`fields`), whole-row parsing (`parsing`), display (`display`) and the
inverse of parsing for refilling a form (`form_values`).
"""

from .base import (
    MAX_EMAIL,
    MAX_FILE_NAME,
    MAX_ITEMS,
    MAX_OPTION_NAME,
    MAX_PHONE,
    MAX_TEXT,
    MAX_URL,
    READ_ONLY_TYPES,
    WRITABLE_TYPES,
    FieldError,
    clean_text,
    normalize_id,
    rich_text,
    split_text,
)
from .display import title_of, value_text
from .fields import (
    Field,
    field_key,
    form_fields,
    is_writable,
    ordered_properties,
    title_property_name,
)
from .form_values import form_values
from .numbers import parse_checkbox, parse_number
from .parsing import csv_value, parse_form, parse_row
from .text import check_url

__all__ = [
    "MAX_EMAIL", "MAX_FILE_NAME", "MAX_ITEMS", "MAX_OPTION_NAME", "MAX_PHONE", "MAX_TEXT",
    "MAX_URL", "READ_ONLY_TYPES", "WRITABLE_TYPES", "Field", "FieldError", "check_url",
    "clean_text", "csv_value", "field_key", "form_fields", "form_values", "is_writable",
    "normalize_id", "ordered_properties", "parse_checkbox", "parse_form", "parse_number",
    "parse_row", "rich_text", "split_text", "title_of", "title_property_name", "value_text",
]
