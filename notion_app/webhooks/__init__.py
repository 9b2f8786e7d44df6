"""Webhooks out: tell other programs when a row reached Notion, was refused, or an import finished.

Modules: `models` (WebhookEndpoint, WebhookDelivery, WebhookAttempt), `endpoints` (make with a
`whsec_` secret shown once, list, delete), `events` (what the outbox and imports call: a saved
delivery, no HTTP), `ssrf` (T46: the URL checked and its address pinned), `delivery` (claim, sign,
POST, log, back off), `sender` (wakes: RQ jobs or a thread), `forms`, `views` (the account
page's section, the delivery log, "Send a test").
"""

from .events import import_finished, row_event

__all__ = ["import_finished", "init_app", "row_event"]


def init_app(app) -> None:
    """The blueprint and the sender (woken after every commit that saved a delivery)."""
    from . import sender, views

    app.register_blueprint(views.bp)
    sender.init_app(app)
