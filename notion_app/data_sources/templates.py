"""The template a row is created with: the choices a data source offers, and the choice a form
sent, checked against them (the value comes from a form: untrusted until found in the list).

A choice is stored with the row as Notion's `template` parameter plus the template's name for
the history: {"type": "default", "name"} or {"type": "template_id", "template_id", "name"};
None is no template (Notion does not apply the default one unless asked).
"""

from __future__ import annotations

from ..notion.ids import canonical_id

NONE, DEFAULT = "", "default"
NOT_OFFERED = (
    "This template is not one of this database's templates (it may have been deleted in "
    "Notion): choose another, or none."
)


def options(found: list[dict] | None) -> list[tuple[str, str]]:
    """(value, label) pairs for the select; empty when the data source has no templates."""
    if not found:
        return []
    out = [(NONE, "None")]
    default = next((t for t in found if t["is_default"]), None)
    if default is not None:
        out.append((DEFAULT, f"Default ({default['name']})"))
    out += [(t["id"], t["name"]) for t in found]
    return out


def choice(found: list[dict] | None, raw: str | None) -> tuple[dict | None, str | None]:
    """(the stored choice or None, an error for the field or None) for a form's value."""
    raw = (raw or "").strip()
    if raw == NONE:
        return None, None
    found = found or []
    if raw == DEFAULT:
        default = next((t for t in found if t["is_default"]), None)
        if default is None:
            return None, "This database has no default template: choose one by name, or none."
        return {"type": "default", "name": default["name"]}, None
    wanted = canonical_id(raw)
    template = next((t for t in found if wanted and t["id"] == wanted), None)
    if template is None:
        return None, NOT_OFFERED
    return {"type": "template_id", "template_id": template["id"], "name": template["name"]}, None


def form_value(template: dict | None) -> str:
    """The select's value for a stored choice (to show a row's choice again)."""
    if not template:
        return NONE
    if template.get("type") == "default":
        return DEFAULT
    return template.get("template_id") or NONE


def label(template: dict | None) -> str | None:
    """How the history names a row's template."""
    if not template:
        return None
    name = template.get("name") or "a template"
    return f"{name} (default)" if template.get("type") == "default" else name
