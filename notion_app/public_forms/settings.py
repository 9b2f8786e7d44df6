"""The form builder's work: create a form, keep it in step with the Notion schema, read and check
the owner's settings. Views call these; nothing here renders a page.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ..data_sources import catalog, field_order, templates
from ..extensions import db
from ..files import checks
from ..models import NotionConnection, User
from ..notion import properties
from ..notion.properties import FieldError
from . import fields as form_fields
from .models import PublicForm

# The languages a form's visitor-facing text can be in (notion_app/translations).
LANGUAGES = {"en": "English", "fr": "Français"}
PUBLIC_ID_BYTES = 24  # 192 bits: never guessed (T43 asks for at least 128)
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_ORIGINS = 20
MAX_SUBMISSIONS = 1_000_000
MOVES = {"up": -1, "down": 1}


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


def create(user: User, conn: NotionConnection, ds: Mapping, schema: Mapping) -> PublicForm:
    """A closed form on the data source with every offerable field, in the row form's order."""
    props = schema.get("properties") or {}
    ordered = field_order.ordered(properties.form_fields(props), field_order.load(conn, ds["id"]))
    # A files picker only once the owner adds it: visitors' files take the owner's storage.
    settings = [form_fields.settings_for(f.id, title=f.type == "title")
                for f in ordered if form_fields.offerable(f) and f.type != "files"]
    form = PublicForm(
        public_id=new_public_id(), user_id=user.id, connection_id=conn.id,
        data_source_id=ds["id"], data_source_title=(ds.get("title") or "")[:255] or None,
        schema=dict(props), fields=settings, title=(ds.get("title") or "Form")[:MAX_TITLE],
        language="en", is_open=False,
    )
    db.session.add(form)
    db.session.commit()
    return form


def forms_of(conn: NotionConnection, data_source_id: str) -> list[PublicForm]:
    return list(db.session.scalars(select(PublicForm).where(
        PublicForm.connection_id == conn.id, PublicForm.data_source_id == data_source_id,
    ).order_by(PublicForm.id)))


def reconcile(form: PublicForm, live: Mapping) -> list[str]:
    """Take Notion's schema as it is now: fields whose property was removed (or can no longer be
    filled in) drop out and are named in `form.dropped` for the owner; renamed ones follow by
    id; properties added in Notion stay out of the form until the owner adds them. Commits when
    something changed; returns the names dropped this time."""
    live = dict(live or {})
    if live == (form.schema or {}):
        return []
    # A picker switched off is not "removed in Notion": form_fields leaves it out anyway.
    keep = {f.id for f in properties.form_fields(live)
            if form_fields.offerable(f, form_fields.NOT_FOR_VISITORS)}
    old_names = {f.id: f.name for f in properties.form_fields(form.schema or {})}
    gone = [s for s in form.fields if str(s.get("id")) not in keep]
    form.fields = [s for s in form.fields if str(s.get("id")) in keep]
    form.schema = live
    dropped = [old_names.get(str(s.get("id")), str(s.get("id"))) for s in gone]
    if dropped:
        form.dropped = list(dict.fromkeys([*(form.dropped or []), *dropped]))
    db.session.commit()
    return dropped


def follow_cached_schema(form: PublicForm) -> None:
    """Take a fresher schema the app already holds (the owner's own pages cached it) without a
    Notion call: visitors then see a new option, a renamed or removed property, as soon as the
    app knows of it."""
    live = catalog.peek(form.connection, f"schema:{form.data_source_id}")
    if isinstance(live, Mapping) and isinstance(live.get("properties"), Mapping):
        reconcile(form, live["properties"])


def available(form: PublicForm) -> list[properties.Field]:
    """Offerable properties not in the form yet (properties added in Notion land here)."""
    shown = {str(s.get("id")) for s in form.fields}
    return [f for f in properties.form_fields(form.schema or {})
            if form_fields.offerable(f, form_fields.enabled(form)) and f.id not in shown]


def left_out(form: PublicForm) -> list[properties.Field]:
    """Properties not offered to visitors: read-only ones, people and relations not enabled."""
    allowed = form_fields.enabled(form)
    return [f for f in properties.form_fields(form.schema or {})
            if not form_fields.offerable(f, allowed)]


