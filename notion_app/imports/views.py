"""CSV import pages: upload, map columns and preview, send; progress, cancel, resume, results."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..buttons import PostForm
from ..data_sources import catalog, templates
from ..data_sources.catalog import data_source_or_404
from ..models import Import
from ..notion import errors as nerr
from ..notion import properties
from ..notion.ids import canonical_id
from ..scoping import connection_or_404, owned_or_404
from . import drafts, keys, mapping, modes, parsing, remembered, runs, storage
from .forms import UploadForm

bp = Blueprint("imports", __name__)
BASE = "/connections/<int:connection_id>/data-sources/<ds_id>/import"


@bp.get(BASE)
@login_required
def upload_page(connection_id: int, ds_id: str):
    """The upload form."""
    conn = connection_or_404(connection_id)
    return _upload(conn, data_source_or_404(conn, ds_id), UploadForm())


@bp.post(BASE)
@login_required
def upload(connection_id: int, ds_id: str):
    """Parse the file and keep it as a draft import; then map its columns."""
    conn = connection_or_404(connection_id)
    ds = data_source_or_404(conn, ds_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload(conn, ds, form), 400
    try:
        parsed = parsing.parse(form.file.data.read(), form.encoding.data)
    except parsing.CSVProblem as exc:
        form.file.errors = [str(exc)]
        return _upload(conn, ds, form), 400
    try:
        imp = drafts.create_draft(current_user, conn, ds, form.file.data.filename, parsed)
    except storage.QuotaExceeded as exc:
        form.file.errors = [str(exc)]
        return _upload(conn, ds, form), 413
    return redirect(url_for(".preview", connection_id=conn.id, ds_id=ds["id"], import_id=imp.id))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """A file over MAX_CONTENT_LENGTH: the upload form again, with the reason on the field."""
    form = UploadForm(formdata=None)
    limit = _limit_mb()
    form.file.errors = [f"The file is too large: upload at most {limit} MB (split it if needed)."]
    try:
        conn = connection_or_404(request.view_args["connection_id"])
        return _upload(conn, data_source_or_404(conn, request.view_args["ds_id"]), form), 413
    except (HTTPException, KeyError, TypeError):
        detail = f"The file is larger than this app accepts ({limit} MB)."
        page = render_template("errors/error.html", status=413, title="File too large",
                               detail=detail)
        return page, 413


@bp.get(BASE + "/<int:import_id>")
@login_required
def preview(connection_id: int, ds_id: str, import_id: int):
    """Map columns to properties, and see which rows would be sent (no Notion page is made)."""
    conn, ds, imp = _draft(connection_id, ds_id, import_id)
    if imp.state != "draft":
        return redirect(url_for(".progress", import_id=imp.id))
    return _preview(conn, ds, imp)


def _preview(conn, ds, imp, *, template_value: str = "", template_error: str | None = None,
             mode_errors: dict | None = None):
    schema = catalog.schema(conn, ds["id"])
    chosen = modes.mode_of(imp)
    checked, planned, lookup_error = _plan(imp, conn, chosen)
    invalid = [row for row in checked if row.errors]
    counts = planned.counts() if planned else None
    title_message = _title_unmapped(imp, schema, chosen)
    listed = [r for r in invalid if not title_message or set(r.errors) != {title_message[0]}]
    return render_template(
        "imports/preview.html", conn=conn, ds=ds, imp=imp, form=PostForm(),
        targets=mapping.writable_properties(schema),
        file_targets=mapping.file_targets(imp.mapping or {}, schema),
        shown=checked[: drafts.PREVIEW_ROWS], invalid=listed[:200],
        title_message=title_message[1] if title_message else None,
        new_options=drafts.new_options(checked, schema.get("properties") or {}),
        valid_count=(counts["new"] + counts["update"]) if counts else len(checked) - len(invalid),
        invalid_count=len(invalid),
        duplicates=mapping.duplicate_targets(imp.mapping or {}),
        template_options=templates.options(catalog.templates(conn, ds["id"])),
        template_value=template_value, template_error=template_error,
        chosen=chosen, mode_labels=modes.LABELS, key_properties=keys.key_properties(schema),
        multi_targets=modes.multi_select_targets(imp.mapping or {}, schema),
        multi_choices=modes.MULTI_SELECT_CHOICES,
        mode_errors=mode_errors if mode_errors is not None else
        modes.key_errors(imp, schema, chosen),
        summary=modes.summary(counts) if counts else None, lookup_error=lookup_error,
        not_written=[p for p in planned.rows if p.kind in keys.NOT_WRITTEN][:200]
        if planned else [],
    )


def _title_unmapped(imp, schema, chosen) -> tuple[str, str] | None:
    """(title property, the one message at the mapping) when rows to add need a title that no
    column gives: said once, not on every row."""
    title = properties.title_property_name(schema.get("properties") or {})
    if chosen.mode == "update" or not title or title in (imp.mapping or {}).values():
        return None
    return title, (f"No column goes to {title}, the title: every row added needs one. Map the "
                   f"column that holds it.")


def _plan(imp, conn, chosen) -> tuple:
    """The checked rows and, for an import that updates rows, what each does; a Notion that
    cannot be asked now is said on the page (the mapping stays usable)."""
    try:
        checked, planned = runs.prepare(imp, conn)
        return checked, planned, None
    except nerr.NotionError as exc:
        checked = drafts.check_rows(imp, conn, require_title=chosen.mode == "add",
                                    resolve_names=False)
        why = "Notion asked us to slow down" if isinstance(exc, nerr.NotionRateLimited) \
            else "Notion did not answer"
        return checked, None, (f"{why}: the rows that match (or the pages and people the "
                               f"cells name) could not be looked up. Try again.")


@bp.post(BASE + "/<int:import_id>/mapping")
@login_required
def save_mapping(connection_id: int, ds_id: str, import_id: int):
    """Keep the columns -> properties choice and show the preview again."""
    conn, ds, imp = _draft(connection_id, ds_id, import_id)
    if PostForm().validate_on_submit() and imp.state == "draft":
        chosen = {c: request.form.get(f"column-{i}", "") for i, c in enumerate(imp.columns or [])}
        schema = catalog.schema(conn, ds["id"])
        mapping.save_mapping(imp, mapping.clean_mapping(imp.columns or [], schema, chosen),
                             request.form.getlist("copy_files"), schema)
        errors = modes.save_mode(imp, schema, request.form)
        remembered.remember(imp)
        if errors:
            return _preview(conn, ds, imp, mode_errors=errors), 400
    return redirect(url_for(".preview", connection_id=conn.id, ds_id=ds["id"], import_id=imp.id))


@bp.post(BASE + "/<int:import_id>/send")
@login_required
def send(connection_id: int, ds_id: str, import_id: int):
    """Queue the valid rows once (with the template chosen for them), then watch them go."""
    conn, ds, imp = _draft(connection_id, ds_id, import_id)
    if PostForm().validate_on_submit():
        raw_template = request.form.get("template", "")[:100]
        template, template_error = templates.choice(
            catalog.templates(conn, ds["id"]), raw_template
        )
        if template_error and imp.state == "draft":
            return _preview(conn, ds, imp, template_value=raw_template,
                            template_error=template_error), 400
        if mapping.duplicate_targets(imp.mapping or {}):
            flash("Two columns map to the same property: change one before sending.", "error")
        elif problem := _send_rows(imp, conn, ds, template):
            flash(problem, "error")
            return redirect(url_for(".preview", connection_id=conn.id, ds_id=ds["id"],
                                    import_id=imp.id))
    return redirect(url_for(".progress", import_id=imp.id))


def _send_rows(imp, conn, ds, template) -> str | None:
    """Send the import (flashing that it goes); what stops it, said to the person, or None."""
    if imp.state == "draft" and modes.key_errors(imp, catalog.schema(conn, ds["id"]),
                                                 modes.mode_of(imp)):
        return "Choose the key that matches rows before sending."
    try:
        if runs.send(imp, conn, current_user, template=template):
            flash("Sending: rows go out at your Notion workspace's pace.", "info")
    except nerr.NotionError:  # the keys' lookup just before sending
        return ("Notion could not be asked which rows match, so nothing was sent. Try again in "
                "a moment.")
    return None


@bp.post("/imports/<int:import_id>/delete")
@login_required
def delete_draft(import_id: int):
    """Delete a draft that will not be sent (and the file it keeps)."""
    imp = owned_or_404(Import, import_id)
    if PostForm().validate_on_submit():
        name = imp.filename
        if storage.delete_draft(imp):
            flash(f"Deleted the draft {name}.", "info")
        else:
            flash("Only a draft that was never sent can be deleted.", "error")
    return redirect(url_for(".list_imports"))


@bp.get("/imports")
@login_required
def list_imports():
    """The current user's imports, newest first."""
    imports = runs.user_imports(current_user)
    return render_template("imports/list.html", imports=imports, counts=runs.counts,
                           form=PostForm(), **_storage())


