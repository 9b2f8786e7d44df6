"""The API's pages for people: the account page's "API tokens" section (create: shown once;
list with last use; revoke) and /api/docs, the human guide with curl examples.

Making a token waits for a confirmed email address (`require_confirmed`): a token reaches
Notion in its owner's name. The new token is shown in the answer to the POST itself, never
put in the session or a URL, so it is seen once.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.confirmation import is_confirmed, require_confirmed
from ..accounts.views import account as account_page
from ..buttons import PostForm
from ..data_sources import catalog
from ..models import ConnectionState, NotionConnection
from ..notion.ids import canonical_id, notion_link_id
from ..scoping import owned_or_none
from . import tokens
from .forms import ALL, NewTokenForm

bp = Blueprint("api_pages", __name__)
SECTION = "api-tokens"


def _connections() -> list[NotionConnection]:
    return [c for c in current_user.connections if c.state != ConnectionState.DISCONNECTED]


@bp.app_context_processor
def _token_section():
    """What the account page's section needs: the form (the one just refused, with its
    errors, else a fresh one), the user's tokens, a revoke button."""

    def api_token_section() -> dict:
        if "api_token_form" not in g:
            g.api_token_form = NewTokenForm(_connections(), formdata=None)
        return {"form": g.api_token_form, "tokens": tokens.user_tokens(current_user),
                "confirmed": is_confirmed(current_user), "revoke_form": PostForm(),
                "scope": tokens.scope_label}

    return {"api_token_section": api_token_section}


@bp.post("/auth/account/api-tokens")
@require_confirmed
def create_token():
    """Make a token and show it, this once."""
    form = NewTokenForm(_connections())
    scope = _scope(form) if form.validate_on_submit() else None
    if scope is None:
        g.api_token_form = form
        return account_page(), 400
    made = tokens.create(current_user, form.name.data, *scope)
    return render_template("api/token_created.html", token=made.token, secret=made.secret,
                           scope=tokens.scope_label(made.token))


def _scope(form: NewTokenForm) -> tuple[int | None, str | None] | None:
    """(connection id, data source id) of the form's choice, checked; None with a field error."""
    connection_id = int(form.connection.data) if form.connection.data != ALL else None
    text = form.data_source.data or ""
    if not text:
        return connection_id, None
    wanted = canonical_id(text) or notion_link_id(text)
    if wanted is None:
        form.data_source.errors.append("Paste a data source id or a Notion database link.")
        return None
    if connection_id is None:
        form.connection.errors.append("Choose the workspace the data source is in.")
        return None
    conn = owned_or_none(NotionConnection, connection_id)
    found = catalog.shared_data_source(conn, wanted) if conn else None
    if not found and conn:  # a database's link: its one data source
        group = catalog.database_by_link(conn, wanted)
        if group and len(group["data_sources"]) == 1:
            found = group["data_sources"][0]
    if not found:
        form.data_source.errors.append(
            "That workspace does not share this data source with the app (paste the data "
            "source's id from its page here, or share it in Notion first).")
        return None
    return connection_id, found["id"]


@bp.post("/auth/account/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke a token: every call with it is refused from now on (it stays listed)."""
    if PostForm().validate_on_submit():
        token = tokens.revoke(current_user, token_id)
        if token is not None:
            flash(f"Revoked the token “{token.name}”: programs using it are refused now.",
                  "success")
    return redirect(url_for("accounts.account", _anchor=SECTION))


@bp.get("/api/docs")
def docs():
    """How to use the API, with curl examples (no script: the document is /api/openapi.json)."""
    base = request.host_url.rstrip("/")
    return render_template("api/docs.html", base=base)
