"""People and relation pickers in a public form, once the owner enables them (off by default).

What visitors pick from is taken from Notion at the builder (the workspace's people, bots left
out; the related data source's first pages, as the row form lists them) and kept on the form
(`picker_choices`), so the public form never calls Notion and the list checked on a POST is the
one that was offered: a visitor's id that is not in it is refused at the field. A plain
<select>, one choice, works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from ..connections.tokens import NeedsReconnect
from ..data_sources import catalog
from ..extensions import db
from ..notion.errors import NotionError
from .fields import FormField
from .models import PublicForm

PICKERS = ("people", "relation")


def pickers(fields) -> list[FormField]:
    return [f for f in fields if f.type in PICKERS and not f.hidden]


def _fetch(form: PublicForm, field: FormField) -> list[dict] | None:
    """The choices of one picker, from the app's cache or Notion; None when Notion cannot list
    them now (the form keeps the last list it had)."""
    try:
        if field.type == "people":
            users = catalog.workspace_users(form.connection)
            if not isinstance(users, list):
                return None
            return [{"id": u["id"], "label": u.get("name") or u["id"]}
                    for u in users if u.get("type") != "bot"]
        pages = catalog.relation_pages(form.connection, field.field.related_data_source_id)
        if not isinstance(pages, list):
            return None
        return [{"id": p["id"], "label": p.get("title") or "Untitled"} for p in pages]
    except (NotionError, NeedsReconnect):
        return None


def refresh(form: PublicForm, fields) -> None:
    """Take each enabled picker's choices as Notion has them now (the builder's pages)."""
    found = dict(form.picker_choices or {})
    for field in pickers(fields):
        listed = _fetch(form, field)
        if listed is not None:
            found[field.id] = listed
    if found != (form.picker_choices or {}):
        form.picker_choices = found
        db.session.commit()


def of(form: PublicForm, field: FormField) -> list[dict]:
    return list((form.picker_choices or {}).get(field.id) or [])


def parse(form: PublicForm, fields, data: Mapping) -> tuple[dict, dict[str, str],
                                                           dict[str, list[str]]]:
    """(Notion values, errors by property name, the choices as sent) of the form's pickers;
    a choice must be one that was offered."""
    props, errors, values = {}, {}, {}
    for field in pickers(fields):
        chosen = str(data.get(field.key) or "").strip()[:64]
        if chosen:
            values[field.key] = [chosen]
        if not chosen:
            if field.required:
                errors[field.name] = _("This field is required.")
            continue
        if chosen not in {c["id"] for c in of(form, field)}:
            errors[field.name] = _("Choose one of the listed options.")
            continue
        props[field.name] = ({"people": [{"object": "user", "id": chosen}]}
                             if field.type == "people" else {"relation": [{"id": chosen}]})
    return props, errors, values