@bp.get("/imports/<int:import_id>")
@login_required
def progress(import_id: int):
    """Progress (live), cancel or resume, and the per-row results."""
    imp = owned_or_404(Import, import_id)
    return render_template(
        "imports/progress.html", imp=imp, status=runs.status(imp),
        results=runs.results(imp), form=PostForm(),
    )


@bp.get("/imports/<int:import_id>/status")
@login_required
def status(import_id: int):
    """Counts for the progress bar (polled by static/import-progress.js)."""
    return jsonify(runs.status(owned_or_404(Import, import_id)))


@bp.post("/imports/<int:import_id>/cancel")
@login_required
def cancel(import_id: int):
    """Stop sending the rows not sent yet."""
    imp = owned_or_404(Import, import_id)
    if PostForm().validate_on_submit():
        flash(f"Cancelled: {runs.cancel(imp)} rows will not be sent.", "info")
    return redirect(url_for(".progress", import_id=imp.id))


@bp.post("/imports/<int:import_id>/resume")
@login_required
def resume(import_id: int):
    """Send the cancelled rows after all."""
    imp = owned_or_404(Import, import_id)
    if PostForm().validate_on_submit():
        flash(f"Resumed: {runs.resume(imp)} rows will be sent.", "info")
    return redirect(url_for(".progress", import_id=imp.id))


