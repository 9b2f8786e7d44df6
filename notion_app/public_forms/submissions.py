"""A visitor's answers -> a row in the outbox, as the form owner's; the owner's view of them.

The row is saved (`outbox.submit`) and the sender woken; Notion is never called inside the
visitor's request, so the thank-you page comes as soon as the row is saved, whatever Notion is
doing, and a workspace that needs reconnecting holds the rows until it is reconnected. An owner
who asked for it gets a mail on each submission (its title only; the values stay in the app).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from .. import mail, outbox
from ..extensions import db
from ..files import storage
from ..imports.runs import safe_cell
from ..models import RowSubmission
from ..notion import body as notion_body
from ..notion import properties
from ..notion.properties import FieldError
from . import choices
from . import fields as form_fields
from .models import PublicForm

LISTED = 500  # submissions on the owner's page (the CSV has them all)


def parse(form: PublicForm, data: Mapping) -> tuple[dict, dict[str, str], dict[str, list[str]]]:
    """(Notion properties, errors by property name, the inputs as typed) for a visitor's POST.

    Only the form's visible fields are read from the body; hidden fields take the owner's fixed
    value, whatever the body says. Visitors pick among existing options, never add new ones."""
    fields = form_fields.of(form)
    props, errors, values = properties.parse_form(
        form_fields.schema_of(form.schema, fields), data,
        require_title=False, allow_new_options=False,
    )
    for f in fields:
        if f.hidden:
            try:
                value = form_fields.text_value(form.schema, f, f.default)
            except FieldError:  # checked when saved; the schema changed since: Notion's default
                continue
            if value is not None:
                props[f.name] = value
        elif (f.required and f.type not in ("files", *choices.PICKERS) and f.name not in errors
              and not _given(props.get(f.name), f.type)):  # files: uploads.collect
            errors[f.name] = _("This field is required.")
    picked, picker_errors, picker_values = choices.parse(form, fields, data)
    props, errors, values = {**props, **picked}, {**errors, **picker_errors}, {**values,
                                                                              **picker_values}
    if not errors:
        errors = notion_body.page_size_errors(form.data_source_id, props)
    return props, errors, values


def _given(value: dict | None, ptype: str) -> bool:
    if value is None:
        return False
    return bool(value.get("checkbox")) if ptype == "checkbox" else True


def save(form: PublicForm, props: dict, nonce: str, files: tuple = ()) -> RowSubmission | None:
    """Save the row as the owner's (the served form's nonce: sending it twice makes one row),
    with the visitor's checked files (uploads.collect), which the outbox uploads to Notion later;
    None when the form filled up meanwhile. The form's count goes up in the row's own
    transaction, so FORM max_submissions holds with any number of workers."""
    count = update(PublicForm).where(
        PublicForm.id == form.id,
        or_(PublicForm.max_submissions.is_(None),
            PublicForm.submission_count < PublicForm.max_submissions),
    ).values(submission_count=PublicForm.submission_count + 1)
    if not db.session.execute(count).rowcount:
        db.session.rollback()
        return None
    data_source = {"id": form.data_source_id, "title": form.data_source_title}
    row, created = outbox.submit(
        form.user, form.connection, data_source, form.schema,
        outbox.NewRow(props, nonce, template=form.template, form_id=form.id, files=files),
    )
    if not created:  # the same served form again: its row exists, the count stays
        db.session.rollback()
    elif form.notify_each:
        notify(form, row)
    return row


NOTIFY_SUBJECT = "New submission: {title}"
NOTIFY_BODY = """Someone sent a row through your public form “{title}”: {row}.

It is saved and goes to Notion in the background. Every submission, with its state:
{link}
"""


def notify(form: PublicForm, row: RowSubmission) -> None:
    """Mail the owner (in the background; a failure is logged, never raised): the form and the
    row's title, never its other values."""
    mail.send(form.user.email, NOTIFY_SUBJECT.format(title=form.title),
              NOTIFY_BODY.format(title=form.title, row=row.title_text or "Untitled",
                                 link=url_for("form_builder.rows", form_id=form.id,
                                              _external=True)))


def rows_of(form: PublicForm, limit: int | None = LISTED) -> list[RowSubmission]:
    query = select(RowSubmission).where(
        RowSubmission.form_id == form.id, RowSubmission.user_id == form.user_id,
    ).order_by(RowSubmission.id.desc())
    return list(db.session.scalars(query.limit(limit) if limit else query))


def cell(row: RowSubmission, name: str, files: Mapping | None = None) -> str:
    """A stored property value as text (values are kept as sent: {type: value}); a files
    field's are the names of the visitor's files (`files`: storage.of_rows)."""
    value = (row.properties or {}).get(name)
    if not isinstance(value, Mapping) or not value:
        kept = [f.filename for f in (files or {}).get(row.id, []) if f.property_name == name]
        return ", ".join(kept)
    ptype = next(iter(value))
    return properties.value_text({"type": ptype, **value})


def files_of(rows: list[RowSubmission]) -> dict:
    """The visitors' files of these rows (names and sizes), for `cell`."""
    return storage.of_rows([r.id for r in rows])


def as_csv(form: PublicForm) -> str:
    """Every submission: when, its state, each field's value, its Notion page, Notion's refusal
    (cells safe against CSV injection)."""
    names = [f.name for f in form_fields.of(form)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["submitted_at_utc", "state", *names, "notion_url", "error"])
    rows = list(reversed(rows_of(form, limit=None)))
    files = files_of(rows)
    for row in rows:
        cells = [safe_cell(cell(row, n, files)) for n in names]
        writer.writerow([row.created_at.isoformat(timespec="seconds"), row.state, *cells,
                         safe_cell(row.notion_page_url), safe_cell(row.last_error)])
    return out.getvalue()
