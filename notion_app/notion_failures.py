"""One app-wide answer to Notion trouble in a view: a flash and a redirect, or a clear page."""

from __future__ import annotations

import logging

from flask import Flask, flash, redirect, render_template, url_for

from .notion.errors import NotionError, NotionNotFound, NotionRateLimited
from .workspaces import NeedsReconnect

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(NeedsReconnect, _needs_reconnect)
    app.register_error_handler(NotionError, _notion_error)


def _needs_reconnect(_error: NeedsReconnect):
    flash(
        "Notion no longer accepts this app's access to that workspace. Reconnect it to continue; "
        "rows you saved are kept.",
        "error",
    )
    return redirect(url_for("connections.dashboard"))


def _notion_error(error: NotionError):
    log.info("notion error in a view: %s", error)
    if isinstance(error, NotionNotFound):
        return _page(404, "Not found in Notion",
                     "Notion did not find this database. It may have been deleted, or it is no "
                     "longer shared with this app (in Notion: ••• → Connections).")
    if isinstance(error, NotionRateLimited):
        wait = f" in {int(error.retry_after + 0.999)} seconds" if error.retry_after else " shortly"
        return _page(503, "Notion is busy", f"Notion asked us to slow down. Try again{wait}.")
    return _page(502, "Notion did not answer as expected",
                 "Notion could not be reached or answered with an error. Nothing you saved was "
                 "lost; please try again in a moment.")


def _page(status: int, title: str, detail: str):
    return render_template("errors/error.html", status=status, title=title, detail=detail), status
