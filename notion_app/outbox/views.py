"""The history of rows a person sent: filter by state, retry or discard the unsent ones."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..buttons import PostForm
from ..data_sources.templates import label as template_label
from ..extensions import db
from ..models import RowState, RowSubmission
from ..scoping import owned_or_404
from . import rows as outbox_rows

bp = Blueprint("history", __name__)
STATES = tuple(RowState)
LIMIT = 100


@bp.get("/rows")
@login_required
def history():
    """Every row the current user sent, newest first, optionally one state only."""
    state = request.args.get("state", "")
    before = request.args.get("before", type=int)
    query = select(RowSubmission).where(RowSubmission.user_id == current_user.id)
    if state in STATES:
        query = query.where(RowSubmission.state == state)
    else:  # discarded rows are kept, under their own filter
        query = query.where(RowSubmission.state != RowState.DISCARDED)
    if before:
        query = query.where(RowSubmission.id < before)
    found = list(db.session.scalars(query.order_by(RowSubmission.id.desc()).limit(LIMIT + 1)))
    return render_template(
        "outbox/rows.html", rows=found[:LIMIT],
        older=found[LIMIT - 1].id if len(found) > LIMIT else None,
        state=state if state in STATES else "", states=STATES, unsent=outbox_rows.UNSENT,
        form=PostForm(), template_label=template_label,
    )


@bp.post("/rows/<int:row_id>/retry")
@login_required
def retry(row_id: int):
    """Send an unsent row again (an unknown one is looked for in Notion first)."""
    row = owned_or_404(RowSubmission, row_id)
    if PostForm().validate_on_submit() and outbox_rows.retry(row):
        flash("The row will be sent again shortly.", "info")
    return redirect(url_for(".history"))


@bp.post("/rows/<int:row_id>/discard")
@login_required
def discard(row_id: int):
    """Give up on an unsent row (it stays in the history, marked discarded)."""
    row = owned_or_404(RowSubmission, row_id)
    if PostForm().validate_on_submit() and outbox_rows.discard(row):
        flash("Row discarded: it will not be sent.", "info")
    return redirect(url_for(".history"))
