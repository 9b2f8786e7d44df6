"""A data source's writable fields as the API describes them: type, options, limits, and what
`values` takes for each, in words (the rules of a CSV cell, notion/properties)."""

from __future__ import annotations

from ..notion import properties
from ..notion.properties import Field

ACCEPTS = {
    "title": "text",
    "rich_text": "text",
    "number": "a number (or its text: 1234.5, 1e3); a percent format takes the percentage",
    "select": "an option name (a new name adds an option)",
    "multi_select": "a list of option names (or one text, comma-separated)",
    "status": "one of the status names",
    "date": "an ISO date or date-time; start/end for a range",
    "checkbox": "true or false (or yes/no, 1/0)",
    "url": "an http:// or https:// address",
    "email": "an email address",
    "phone_number": "a phone number",
    "people": "a list of Notion user ids or workspace members' emails",
    "relation": "a list of Notion page ids",
    "files": "a list of https:// file addresses",
}
TEXT_LIMIT = properties.MAX_TEXT * properties.MAX_ITEMS
LIMITS = {
    "title": {"max_length": TEXT_LIMIT},
    "rich_text": {"max_length": TEXT_LIMIT},
    "url": {"max_length": properties.MAX_URL},
    "email": {"max_length": properties.MAX_EMAIL},
    "phone_number": {"max_length": properties.MAX_PHONE},
    "select": {"max_option_length": properties.MAX_OPTION_NAME},
    "multi_select": {"max_items": properties.MAX_ITEMS,
                     "max_option_length": properties.MAX_OPTION_NAME},
    "people": {"max_items": properties.MAX_ITEMS},
    "relation": {"max_items": properties.MAX_ITEMS},
    "files": {"max_items": properties.MAX_ITEMS, "max_url_length": properties.MAX_URL},
}


def field(f: Field) -> dict:
    """One writable field (schemas.Field)."""
    return {
        "name": f.name, "id": f.id, "type": f.type, "required": f.type == "title",
        "description": f.description, "options": [name for name, _color in f.options],
        "allows_new_options": f.allows_new_option, "number_format": f.number_format,
        "related_data_source_id": f.related_data_source_id,
        "accepts": ACCEPTS.get(f.type, "text"), "limits": LIMITS.get(f.type, {}),
    }
