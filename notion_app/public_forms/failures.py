"""The owner's mail when Notion refuses a row sent through one of their forms ("Email me when a
submission fails"): the form, the row's title and Notion's reason, and the submissions page,
where the row is fixed and sent again. Never the visitor's other answers.

It runs in the sender (outbox/listeners.py), often outside any web request, so the link is built
from the app's configured address (NOTION_REDIRECT_URI's scheme and host); mail.send only
queues the message, so a slow mail server never holds the sender.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

from .. import mail
from ..extensions import db
from ..models import RowSubmission
from .models import PublicForm

SUBJECT = "A submission to “{title}” did not reach Notion"
BODY = """A row sent through your public form “{title}” did not reach Notion: {row}.

Notion said: {error}

It is kept in the app. Open the form's submissions to fix it and send it again:
{link}
"""


def row_failed(row: RowSubmission) -> None:
    """Mail the owner of the row's form, if they asked for it (listener of the outbox)."""
    if row.form_id is None:
        return
    form = db.session.get(PublicForm, row.form_id)
    if form is None or not form.notify_failures or form.user_id != row.user_id:
        return
    mail.send(form.user.email, SUBJECT.format(title=form.title),
              BODY.format(title=form.title, row=row.title_text or "Untitled",
                          error=row.last_error or "no reason given", link=_link(form)))


def _link(form: PublicForm) -> str:
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for("form_builder.rows", form_id=form.id, _external=True)
    base = urlsplit(current_app.config.get("NOTION_REDIRECT_URI") or "")
    adapter = current_app.url_map.bind(base.netloc or "localhost",
                                       url_scheme=base.scheme or "http")
    return adapter.build("form_builder.rows", {"form_id": form.id}, force_external=True)
