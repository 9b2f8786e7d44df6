"""What the history says about a row: where it came from, and its state in plain words.

`row_source(row)` names the source ("Form", "Import: tasks.csv" with a link to the import).
Public forms extend it: give their rows a column (a form id), then add a branch before the
"Form" fallback, as the rows API did ("API: <token name>"). `describe_state(row)` words every
`RowState` with one line of explanation; `TABS` groups the states into the history's filters.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from ..api.models import ApiToken
from ..extensions import db
from ..models import Import, RowState, RowSubmission
from ..public_forms.models import PublicForm


@dataclass(frozen=True)
class Source:
    """Where a row came from: a label, and a page about it when there is one."""

    label: str
    url: str | None = None


def row_source(row: RowSubmission) -> Source:
    """The row's source as the history shows it (its import is read from the session, which
    `preload_imports` filled for a whole page of rows)."""
    if row.import_id is not None:
        imp = db.session.get(Import, row.import_id)
        name = (imp.filename if imp else None) or "CSV file"
        return Source(f"Import: {name}", url_for("imports.progress", import_id=row.import_id))
    if row.api_token_id is not None:
        token = db.session.get(ApiToken, row.api_token_id)
        return Source(f"API: {token.name if token else 'a deleted token'}")
    if row.form_id is not None:
        form = db.session.get(PublicForm, row.form_id)
        if form is None:
            return Source("Public form (deleted)")
        return Source(f"Public form: {form.title}",
                      url_for("form_builder.rows", form_id=form.id))
    return Source("Form")


def preload_imports(rows: list[RowSubmission]) -> None:
    """One query for the imports of a page of rows, so `row_source` finds them in the session."""
    ids = {r.import_id for r in rows if r.import_id is not None}
    if ids:
        list(db.session.scalars(db.select(Import).where(Import.id.in_(ids))))


@dataclass(frozen=True)
class StateWording:
    """A state as a person reads it: a word or two (the badge), one line of explanation, and
    the badge's style (`kind`)."""

    word: str
    explanation: str
    kind: str


WAITING_FOR_RECONNECT = StateWording(
    "Waiting for reconnect",
    "Saved here; it goes to Notion once you reconnect this workspace.",
    "reconnect",
)
WORDING = {
    RowState.PENDING: StateWording(
        "Waiting", "Saved here; it goes to Notion shortly.", "waiting"),
    RowState.SENDING: StateWording(
        "Sending", "Being sent to Notion right now.", "sending"),
    RowState.UNKNOWN: StateWording(
        "Checking with Notion",
        "Notion may already have it: the app checks before sending it again, so it is never "
        "added twice.",
        "checking"),
    RowState.SENT: StateWording("Sent", "In Notion.", "sent"),
    RowState.FAILED: StateWording(
        "Needs your attention", "Notion refused it. Retry it, or discard it.", "attention"),
    RowState.CANCELLED: StateWording(
        "Cancelled",
        "Its import was cancelled before it was sent; resume the import to send it.",
        "cancelled"),
    RowState.DISCARDED: StateWording(
        "Discarded", "You chose not to send it; it is kept here and never sent.", "discarded"),
}


# A sent row that updated a page of Notion (an import that updates rows) rather than adding one.
UPDATED = StateWording("Updated", "Its row in Notion was updated.", "sent")


def describe_state(row: RowSubmission) -> StateWording:
    """The row's state in plain words (a row with no due time waits for a reconnect)."""
    waiting = row.state in (RowState.PENDING, RowState.UNKNOWN)
    if waiting and row.next_attempt_at is None:
        return WAITING_FOR_RECONNECT
    if row.state == RowState.SENT and row.target_page_id:
        return UPDATED
    return WORDING[RowState(row.state)]


@dataclass(frozen=True)
class Tab:
    """One filter of the history: its name in the URL, its label, the states it shows."""

    key: str
    label: str
    states: tuple[RowState, ...]


# "All" shows every state but discarded (kept under its own tab).
TABS = (
    Tab("", "All", tuple(s for s in RowState if s != RowState.DISCARDED)),
    Tab("waiting", "Waiting", (RowState.PENDING, RowState.SENDING, RowState.UNKNOWN)),
    Tab("sent", "Sent", (RowState.SENT,)),
    Tab("attention", "Needs attention", (RowState.FAILED,)),
    Tab("cancelled", "Cancelled", (RowState.CANCELLED,)),
    Tab("discarded", "Discarded", (RowState.DISCARDED,)),
)
# Links made before the tabs named one state (?state=failed): each opens the tab holding it.
_BY_STATE = {s.value: t for t in TABS[1:] for s in t.states}


def tab_for(key: str) -> Tab:
    """The tab a `?state=` value asks for (a tab's key or a state's name); All otherwise."""
    for tab in TABS:
        if tab.key == key:
            return tab
    return _BY_STATE.get(key, TABS[0])
