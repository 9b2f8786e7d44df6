"""The form builder: the owner's pages for a data source's public forms.

Every page is the signed-in owner's own (another person's form is a 404) and needs a confirmed
email address (accounts/confirmation.py): a public form reaches people outside the account.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.confirmation import require_confirmed
from ..buttons import PostForm
from ..data_sources import attachments, catalog, templates
from ..data_sources.catalog import data_source_or_404
from ..extensions import db
from ..files import checks
from ..localization import zone_for_request
from ..notion import properties
from ..outbox import wording
from ..scoping import connection_or_404, owned_or_404
from . import choices, embedding, public, settings, submissions
from . import fields as form_fields
from .models import PublicForm

bp = Blueprint("form_builder", __name__)


@bp.get("/connections/<int:connection_id>/data-sources/<ds_id>/forms")
@require_confirmed
def forms(connection_id: int, ds_id: str):
    """The data source's public forms, and the button that makes a new one."""
    conn = connection_or_404(connection_id)
    ds = data_source_or_404(conn, ds_id)
    return render_template("public_forms/list.html", conn=conn, ds=ds,
                           forms=settings.forms_of(conn, ds["id"]), form=PostForm())


@bp.post("/connections/<int:connection_id>/data-sources/<ds_id>/forms")
@require_confirmed
def create(connection_id: int, ds_id: str):
    """Share a form: a new, closed form with every field the data source lets visitors fill."""
    conn = connection_or_404(connection_id)
    ds = data_source_or_404(conn, ds_id)
    form = settings.create(current_user, conn, ds, catalog.schema(conn, ds["id"]))
    flash("Form created. Check its fields, then open it to take answers.", "success")
    return redirect(url_for(".edit", form_id=form.id))


@bp.get("/forms/<int:form_id>")
@require_confirmed
def edit(form_id: int):
    """The builder, after taking Notion's schema as it is now (removed properties drop out)."""
    form = owned_or_404(PublicForm, form_id)
    settings.reconcile(form, catalog.schema(form.connection, form.data_source_id)["properties"])
    choices.refresh(form, _fields(form))  # what visitors pick from, as Notion lists it now
    return _page(form, _values(form), form.fields, {})


@bp.post("/forms/<int:form_id>")
@require_confirmed
def save(form_id: int):
    """Save the settings; a Move, Add or Remove button saves them and then does that."""
    form = owned_or_404(PublicForm, form_id)
    found = catalog.templates(form.connection, form.data_source_id)
    changes = settings.read(form, request.form, zone_for_request(), found,
                            _workspace_limit(form))
    if changes.errors:
        flash("The form was not saved. Please correct the fields marked below.", "error")
        return _page(form, changes.values, changes.fields, changes.errors), 400
    settings.apply(form, changes, request.form)
    done = settings.rearrange(form, request.form)
    if done:
        db.session.commit()
    choices.refresh(form, _fields(form))  # a picker just added or enabled has its list now
    flash(done or "Saved.", "success")
    # A move comes back with the focus on the button pressed (autofocus, which a #fragment
    # would cancel); an add or remove comes back at the fields.
    moved = request.form.get("move")
    anchor = "fields" if done and not moved else None
    return redirect(url_for(".edit", form_id=form.id, pressed=moved,
                            _anchor=anchor))


@bp.get("/forms/<int:form_id>/preview")
@require_confirmed
def preview(form_id: int):
    """The form exactly as a visitor sees it (nothing can be sent from the preview)."""
    return public.preview_page(owned_or_404(PublicForm, form_id))


@bp.get("/forms/<int:form_id>/submissions")
@require_confirmed
def rows(form_id: int):
    """What visitors sent through the form: each row's state and its Notion page."""
    form = owned_or_404(PublicForm, form_id)
    rows = submissions.rows_of(form)
    files = submissions.files_of(rows)
    return render_template(
        "public_forms/submissions.html", form=form, rows=rows,
        names=[f.name for f in _fields(form)],
        cell=lambda row, name: submissions.cell(row, name, files),
        describe=wording.describe_state,
    )


@bp.get("/forms/<int:form_id>/submissions.csv")
@require_confirmed
def rows_csv(form_id: int):
    """Every submission as a CSV file."""
    form = owned_or_404(PublicForm, form_id)
    return Response(
        submissions.as_csv(form), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="form-{form.id}-submissions.csv"'},
    )


def _fields(form):
    return form_fields.of(form)


def _values(form: PublicForm) -> dict:
    return {
        "title": form.title, "description": form.description or "", "language": form.language,
        "thank_you": form.thank_you or "", "redirect_url": form.redirect_url or "",
        "is_open": form.is_open, "notify_each": form.notify_each, "closes_at": form.closes_at,
        "notify_failures": form.notify_failures,
        "offer_people": form.offer_people, "offer_relations": form.offer_relations,
        "file_limit_mb": _mb(form.file_limit_bytes),
        "max_submissions": form.max_submissions or "",
        "embed_origins": "\n".join(form.embed_origins or []),
        "template": form.template,
    }


def _workspace_limit(form: PublicForm) -> int | None:
    """The workspace's per-file limit (cached; asked of Notion only for a form with a files
    field), which the form's own cap may not pass."""
    pickers = [f.field for f in _fields(form) if f.type == "files"]
    return attachments.upload_limit(form.connection, pickers) if pickers else None


def _mb(size: int | None) -> str:
    return "" if not size else f"{size / checks.MiB:.2f}".rstrip("0").rstrip(".")


def _page(form: PublicForm, values: dict, field_settings: list[dict], errors: dict):
    by_id = {f.id: f for f in properties.form_fields(form.schema or {})}
    rows = [(by_id[str(s["id"])], s) for s in field_settings if str(s.get("id")) in by_id]
    if isinstance(values.get("embed_origins"), list):
        values = {**values, "embed_origins": "\n".join(values["embed_origins"])}
    link = url_for("public_forms.show", public_id=form.public_id, _external=True)
    return render_template(
        "public_forms/builder.html", form=form, values=values, rows=rows, errors=errors,
        closes_at=settings.local_input(values.get("closes_at"), zone_for_request()),
        zone=zone_for_request(), available=settings.available(form),
        left_out=settings.left_out(form), languages=settings.LANGUAGES, link=link,
        snippet=embedding.snippet(link, form.title), post_form=PostForm(formdata=None),
        submitted=form.submission_count,
        template_options=templates.options(catalog.templates(form.connection,
                                                             form.data_source_id)),
        template_value=templates.form_value(values.get("template")),
        takes_files=any(f.type == "files" for f, _s in rows),
        workspace_limit=checks.size_text(_workspace_limit(form) or checks.DEFAULT_LIMIT),
    )
