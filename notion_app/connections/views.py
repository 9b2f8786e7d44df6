"""The dashboard of Notion connections, and the OAuth connect / callback / disconnect flow."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import func, select

from .. import outbox
from ..buttons import PostForm
from ..data_sources import catalog
from ..extensions import db
from ..models import Import
from ..notion import oauth
from ..notion.ids import compact_id
from ..scoping import connection_or_404
from . import authorizations

log = logging.getLogger(__name__)
bp = Blueprint("connections", __name__)
FLOWS_KEY = "notion_flows"
# Where Notion explains removing a connection (Settings → Connections); no deep link to the
# setting itself is documented.
CONNECTIONS_HELP_URL = "https://www.notion.com/help/add-and-manage-connections-with-the-api"
MAX_FLOWS = 3


@bp.get("/connections")
@login_required
def dashboard():
    """Every connected workspace, with connect, reconnect and disconnect."""
    # One needing a reconnect comes first: it is what the person has to do.
    conns = sorted(authorizations.user_connections(current_user),
                   key=lambda c: not c.needs_reconnect)
    waiting = {c.id: outbox.waiting_count(c) for c in conns}
    return render_template(
        "connections/dashboard.html", connections=conns, waiting=waiting, form=PostForm(),
        template_url=template_url,
    )


def template_url(page_id: str) -> str | None:
    """Notion's link to the page copied from the integration's template (any page opens at
    notion.so/<id without dashes>)."""
    compact = compact_id(page_id)
    return f"https://www.notion.so/{compact}" if len(compact) == 32 else None


@bp.post("/connections/connect")
@login_required
def connect():
    """Start Notion's OAuth flow (a POST, so no other site can start it for the user)."""
    if not PostForm().validate_on_submit():
        flash("The form expired. Please try again.", "error")
        return redirect(url_for(".dashboard"))
    _prune_flows()
    response = oauth.notion().authorize_redirect(current_app.config["NOTION_REDIRECT_URI"])
    state = parse_qs(urlsplit(response.location).query).get("state", [""])[0]
    flows = session.setdefault(FLOWS_KEY, {})
    flows[state] = current_user.get_id()
    session.modified = True
    return response


@bp.post("/connections/<int:connection_id>/reconnect")
@login_required
def reconnect(connection_id: int):
    """Authorize the same workspace again (Notion keeps the pages picked before)."""
    connection_or_404(connection_id)
    return connect()


def _prune_flows() -> None:
    """Keep the session cookie small however many Connect clicks were abandoned."""
    prefix = "_state_notion_"
    states = sorted(
        (k for k in session if k.startswith(prefix)), key=lambda k: session[k].get("exp", 0)
    )
    for key in states[: max(0, len(states) - (MAX_FLOWS - 1))]:
        session.pop(key)
    live = {k[len(prefix) :] for k in session if k.startswith(prefix)}
    session[FLOWS_KEY] = {s: u for s, u in session.get(FLOWS_KEY, {}).items() if s in live}


@bp.get("/notion/callback")
def callback():
    """Notion's redirect target: always a 302 to a clean URL, never a page with the code in it."""
    if not current_user.is_authenticated:
        flash("Log in, then connect your Notion workspace again.", "error")
        return redirect(url_for("accounts.login"))
    message, category = _finish_connect()
    flash(message, category)
    return redirect(url_for(".dashboard"))


def _finish_connect() -> tuple[str, str]:
    state = request.args.get("state", "")
    started_by = session.get(FLOWS_KEY, {}).pop(state, None)
    session.modified = True
    if request.args.get("error"):
        session.pop(f"_state_notion_{state}", None)
        if request.args["error"] == "access_denied":
            return "You cancelled the connection in Notion. Nothing was connected.", "info"
        return "Notion did not authorize the connection. Please try again.", "error"
    if not state or started_by != current_user.get_id():
        return (
            "That connection attempt was not started here or has expired. Please try again.",
            "error",
        )
    if not request.args.get("code"):
        session.pop(f"_state_notion_{state}", None)
        return "Notion sent no authorization code. Please try again.", "error"
    return _exchange_and_save()


def _exchange_and_save() -> tuple[str, str]:
    try:
        token = oauth.validate_token(oauth.notion().authorize_access_token())
    except oauth.TokenResponseError as exc:
        return exc.reason, "error"
    except requests.HTTPError:
        return "Notion had a problem finishing the connection. Please try again.", "error"
    except requests.RequestException:
        return "Notion could not be reached to finish the connection. Please try again.", "error"
    except AuthlibBaseError as exc:
        log.info("notion token exchange refused: %s", getattr(exc, "error", type(exc).__name__))
        return "Notion did not accept the authorization. Please connect again.", "error"
    try:
        conn = authorizations.save_authorization(current_user, token)
    except authorizations.LinkedToAnotherAccount:
        return (
            "This Notion workspace connection is already linked to another account here. "
            "Log in to that account, or disconnect it there first.",
            "error",
        )
    catalog.note_connected(conn)  # Notion's search is still indexing what was just shared
    resumed = outbox.resume_connection(conn)
    name = escape(conn.workspace_name or "your Notion workspace")
    message = Markup("Connected <strong>{}</strong>.").format(name)
    if resumed:
        message += f" {resumed} waiting row{'s are' if resumed != 1 else ' is'} being sent now."
    return message, "success"


@bp.get("/connections/<int:connection_id>/disconnect")
@login_required
def confirm_disconnect(connection_id: int):
    """Ask before disconnecting, and say how many rows will wait for a reconnect."""
    conn = connection_or_404(connection_id)
    return render_template(
        "connections/disconnect.html", conn=conn, waiting=outbox.waiting_count(conn),
        imports=_imports_by_state(conn), form=PostForm(),
        draft_days=current_app.config["DRAFT_RETENTION_DAYS"],
    )


def _imports_by_state(conn) -> dict[str, int]:
    """How many of the connection's imports are drafts, being sent, ... (what a disconnect
    leaves waiting)."""
    query = (select(Import.state, func.count()).where(Import.connection_id == conn.id)
             .group_by(Import.state))
    return dict(db.session.execute(query).all())


@bp.post("/connections/<int:connection_id>/disconnect")
@login_required
def disconnect(connection_id: int):
    """Revoke the token at Notion and forget it here; the rows and imports stay."""
    conn = connection_or_404(connection_id)
    waiting = outbox.waiting_count(conn)
    kept = (
        f" {waiting} unsent row{'s are' if waiting != 1 else ' is'} kept and "
        f"go{'' if waiting != 1 else 'es'} out when you reconnect it." if waiting else ""
    )
    if not PostForm().validate_on_submit():
        flash("The form expired. Please try again.", "error")
        return redirect(url_for(".dashboard"))
    unconfirmed = authorizations.disconnect(conn)
    settings = Markup('<a href="{}" rel="noopener">Settings → Connections</a>').format(
        current_app.config.get("NOTION_CONNECTIONS_HELP_URL", CONNECTIONS_HELP_URL)
    )
    if not unconfirmed:
        flash(Markup(
            "Disconnected. Notion confirmed that it revoked this app's access and refresh "
            "tokens, so this app can no longer reach the workspace. If the integration is still "
            "listed in Notion, you can remove it there: {}.{}"
        ).format(settings, kept), "success")
    else:
        flash(Markup(
            "Disconnected here, but Notion did not confirm that it revoked this app's {} "
            "(Notion could not be reached or refused), so <strong>the integration may still be "
            "installed</strong> in your workspace. Remove it in Notion: {}.{}"
        ).format(" and ".join(unconfirmed), settings, kept), "warning")
    return redirect(url_for(".dashboard"))
