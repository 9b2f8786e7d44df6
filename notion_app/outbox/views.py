"""The history of rows a person sent: tabs by state, retry or discard the unsent ones."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..buttons import PostForm
from ..data_sources.templates import label as template_label
from ..extensions import db
from ..files import storage
from ..files.checks import size_text
from ..models import RowSubmission
from ..scoping import owned_or_404
from . import rows as outbox_rows
from . import wording

bp = Blueprint("history", __name__)
LIMIT = 100


@bp.get("/rows")
@login_required
def history():
    """Every row the current user sent, newest first, one tab (a group of states) at a time."""
    tab = wording.tab_for(request.args.get("state", ""))
    before = request.args.get("before", type=int)
    query = select(RowSubmission).where(
        RowSubmission.user_id == current_user.id, RowSubmission.state.in_(tab.states)
    )
    if before:
        query = query.where(RowSubmission.id < before)
    found = list(db.session.scalars(query.order_by(RowSubmission.id.desc()).limit(LIMIT + 1)))
    wording.preload_imports(found)
    shown = found[:LIMIT]
    return render_template(
        "outbox/rows.html", rows=shown, files=storage.of_rows([r.id for r in shown]),
        size_text=size_text,
        older=found[LIMIT - 1].id if len(found) > LIMIT else None,
        tab=tab, tabs=_tab_counts(tab), unsent=outbox_rows.UNSENT, form=PostForm(),
        template_label=template_label, source=wording.row_source, describe=wording.describe_state,
    )


def _tab_counts(active: wording.Tab) -> list[tuple[wording.Tab, int]]:
    """Each tab with how many of the user's rows it holds; empty ones are left out, but for
    All and the one shown."""
    by_state = dict(db.session.execute(
        select(RowSubmission.state, func.count())
        .where(RowSubmission.user_id == current_user.id).group_by(RowSubmission.state)
    ).all())
    counted = [(t, sum(by_state.get(s, 0) for s in t.states)) for t in wording.TABS]
    return [(t, n) for t, n in counted if n or t is active or not t.key]


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