@dataclass
class Changes:
    """The owner's settings as typed, checked: `errors` by input name (shown at the field)."""

    values: dict = field(default_factory=dict)
    fields: list[dict] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def read(form: PublicForm, data: Mapping, zone: str, found_templates: list | None,
         workspace_limit: int | None = None) -> Changes:
    """The builder's POST as settings, each checked (nothing is saved here); the template is
    checked against the data source's (`found_templates`), the file cap against the
    workspace's limit (`workspace_limit`, None: Notion's free plan's)."""
    out = Changes()
    v, errors = out.values, out.errors
    v["title"] = _text(data, "title", MAX_TITLE)
    if not v["title"]:
        errors["title"] = "Give the form a title: visitors see it first."
    v["description"] = _text(data, "description", MAX_TEXT) or None
    v["language"] = data.get("language") if data.get("language") in LANGUAGES else "en"
    v["thank_you"] = _text(data, "thank_you", MAX_TEXT) or None
    v["redirect_url"] = _text(data, "redirect_url", 2000) or None
    if v["redirect_url"] and not _is_https_url(v["redirect_url"]):
        errors["redirect_url"] = "Give an https:// address, or leave it empty to show the text."
    v["is_open"] = data.get("is_open") == "on"
    v["notify_each"] = data.get("notify_each") == "on"
    v["notify_failures"] = data.get("notify_failures") == "on"
    v["offer_people"] = data.get("offer_people") == "on"
    v["offer_relations"] = data.get("offer_relations") == "on"
    v["file_limit_bytes"], limit_error = file_cap(data.get("file_limit_mb", ""), workspace_limit)
    if limit_error:
        errors["file_limit_mb"] = limit_error
    v["closes_at"], errors_at = _moment(data.get("closes_at", ""), zone)
    if errors_at:
        errors["closes_at"] = errors_at
    v["max_submissions"], max_error = _count(data.get("max_submissions", ""))
    if max_error:
        errors["max_submissions"] = max_error
    v["embed_origins"], origin_error = origins(data.get("embed_origins", ""))
    if origin_error:
        errors["embed_origins"] = origin_error
    v["template"], template_error = templates.choice(
        found_templates, str(data.get("template") or "")[:100])
    if template_error:
        errors["template"] = template_error
    out.fields = _field_settings(form, data, errors)
    return out


