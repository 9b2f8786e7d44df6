"""The last mapping per file headers and data source: the next import of a file with the same
headers into the same data source starts from it (columns, copied files, mode, key, options).

Kept when the person saves a mapping and when an import is sent; recalled when a draft is
made, cleaned against the schema of now (a property removed since is left unmapped).
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from ..extensions import db
from ..models import Import
from . import mapping, modes
from .models import ImportMode, SavedMapping


def headers_digest(columns: list[str]) -> str:
    return hashlib.sha256(json.dumps(columns, ensure_ascii=False).encode()).hexdigest()


def _saved(user_id: int, data_source_id: str, columns: list[str]) -> SavedMapping | None:
    return db.session.scalar(select(SavedMapping).where(
        SavedMapping.user_id == user_id, SavedMapping.data_source_id == data_source_id,
        SavedMapping.headers == headers_digest(columns)))


def remember(imp: Import) -> None:
    """Keep this import's mapping and mode for the next file with the same headers."""
    chosen = modes.mode_of(imp)
    value = {"columns": dict(imp.mapping or {}), "copy_files": list(imp.copy_files or []),
             "mode": chosen.mode, "key_column": chosen.key_column,
             "key_property": chosen.key_property, "multi_select": chosen.multi_select or {}}
    saved = _saved(imp.user_id, imp.data_source_id, imp.columns or [])
    if saved is None:
        saved = SavedMapping(user_id=imp.user_id, data_source_id=imp.data_source_id,
                             headers=headers_digest(imp.columns or []), mapping=value)
        db.session.add(saved)
    else:
        saved.mapping = value
    db.session.commit()


def recall(imp: Import, schema: dict) -> bool:
    """Start a new draft from the last mapping of these headers (True when there was one)."""
    saved = _saved(imp.user_id, imp.data_source_id, imp.columns or [])
    if saved is None:
        return False
    value = saved.mapping or {}
    imp.mapping = mapping.clean_mapping(imp.columns or [], schema, value.get("columns") or {})
    targets = set(mapping.file_targets(imp.mapping, schema))
    imp.copy_files = sorted(p for p in value.get("copy_files") or [] if p in targets) or None
    if value.get("mode") in ("upsert", "update"):
        db.session.add(ImportMode(
            import_id=imp.id, mode=value["mode"], key_column=value.get("key_column"),
            key_property=value.get("key_property"), multi_select=value.get("multi_select")))
    db.session.commit()
    return True
