"""How an import writes, as the person chose it at the mapping: add every row, update the rows
whose key matches and add the rest, or update only; the key; add or replace multi-select options.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from ..extensions import db
from ..models import Import
from . import keys
from .models import ImportMode

LABELS = {
    "add": "Add every row",
    "upsert": "Update the rows whose key matches, add the rest",
    "update": "Update matching rows only (add nothing)",
}
MULTI_SELECT_CHOICES = {"add": "add to the existing options", "replace": "replace them"}
# The preview's words for each kind of row, in the order it lists them.
SUMMARY_WORDS = (("new", "new", "new"), ("update", "update", "updates"),
                 ("ambiguous", "ambiguous", "ambiguous"), ("unchanged", "unchanged", "unchanged"),
                 ("missing", "not found", "not found"))


def mode_of(imp: Import) -> ImportMode:
    """The import's mode (a new, unsaved "add" when it never had one)."""
    found = db.session.scalar(select(ImportMode).where(ImportMode.import_id == imp.id))
    return found or ImportMode(import_id=imp.id, mode="add", multi_select={})


def multi_select_targets(mapping: Mapping[str, str], schema: dict) -> list[str]:
    """The mapped multi-select properties (an update adds to their options, or replaces them)."""
    props = schema.get("properties") or {}
    return sorted({p for p in mapping.values()
                   if (props.get(p) or {}).get("type") == "multi_select"})


def save_mode(imp: Import, schema: dict, form: Mapping) -> dict[str, str]:
    """Keep the chosen mode, key and multi-select choices; {field: message} when the key is not
    usable (the choices are kept all the same, so nothing typed is lost). A key column mapped
    to nothing is mapped to its key property (an update writes it back unchanged)."""
    found = mode_of(imp)
    found.mode = form.get("mode") if form.get("mode") in keys.MODES else "add"
    found.key_column = (form.get("key_column") or "")[:255] or None
    found.key_property = (form.get("key_property") or "")[:255] or None
    mapping = dict(imp.mapping or {})
    found.multi_select = {
        p: form.get(f"multi-{i}") if form.get(f"multi-{i}") in MULTI_SELECT_CHOICES else "add"
        for i, p in enumerate(multi_select_targets(mapping, schema))
    }
    errors = key_errors(imp, schema, found)
    if not errors and found.mode != "add":
        key = keys.key_for(schema, found.key_column, found.key_property)
        if key.ptype != "unique_id" and not mapping.get(key.column):
            mapping[key.column] = key.property
            imp.mapping = mapping
    db.session.add(found)
    db.session.commit()
    return errors


def key_errors(imp: Import, schema: dict, found: ImportMode) -> dict[str, str]:
    """What is wrong with the key of a mode that updates rows (nothing for "add")."""
    if found.mode == "add":
        return {}
    errors = {}
    if found.key_column not in (imp.columns or []):
        errors["key_column"] = "Choose the column that holds each row's key."
    if found.key_property not in keys.key_properties(schema):
        errors["key_property"] = ("Choose the Notion property the key is compared with (a "
                                  "title, text, number, email, URL, phone or ID property).")
    mapped = (imp.mapping or {}).get(found.key_column or "")
    if not errors and mapped and mapped != found.key_property:
        errors["key_column"] = (f"This column goes to {mapped}: map it to "
                                f"{found.key_property} to use it as the key, or pick another.")
    return errors


def key_of(imp: Import, schema: dict, found: ImportMode) -> keys.Key | None:
    """The usable key of a mode that updates rows; None for "add" or an unusable key."""
    if found.mode == "add" or key_errors(imp, schema, found):
        return None
    return keys.key_for(schema, found.key_column, found.key_property)


def summary(counts: Mapping[str, int]) -> str:
    """"120 new · 80 updates · 3 ambiguous · 5 unchanged", zero counts left out."""
    parts = [f"{counts[k]} {one if counts[k] == 1 else many}"
             for k, one, many in SUMMARY_WORDS if counts.get(k)]
    return " · ".join(parts) or "Nothing to write"
