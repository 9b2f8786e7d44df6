"""The data sources a connection shares, one data source's schema and rows, and the row form."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from .. import outbox
from ..buttons import PostForm
from ..models import NotionConnection, RowState, RowSubmission
from ..notion import body as notion_body
from ..notion import properties
from ..notion.ids import notion_link_id
from ..notion.properties.links import NOT_LISTABLE
from ..scoping import connection_or_404, owned_or_404
from . import attachments, catalog, field_order, templates
from .catalog import data_source_or_404
from .latest import latest_rows

bp = Blueprint("data_sources", __name__)
NONCE_RE = re.compile(r"^[0-9a-f]{32}$")
TIME_ZONES = (
    "UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
    "Europe/Athens", "Europe/Moscow", "Africa/Lagos", "Africa/Johannesburg", "Asia/Dubai",
    "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
    "Pacific/Auckland", "America/Sao_Paulo", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
)


@bp.get("/connections/<int:connection_id>/databases")
@login_required
def list_data_sources(connection_id: int):
    """Every data source shared through the connection, grouped by database."""
    conn = connection_or_404(connection_id)
    return _list_page(conn)


def _list_page(conn, *, link: str = "", link_error: str | None = None, opened=None):
    query = request.args.get("q", "")[:200]
    groups = catalog.database_groups(conn)
    return render_template(
        "data_sources/list.html", conn=conn, groups=catalog.matching(groups, query), query=query,
        total=sum(len(g["data_sources"]) for g in groups), form=PostForm(),
        indexing=catalog.indexing(conn), refresh_seconds=catalog.indexing_ttl(),
        link=link, link_error=link_error, opened=opened,
    )


LINK_HELP = "Paste the database's link from Notion (••• → Copy link) or its id."


@bp.get("/connections/<int:connection_id>/databases/open")
@login_required
def open_link(connection_id: int):
    """Open a database by its Notion link: search may not list it yet (or ever, when it is inside
    a shared page), but Notion answers GET for what the connection may read."""
    conn = connection_or_404(connection_id)
    link = request.args.get("link", "").strip()[:2000]
    if not link:
        return _list_page(conn, link=link, link_error=f"Paste a link. {LINK_HELP}"), 400
    target = notion_link_id(link)
    if target is None:
        return _list_page(
            conn, link=link, link_error=f"That is not a Notion database link. {LINK_HELP}"
        ), 400
    group = catalog.database_by_link(conn, target)
    if group is None or not group["data_sources"]:
        error = (
            "Notion does not let this app see that database. In Notion, open it and add this "
            "app under ••• → Connections, then try again."
        )
        return _list_page(conn, link=link, link_error=error), 404
    if len(group["data_sources"]) == 1:
        return redirect(url_for(
            ".data_source", connection_id=conn.id, ds_id=group["data_sources"][0]["id"]
        ))
    return _list_page(conn, link=link, opened=group)


@bp.post("/connections/<int:connection_id>/databases/refresh")
@login_required
def refresh(connection_id: int):
    """Forget the cached list (and schemas), so the next page load asks Notion again."""
    conn = connection_or_404(connection_id)
    if PostForm().validate_on_submit():
        catalog.forget(conn)
        flash("Refreshed from Notion.", "success")
    return redirect(url_for(".list_data_sources", connection_id=conn.id))


@bp.get("/connections/<int:connection_id>/data-sources/<ds_id>")
@login_required
def data_source(connection_id: int, ds_id: str):
    """The schema, the latest rows, and the "Add a row" form."""
    conn = connection_or_404(connection_id)
    ds = data_source_or_404(conn, ds_id)
    failed_id = request.args.get("row", type=int)
    refill, errors, template = _failed_row(ds, failed_id)
    return _page(
        conn, ds, values={}, errors=errors, nonce=uuid.uuid4().hex, refill=refill,
        replaces=failed_id if refill else None, template_value=templates.form_value(template),
    )


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """A row form whose files pass ROW_UPLOAD_MAX_MB (the browser's check was skipped): a page
    that says so, never a bare 413. The body was not read, so nothing was saved."""
    limit = attachments.body_limit_text()
    back = request.path if request.view_args else url_for("connections.dashboard")
    return render_template(
        "errors/error.html", status=413, title="These files are too large to send at once",
        detail=f"This app takes up to {limit} of files in one row. Nothing was saved. Your "
               f"browser's Back button returns to the form with what you typed; pick fewer or "
               f"smaller files, or give large ones as a link.", back=back), 413


@bp.post("/connections/<int:connection_id>/data-sources/<ds_id>")
@login_required
def append_row(connection_id: int, ds_id: str):
    """Validate the row; save it to the outbox and send it, or show the form again with errors."""
    conn = connection_or_404(connection_id)
    ds = data_source_or_404(conn, ds_id)
    schema = catalog.schema(conn, ds["id"])
    nonce = request.form.get("nonce", "")
    nonce = nonce if NONCE_RE.match(nonce) else uuid.uuid4().hex
    props, errors, values = properties.parse_form(
        schema["properties"], request.form, users=_users_for_emails(conn, schema)
    )
    replaces = request.form.get("replaces", type=int)
    # Notion refuses a request over 500 KB: say which field to shorten before saving the row.
    errors = errors or notion_body.page_size_errors(ds["id"], props)
    files, file_errors = attachments.from_form(
        conn, properties.form_fields(schema["properties"] or {}), current_user)
    errors = {**errors, **file_errors}
    raw_template = request.form.get("template", "")[:100]
    template, template_error = templates.choice(catalog.templates(conn, ds["id"]), raw_template)
    if errors or template_error:
        page = _page(conn, ds, values=values, errors=errors, nonce=nonce, rows=False,
                     replaces=replaces, template_value=raw_template,
                     template_error=template_error)
        return page, 400
    keep = attachments.ticked(request.form, attachments.kept(replaces, current_user))
    row, _created = outbox.submit(
        current_user, conn, ds, schema["properties"] or {},
        outbox.NewRow(props, nonce, template=template, files=files), replaces=replaces,
        keep_files=keep, send_now=True,
    )
    flash(*_outcome(row))
    again = {"row": row.id} if row.state == RowState.FAILED else {}
    return redirect(url_for(".data_source", connection_id=conn.id, ds_id=ds["id"], **again))


def _page(
    conn, ds, *, values, errors, nonce, refill: dict | None = None, rows: bool = True,
    replaces: int | None = None, template_value: str = "", template_error: str | None = None,
):
    """The data source page; a form sent back with errors costs no Notion call (rows=False).
    The template select is offered when the data source has templates (a cached list)."""
    schema = catalog.schema(conn, ds["id"])
    rows = catalog.latest_rows(conn, ds["id"], request.args.get("cursor")) if rows else None
    fields = _fields(conn, ds, schema)
    values = properties.form_values(fields, refill) if refill else values
    return render_template(
        "data_sources/data_source.html", conn=conn, ds=ds, schema=schema, rows=rows,
        fields=fields, values=values, errors=errors, nonce=nonce, time_zones=TIME_ZONES,
        replaces=replaces,
        template_options=templates.options(catalog.templates(conn, ds["id"])),
        template_value=template_value, template_error=template_error,
        users=_people_options(conn, fields), relations=_relation_options(conn, fields),
        order_form=PostForm(), latest=latest_rows(conn, fields, rows),
        picker=_picker(conn, fields, replaces),
    )


def _picker(conn, fields, replaces: int | None) -> dict:
    """The file pickers' limits, and the refused row's files a correction keeps (ticked)."""
    offered = attachments.kept(replaces, current_user)
    return attachments.picker(attachments.upload_limit(conn, fields)) | {
        "kept": offered, "ticked": attachments.ticked(request.form, offered)}


def _fields(conn: NotionConnection, ds: dict, schema: dict) -> list:
    """The data source's fields in the order its owner gave them (title first by default)."""
    fields = properties.form_fields(schema["properties"] or {})
    return field_order.ordered(fields, field_order.load(conn, ds["id"]))


@bp.post("/connections/<int:connection_id>/data-sources/<ds_id>/field-order")
@login_required
def move_field(connection_id: int, ds_id: str):
    """Move one field of the row form up or down, and keep that order for this data source."""
    conn = connection_or_404(connection_id)
    ds = data_source_or_404(conn, ds_id)
    direction, _, property_id = request.form.get("move", "").partition(":")
    writable = [f for f in _fields(conn, ds, catalog.schema(conn, ds["id"])) if f.writable]
    field = next((f for f in writable if f.id == property_id), None)
    if not PostForm().validate_on_submit() or field is None or direction not in MOVES:
        abort(400)
    ids = field_order.move([f.id for f in writable], field.id, MOVES[direction])
    field_order.save(conn, ds["id"], ids)
    flash(f"Moved “{field.name}” {direction}.", "success")
    # `order` opens Details again with the focus on the button just pressed, to press it again.
    return redirect(url_for(".data_source", connection_id=conn.id, ds_id=ds["id"],
                            order=f"{direction}:{field.id}", _anchor="field-order"))


MOVES = {"up": -1, "down": 1}


@bp.get("/connections/<int:connection_id>/data-sources/<ds_id>/choices/<key>")
@login_required
def choices(connection_id: int, ds_id: str, key: str):
    """The people or pages a field can link to, as JSON: loaded when the person opens the picker."""
    conn = connection_or_404(connection_id)
    ds = data_source_or_404(conn, ds_id)
    fields = properties.form_fields(catalog.schema(conn, ds["id"])["properties"] or {})
    field = next((f for f in fields if f.key == key and f.type in LAZY_TYPES), None)
    if field is None:
        abort(404)
    if field.type == "people":
        people = _people(conn, loaded=True)
        if people is False:
            return {"items": [], "message": NOT_LISTABLE}
        items = [{"id": u["id"], "label": _person(u)} for u in people]
    elif text := request.args.get("q", "").strip()[:100]:
        pages = catalog.search_related_pages(conn, field.related_data_source_id, text)
        items = [{"id": p["id"], "label": p["title"]} for p in pages]
    else:
        pages = catalog.relation_pages(conn, field.related_data_source_id) or []
        items = [{"id": p["id"], "label": p["title"]} for p in pages]
    return {"items": items}


LAZY_TYPES = ("people", "relation")


def _person(user: dict) -> str:
    return user.get("name") or user.get("email") or user["id"]


def _people(conn: NotionConnection, *, loaded: bool) -> list[dict] | None | bool:
    users = catalog.workspace_users(conn, only_cached=not loaded)
    if users is None or users is False:
        return users
    return [u for u in users if u["type"] != "bot"]


def _people_options(conn: NotionConnection, fields) -> list[dict] | None | bool:
    """Workspace people as choices when cached (or asked for with ?load=); None: load them on
    demand; False: Notion will not list them (ids can still be pasted)."""
    picker = next((f for f in fields if f.type == "people" and f.writable), None)
    if picker is None:
        return []
    people = _people(conn, loaded=picker.key in request.args.getlist("load"))
    if people is None or people is False:
        return people
    return [{"id": u["id"], "label": _person(u)} for u in people]


def _relation_options(conn: NotionConnection, fields) -> dict:
    """Per relation field: its pages as choices (cached or asked for), None (not shared), False
    (on demand)."""
    asked = request.args.getlist("load")
    out = {}
    for f in fields:
        if f.type == "relation" and f.writable:
            pages = catalog.relation_pages(
                conn, f.related_data_source_id, only_cached=f.key not in asked
            )
            out[f.key] = [{"id": p["id"], "label": p["title"]} for p in pages] if pages else pages
    return out


def _users_for_emails(conn: NotionConnection, schema: dict) -> list[dict] | None:
    """The workspace's people, to look up emails typed in a people field (one cached call, only
    when an email was typed); None when there is none or Notion will not list them.

    People ids are only checked for shape: Notion never lists guests, so the list cannot prove an
    id wrong (Notion names an unknown one, at its field, if it refuses the row)."""
    keys = [
        properties.field_key(str(p.get("id") or name))
        for name, p in (schema["properties"] or {}).items()
        if p.get("type") == "people"
    ]
    typed = [v for k in keys for v in request.form.getlist(k) + request.form.getlist(k + "-new")]
    if not any("@" in v for v in typed):
        return None
    users = catalog.workspace_users(conn)
    return None if users is False else users


def _outcome(row: RowSubmission) -> tuple[Markup | str, str]:
    if row.state == RowState.SENT:
        added = Markup("Row added to {}: “{}”").format(
            row.data_source_title or "the data source", row.title_text or "Untitled"
        )
        if row.notion_page_url:
            link = Markup('{} — <a href="{}">Open in Notion</a>')
            return link.format(added, row.notion_page_url), "success"
        return added + ".", "success"
    if row.state == RowState.UNKNOWN:
        return (
            "Notion did not answer in time; we'll check whether the row arrived before "
            "sending again.",
            "warning",
        )
    if row.state == RowState.FAILED:
        where = f" ({row.error_property})" if row.error_property else ""
        return f"Notion refused the row{where}: {row.last_error}", "error"
    return "Saved — it will be sent shortly.", "info"


def _failed_row(ds: dict, row_id: int | None) -> tuple[dict, dict, dict | None]:
    """The properties, the field error and the template of a row Notion refused, to fix and
    send again."""
    if row_id is None:
        return {}, {}, None
    row = owned_or_404(RowSubmission, row_id)
    if row.data_source_id != ds["id"] or row.state != RowState.FAILED:
        return {}, {}, None
    return row.properties or {}, {row.error_property or "": row.last_error or ""}, row.template