@bp.get("/imports/<int:import_id>/results.csv")
@login_required
def results_csv(import_id: int):
    """The per-row results as a CSV file."""
    imp = owned_or_404(Import, import_id)
    return Response(
        runs.results_csv(imp), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{imp.id}-results.csv"'},
    )


def _upload(conn, ds, form):
    return render_template(
        "imports/upload.html", conn=conn, ds=ds, form=form, limit_mb=_limit_mb(),
        imports=[i for i in runs.user_imports(current_user) if i.data_source_id == ds["id"]],
        delete_form=PostForm(formdata=None), **_storage(),  # no request.form: see too_large
    )


def _storage() -> dict:
    """The account's stored CSV data and its quota, in MB, for the pages that show them."""
    return {"used_mb": f"{storage.used_bytes(current_user) / storage.MB:.1f}",
            "quota_mb": f"{storage.quota_bytes() / storage.MB:g}"}


def _draft(connection_id: int, ds_id: str, import_id: int) -> tuple:
    """The user's connection, data source and an import of that data source (else 404)."""
    conn = connection_or_404(connection_id)
    imp: Import = owned_or_404(Import, import_id)
    if imp.connection_id != conn.id or canonical_id(ds_id) != imp.data_source_id:
        abort(404)
    return conn, data_source_or_404(conn, ds_id), imp


def _limit_mb() -> int:
    return (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
