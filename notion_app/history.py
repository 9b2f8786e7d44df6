"""The history of rows a person sent: filter by state, retry or discard the unsent ones."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from . import sending
from .databases import bp
from .extensions import db
from .forms import PostForm
from .models import RowSubmission
from .scoping import row_or_404

# The routes join the databases blueprint (endpoints `databases.history`, ...).
STATES = ("pending", "sending", "sent", "failed", "unknown")
UNSENT = ("pending", "failed", "unknown")
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
    if before:
        query = query.where(RowSubmission.id < before)
    rows = list(db.session.scalars(query.order_by(RowSubmission.id.desc()).limit(LIMIT + 1)))
    return render_template(
        "history/rows.html", rows=rows[:LIMIT], older=rows[LIMIT - 1].id if len(rows) > LIMIT
        else None, state=state if state in STATES else "", states=STATES, unsent=UNSENT,
        form=PostForm(),
    )


@bp.post("/rows/<int:row_id>/retry")
@login_required
def retry(row_id: int):
    """Send an unsent row again (an unknown one is looked for in Notion first)."""
    row = row_or_404(row_id)
    if PostForm().validate_on_submit() and row.state in UNSENT:
        sending.retry(row)
        flash("The row will be sent again shortly.", "info")
    return redirect(url_for(".history"))


@bp.post("/rows/<int:row_id>/discard")
@login_required
def discard(row_id: int):
    """Forget an unsent row."""
    row = row_or_404(row_id)
    if PostForm().validate_on_submit() and sending.discard(row):
        flash("Row discarded.", "info")
    return redirect(url_for(".history"))