def apply(form: PublicForm, changes: Changes, data: Mapping) -> None:
    """Save checked settings (and a new password, hashed; or its removal); the owner has seen
    the dropped-properties notice, so it is cleared."""
    for name, value in changes.values.items():
        setattr(form, name, value)
    # A picker switched off leaves the form (it is added again once switched on).
    allowed = form_fields.enabled(form)
    types = {f.id: f.type for f in properties.form_fields(form.schema or {})}
    form.fields = [s for s in changes.fields if types.get(str(s.get("id"))) not in
                   form_fields.NOT_FOR_VISITORS - allowed]
    form.dropped = None
    password = str(data.get("password") or "")
    if data.get("remove_password") == "on":
        form.password_hash = None
    elif password:
        form.password_hash = generate_password_hash(
            password[:200], method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()


def rearrange(form: PublicForm, data: Mapping) -> str | None:
    """The builder's buttons besides Save: move a field up or down, add one, remove one.
    Returns what was done, in words, or None."""
    ids = [str(s.get("id")) for s in form.fields]
    direction, _, target = str(data.get("move") or "").partition(":")
    if direction in MOVES and target in ids:
        order = field_order.move(ids, target, MOVES[direction])
        by_id = {str(s.get("id")): s for s in form.fields}
        form.fields = [by_id[i] for i in order]
        return f"Moved “{_name(form, target)}” {direction}."
    if (added := str(data.get("add") or "")) and added in {f.id for f in available(form)}:
        form.fields = [*form.fields, form_fields.settings_for(added)]
        return f"Added “{_name(form, added)}”."
    if (removed := str(data.get("remove") or "")) in ids:
        form.fields = [s for s in form.fields if str(s.get("id")) != removed]
        return f"Removed “{_name(form, removed)}” from the form."
    return None


def _name(form: PublicForm, property_id: str) -> str:
    return next((f.name for f in properties.form_fields(form.schema or {}) if f.id == property_id),
                property_id)


def _field_settings(form: PublicForm, data: Mapping, errors: dict) -> list[dict]:
    """Each field's label, help, required, default, prefill and hidden, as typed; a default (or
    a hidden field's fixed value) that Notion would refuse is an error at that input."""
    out = []
    current = {f.id: f for f in form_fields.of(form)}
    for s in form.fields:
        f = current.get(str(s.get("id")))
        if f is None:
            continue
        key = f.key
        setting = {
            "id": f.id,
            "label": _text(data, f"{key}-label", form_fields.MAX_LABEL),
            "help": _text(data, f"{key}-help", form_fields.MAX_HELP),
            "required": data.get(f"{key}-required") == "on",
            "default": _text(data, f"{key}-default", form_fields.MAX_DEFAULT),
            "prefill": data.get(f"{key}-prefill") == "on",
            "hidden": data.get(f"{key}-hidden") == "on",
        }
        if f.type in ("files", *form_fields.NOT_FOR_VISITORS):  # pickers: no default, shown
            setting.update(default="", hidden=False, prefill=False)
        if setting["default"]:
            try:
                form_fields.text_value(form.schema, f, setting["default"])
            except FieldError as exc:
                errors[f"{key}-default"] = str(exc)
        if setting["hidden"] and not setting["default"]:
            errors[f"{key}-default"] = "A hidden field sends this value: give one, or show it."
        out.append(setting)
    return out


def _text(data: Mapping, name: str, limit: int) -> str:
    return properties.clean_text(str(data.get(name) or "")).strip()[:limit]


def _is_https_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def origins(text: str) -> tuple[list[str], str | None]:
    """One origin per line (https://example.com[:port]; http:// only for localhost)."""
    found = []
    for line in str(text or "").replace(",", "\n").splitlines():
        line = line.strip().rstrip("/")
        if not line:
            continue
        parts = urlsplit(line)
        local = parts.hostname in ("localhost", "127.0.0.1")
        ok = (parts.scheme == "https" or (parts.scheme == "http" and local)) and parts.hostname
        if not ok or parts.path or parts.query or "@" in parts.netloc or "*" in line:
            return found, f"“{line[:100]}” is not an origin: write it as https://example.com."
        found.append(f"{parts.scheme}://{parts.netloc.lower()}")
    if len(found) > MAX_ORIGINS:
        return found, f"At most {MAX_ORIGINS} origins."
    return list(dict.fromkeys(found)), None


def _moment(text: str, zone: str) -> tuple[datetime | None, str | None]:
    """A datetime-local input in the owner's zone, as naive UTC."""
    text = str(text or "").strip()
    if not text:
        return None, None
    try:
        local = datetime.fromisoformat(text[:32])
    except ValueError:
        return None, "Give a date and time, like 2026-12-31 18:00."
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None), None


def local_input(moment: datetime | None, zone: str) -> str:
    """A stored moment (naive UTC) for a datetime-local input in the owner's zone."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def file_cap(text: str, workspace_limit: int | None) -> tuple[int | None, str | None]:
    """The owner's per-file cap in MB (empty: the workspace's limit), at or below the
    workspace's limit, as bytes."""
    text = str(text or "").strip().replace(",", ".")[:20]
    if not text:
        return None, None
    limit = workspace_limit or checks.DEFAULT_LIMIT
    try:
        mb = float(text)
    except ValueError:
        mb = -1.0
    if not 0 < mb < 1e6:
        return None, ("Give a size in MB, like 5 or 0.5, or leave it empty for the "
                      "workspace's limit.")
    cap = int(mb * checks.MiB)
    if cap > limit:
        return None, (f"This workspace takes files up to {checks.size_text(limit)}: give that "
                      f"or less.")
    return max(cap, 1), None


def _count(text: str) -> tuple[int | None, str | None]:
    text = str(text or "").strip()
    if not text:
        return None, None
    if not text.isdigit() or not 0 < int(text) <= MAX_SUBMISSIONS:
        return None, "Give a whole number of submissions, or leave it empty for no limit."
    return int(text), None
