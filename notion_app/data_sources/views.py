"""The data sources a connection shares, one data source's schema and rows, and the row form."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import outbox
from ..buttons import PostForm
from ..models import NotionConnection, RowState, RowSubmission
from ..notion import body as notion_body
from ..notion import properties
from ..notion.ids import notion_link_id
from ..notion.properties.links import NOT_LISTABLE
from ..scoping import connection_or_404, owned_or_404
from . import catalog, templates
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
    raw_template = request.form.get("template", "")[:100]
    template, template_error = templates.choice(catalog.templates(conn, ds["id"]), raw_template)
    if errors or template_error:
        page = _page(conn, ds, values=values, errors=errors, nonce=nonce, rows=False,
                     replaces=replaces, template_value=raw_template,
                     template_error=template_error)
        return page, 400
    row, _created = outbox.submit(
        current_user, conn, ds, schema["properties"] or {},
        outbox.NewRow(props, nonce, template=template), replaces=replaces, send_now=True,
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
    fields = properties.form_fields(schema["properties"] or {})
    values = properties.form_values(fields, refill) if refill else values
    return render_template(
        "data_sources/data_source.html", conn=conn, ds=ds, schema=schema, rows=rows,
        fields=fields, values=values, errors=errors, nonce=nonce, time_zones=TIME_ZONES,
        replaces=replaces,
        template_options=templates.options(catalog.templates(conn, ds["id"])),
        template_value=template_value, template_error=template_error,
        users=_people_options(conn, fields), relations=_relation_options(conn, fields),
        latest=latest_rows(conn, fields, rows),
    )


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
    """Workspace people when cached (or asked for with ?load=); None: load them on demand;
    False: Notion will not list them (ids can still be pasted)."""
    picker = next((f for f in fields if f.type == "people" and f.writable), None)
    if picker is None:
        return []
    return _people(conn, loaded=picker.key in request.args.getlist("load"))


def _relation_options(conn: NotionConnection, fields) -> dict:
    """Per relation field: its pages (cached or asked for), None (not shared), False (on demand)."""
    asked = request.args.getlist("load")
    return {
        f.key: catalog.relation_pages(
            conn, f.related_data_source_id, only_cached=f.key not in asked
        )
        for f in fields
        if f.type == "relation" and f.writable
    }


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
        if row.notion_page_url:
            link = Markup('Row added — <a href="{}">Open in Notion</a>')
            return link.format(row.notion_page_url), "success"
        return "Row added.", "success"
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
