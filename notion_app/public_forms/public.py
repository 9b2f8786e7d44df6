"""The public form at /f/<public_id>: no account, no session, no JavaScript needed.

Every answer is checked in this order, and nothing is saved unless all pass: the form takes
answers (open, not expired, not full), the address and the form are under their rate limits,
the honeypot is empty (a bot is thanked and forgotten), the signed token is this form's and old
enough, the password (when set) is right, every field is valid, every file fits (uploads.py).
Anything refused shows the form again with what was typed and the message at the field (files
are picked again: a browser cannot refill a file input). Visitor-facing text is in the form's
language (Flask-Babel, notion_app/translations).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.security import check_password_hash

from ..extensions import db
from . import abuse, choices, settings, submissions, tokens, uploads
from . import fields as form_fields
from .models import PublicForm

bp = Blueprint("public_forms", __name__)
PUBLIC_ID_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


def form_or_404(public_id: str) -> PublicForm:
    """The form with this public id; a malformed or unknown id is a plain 404 (T43)."""
    form = find(public_id)
    if form is None:
        abort(404)
    g.public_form = form  # for the headers: who may frame it (embedding.py)
    return form


def find(public_id: str) -> PublicForm | None:
    """The form, or None; loaded once per request (the body limit looks first)."""
    loaded = g.get("public_form_loaded")
    if loaded is not None and loaded.public_id == public_id:
        return loaded
    form = None
    if PUBLIC_ID_RE.match(public_id):
        # Its owner and connection in the same query: every answer checks both.
        form = db.session.scalar(select(PublicForm).where(PublicForm.public_id == public_id)
                                 .options(joinedload(PublicForm.user),
                                          joinedload(PublicForm.connection)))
    g.public_form_loaded = form
    return form


def takes_files(form: PublicForm) -> bool:
    return bool(uploads.with_files(form_fields.of(form)))


@bp.get("/f/<public_id>")
def show(public_id: str):
    """The form, with its defaults and the link's prefilled values."""
    form = form_or_404(public_id)
    with force_locale(form.language):
        if (refused := abuse.refusal(form)) is not None:
            return _closed(form, refused, 200)
        settings.follow_cached_schema(form)
        fields = form_fields.of(form)
        values = form_fields.initial_values(fields, request.args)
        return _form_page(form, fields, values, {}, tokens.issue(form.public_id))


@bp.post("/f/<public_id>")
def submit(public_id: str):
    """Check the answers (see the module docstring); save the row and thank the visitor."""
    form = form_or_404(public_id)
    with force_locale(form.language):
        if (refused := abuse.refusal(form)) is not None:
            return _closed(form, refused, 403)
        if wait := abuse.rate_limited(form, request.remote_addr):
            return _busy(form, wait)
        if abuse.caught_by_honeypot(request.form):
            return _thanked(form)
        return _answers(form)


def _answers(form: PublicForm):
    fields = form_fields.of(form)
    token = request.form.get("token", "")
    try:
        served = tokens.check(form.public_id, token)
    except tokens.TokenRefused:
        served = None
    props, errors, values = submissions.parse(form, request.form)
    # Checked before anything is stored; a refused file is named at its field.
    files, file_errors = uploads.collect(form, fields, request.files)
    errors = {**errors, **file_errors}
    if served is None:
        notice = _("This page was open too long to send. Check your answers and send again.")
        return _form_page(form, fields, values, errors, tokens.issue(form.public_id), notice), 400
    if tokens.too_fast(served):
        notice = _("That was quick! Check your answers, then send the form again.")
        return _form_page(form, fields, values, errors, token, notice), 400
    if form.password_hash and not check_password_hash(
            form.password_hash, request.form.get("form_password", "")[:200]):
        errors = {**errors, "form_password": _("That password is not right.")}
    if errors:
        return _form_page(form, fields, values, errors, token), 400
    row = submissions.save(form, props, served.nonce, files)
    if row is None:
        return _closed(form, abuse.FULL, 403)
    return _thanked(form)


def _thanked(form: PublicForm):
    if form.redirect_url:
        return redirect(form.redirect_url, 303)
    return redirect(url_for(".thanks", public_id=form.public_id), 303)


@bp.get("/f/<public_id>/thanks")
def thanks(public_id: str):
    """The thank-you text (the row is saved; Notion gets it in the background)."""
    form = form_or_404(public_id)
    with force_locale(form.language):
        return render_template("public_forms/thanks.html", form=form)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """A body over FORM_BODY_MAX_MB (FORM_UPLOAD_MAX_MB for a form with files): nothing was read
    or saved; say so in the form's language, never with a bare 413."""
    form = find((request.view_args or {}).get("public_id", ""))
    with force_locale(form.language if form else "en"):
        if form is not None and takes_files(form):
            detail = _("Your files come to more than %(total)s, the most this form takes at "
                       "once. Nothing was saved. Go back, pick fewer or smaller files and send "
                       "again.", total=uploads.picker(form)["body_text"])
        else:
            detail = _("Nothing was saved. Go back, shorten your answers and send again.")
        page = render_template("public_forms/message.html", form=form,
                               title=_("Too much to send at once"), detail=detail)
        return page, 413


def _form_page(form, fields, values, errors, token, notice=None, *, preview=False):
    return render_template(
        "public_forms/form.html", form=form, fields=[f for f in fields if not f.hidden],
        values=values, errors=errors, token=token, notice=notice, preview=preview,
        honeypot=abuse.HONEYPOT, picker=uploads.picker(form), takes_files=takes_files(form),
        choices={f.key: choices.of(form, f) for f in choices.pickers(fields)},
    )


def _closed(form, refused: abuse.Refusal, status: int):
    return render_template("public_forms/message.html", form=form, title=refused.title,
                           detail=refused.detail), status


def _busy(form, wait: int):
    page = render_template(
        "public_forms/message.html", form=form, title=_("Too many answers at once"),
        detail=_("Please wait %(minutes)s minute(s) and send the form again; your answers were "
                 "not saved.", minutes=max(1, -(-wait // 60))))
    return page, 429, {"Retry-After": str(wait)}


def preview_page(form: PublicForm):
    """The form exactly as a visitor sees it, for its owner (nothing can be sent from it)."""
    fields = form_fields.of(form)
    with force_locale(form.language):
        return _form_page(form, fields, form_fields.initial_values(fields, request.args), {},
                          "", preview=True)
