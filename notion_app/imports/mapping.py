"""Which CSV column goes to which Notion property: guessed from the header, chosen by the person."""

from __future__ import annotations

import re
import unicodedata

from ..extensions import db
from ..models import Import
from ..notion import properties

IGNORE = ""
# Headers that mean the same thing (compared loosely): a column called "E-mail" finds a property
# called "Email", "Website" finds "URL", ... Each group is tried after exact and loose names.
SYNONYMS = (
    {"name", "title"},
    {"email", "mail", "emailaddress"},
    {"phone", "phonenumber", "telephone", "tel", "mobile"},
    {"url", "link", "website", "web"},
    {"notes", "note", "description", "comments", "comment"},
    {"tags", "tag", "labels", "label"},
    {"due", "duedate", "deadline"},
    {"assignee", "assignedto", "owner"},
    {"status", "state"},
    {"estimate", "estimation", "points"},
)


def _loose(name: str) -> str:
    """A header as compared loosely: no case, accents, spaces or punctuation."""
    bare = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", bare).casefold()


def writable_properties(schema: dict) -> list[str]:
    return [
        name for name, prop in properties.ordered_properties(schema.get("properties") or {})
        if properties.is_writable(prop)
    ]


def guess_mapping(columns: list[str], schema: dict) -> dict[str, str]:
    """column -> property: exact name first, then loosely (case, accents, spaces,
    punctuation), then a synonym ("Title" or "Name" for the title property); else ignored."""
    names = writable_properties(schema)
    mapping = {c: IGNORE for c in columns}
    taken: set[str] = set()
    for column in columns:
        if column in names and column not in taken:
            mapping[column] = column
            taken.add(column)
    loose = {_loose(n): n for n in reversed(names)}
    for column in columns:
        name = loose.get(_loose(column))
        if not mapping[column] and name and name not in taken:
            mapping[column] = name
            taken.add(name)
    title = properties.title_property_name(schema.get("properties") or {})
    for column in columns:
        if mapping[column]:
            continue
        for alias in _synonyms(_loose(column)):
            name = title if alias in ("name", "title") and title else loose.get(alias)
            if name and name not in taken:
                mapping[column] = name
                taken.add(name)
                break
    return mapping


def _synonyms(header: str) -> list[str]:
    return sorted(next((group - {header} for group in SYNONYMS if header in group), set()))


def clean_mapping(columns: list[str], schema: dict, chosen: dict[str, str]) -> dict[str, str]:
    """The mapping a person chose, keeping only real columns and writable properties."""
    names = set(writable_properties(schema))
    return {c: chosen.get(c) if chosen.get(c) in names else IGNORE for c in columns}


def file_targets(mapping: dict[str, str], schema: dict) -> list[str]:
    """The mapped `files` properties: their links may be attached or copied by Notion."""
    props = schema.get("properties") or {}
    return sorted({p for p in mapping.values() if (props.get(p) or {}).get("type") == "files"})


def save_mapping(imp: Import, mapping: dict[str, str], copy_files=(), schema=None) -> None:
    """Keep the mapping, and which mapped `files` properties Notion copies (the rest: links)."""
    imp.mapping = mapping
    targets = set(file_targets(mapping, schema or {}))
    imp.copy_files = sorted(p for p in copy_files if p in targets) or None
    db.session.commit()


def duplicate_targets(mapping: dict[str, str]) -> list[str]:
    targets = [p for p in mapping.values() if p]
    return sorted({p for p in targets if targets.count(p) > 1})


