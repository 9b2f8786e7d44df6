"""Blueprint `webhooks`: the account page's "Webhooks" section (make: the secret shown once;
delete), an endpoint's delivery log and its "Send a test" button.

Another person's endpoint is a 404 (scoping.owned_or_404). Making one waits for a confirmed
email address, as an API token does: it sends what happens in a workspace elsewhere.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.confirmation import is_confirmed, require_confirmed
from ..accounts.views import account as account_page
from ..buttons import PostForm
from ..extensions import db
from ..models import ConnectionState, NotionConnection
from ..scoping import owned_or_404, owned_or_none
from . import endpoints, events, ssrf
from .forms import NewEndpointForm
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

bp = Blueprint("webhooks", __name__)
SECTION = "webhooks"
LOG_SIZE = 50


def _connections() -> list[NotionConnection]:
    return [c for c in current_user.connections if c.state != ConnectionState.DISCONNECTED]


@bp.app_context_processor
def _webhook_section():
    """What the account page's section needs: the form (the refused one with its errors, else
    a fresh one), the user's endpoints with their workspace's name, a delete button."""

    def webhook_section() -> dict:
        connections = _connections()
        if "webhook_form" not in g:
            g.webhook_form = NewEndpointForm(connections, formdata=None)
        names = {c.id: c.workspace_name or "Notion workspace" for c in current_user.connections}
        return {"form": g.webhook_form, "endpoints": endpoints.user_endpoints(current_user),
                "names": names, "events": endpoints.EVENTS, "confirmed": is_confirmed(current_user),
                "connected": bool(connections), "button": PostForm()}

    return {"webhook_section": webhook_section}


@bp.post("/auth/account/webhooks")
@require_confirmed
def create():
    """Save an endpoint and show its signing secret, this once."""
    form = NewEndpointForm(_connections())
    conn = None
    if form.validate_on_submit():
        conn = owned_or_none(NotionConnection, int(form.connection.data))
    if conn is not None:
        try:
            made = endpoints.create(current_user, conn, form.url.data, form.events.data)
        except ssrf.UnsafeUrl as exc:
            form.url.errors.append(exc.message)
        else:
            return render_template("webhooks/created.html", endpoint=made.endpoint,
                                   secret=made.secret, workspace=conn.workspace_name)
    g.webhook_form = form
    return account_page(), 400


@bp.post("/auth/account/webhooks/<int:endpoint_id>/delete")
@login_required
def delete(endpoint_id: int):
    endpoint = owned_or_404(WebhookEndpoint, endpoint_id)
    if PostForm().validate_on_submit():
        endpoints.delete(endpoint)
        flash(f"Deleted the webhook to {endpoint.url}: nothing more is sent there.", "success")
    return redirect(url_for("accounts.account", _anchor=SECTION))


@bp.post("/auth/account/webhooks/<int:endpoint_id>/test")
@login_required
def send_test(endpoint_id: int):
    """Save a `webhook.test` delivery; the sender sends it like any other (its log shows it)."""
    endpoint = owned_or_404(WebhookEndpoint, endpoint_id)
    if PostForm().validate_on_submit():
        events.test_event(endpoint)
        db.session.commit()
        flash("A test is on its way; its attempt appears below in a moment.", "success")
    return redirect(url_for("webhooks.log", endpoint_id=endpoint.id))


@bp.get("/auth/account/webhooks/<int:endpoint_id>")
@login_required
def log(endpoint_id: int):
    """The endpoint's latest deliveries, each with its attempts (status, time, answer, next)."""
    endpoint = owned_or_404(WebhookEndpoint, endpoint_id)
    deliveries = list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc()).limit(LOG_SIZE)))
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        for a in db.session.scalars(select(WebhookAttempt).where(
                WebhookAttempt.delivery_id.in_(attempts)).order_by(WebhookAttempt.id)):
            attempts[a.delivery_id].append(a)
    conn = db.session.get(NotionConnection, endpoint.connection_id)
    return render_template("webhooks/log.html", endpoint=endpoint, deliveries=deliveries,
                           attempts=attempts, button=PostForm(), events=endpoints.EVENTS,
                           workspace=conn.workspace_name if conn else "")
