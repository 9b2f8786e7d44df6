"""Every error page and handler: HTTP errors, an expired form, an unknown host, and one answer
to Notion trouble in a view (a flash and a redirect, or a clear page)."""

from __future__ import annotations

import logging

from flask import Flask, flash, redirect, render_template, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from .connections.tokens import NeedsReconnect
from .extensions import db
from .models import NotionConnection
from .notion.errors import NotionError, NotionNotFound, NotionRateLimited
from .notion.oauth import ClientMisconfigured, TokenEndpointUnavailable, TokenResponseError

log = logging.getLogger(__name__)
HTTP_ERRORS = {
    400: "Bad request",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    413: "File too large",
    500: "Something went wrong",
}


def init_app(app: Flask) -> None:
    for status, title in HTTP_ERRORS.items():
        app.register_error_handler(status, _error_page(status, title))
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(NeedsReconnect, _needs_reconnect)
    app.register_error_handler(NotionError, _notion_error)
    app.register_error_handler(TokenEndpointUnavailable, _token_endpoint_unavailable)
    app.register_error_handler(TokenResponseError, _token_endpoint_unavailable)
    app.register_error_handler(ClientMisconfigured, _misconfigured)


def page(status: int, title: str, detail: str | None = None):
    """The error page, with `status`."""
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def _error_page(status: int, title: str):
    def handler(_error):
        return page(status, title)

    return handler


def _csrf_error(_error: CSRFError):
    return page(400, "This form has expired", "Go back, reload the page and submit the form again.")


def _untrusted_host(_error):
    """A Host outside TRUSTED_HOSTS: no URL can be built for it, so no templated page."""
    return "Bad request: unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}


def _needs_reconnect(error: NeedsReconnect):
    conn = db.session.get(NotionConnection, error.connection_id)
    if conn is not None and conn.disconnected:
        flash("You disconnected this workspace. Reconnect it to continue; rows you saved are "
              "kept and go out once it is connected again.", "info")
    else:
        flash("Notion no longer accepts this app's access to that workspace. Reconnect it to "
              "continue; rows you saved are kept.", "error")
    return redirect(url_for("connections.dashboard"))


def _notion_error(error: NotionError):
    log.info("notion error in a view: %s", error)
    if isinstance(error, NotionNotFound):
        return page(404, "Not found in Notion",
                    "Notion did not find this database. It may have been deleted, or it is no "
                    "longer shared with this app (in Notion: ••• → Connections).")
    if isinstance(error, NotionRateLimited):
        wait = f" in {int(error.retry_after + 0.999)} seconds" if error.retry_after else " shortly"
        return page(503, "Notion is busy", f"Notion asked us to slow down. Try again{wait}.")
    return _unreachable()


def _token_endpoint_unavailable(_error: TokenResponseError):
    return _unreachable()


def _misconfigured(_error: ClientMisconfigured):
    """invalid_client: the operator's settings. Never "reconnect": that cannot fix it."""
    return page(503, "This app is misconfigured",
                "Notion refused this app's own credentials, so nothing can reach Notion until "
                "the administrator corrects the app's Notion settings. This is not something "
                "you can fix from your account. Nothing you saved was lost; it is sent once "
                "the settings are fixed.")


def _unreachable():
    return page(502, "Notion did not answer as expected",
                "Notion could not be reached or answered with an error. Nothing you saved was "
                "lost; please try again in a moment.")
