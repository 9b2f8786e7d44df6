"""Every lookup of a user's object goes through here: other people's objects are a 404."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from . import catalog
from .extensions import db
from .models import Import, NotionConnection, RowSubmission


def owned_or_none(model, object_id: int):
    """The current user's `model` row with this id, or None (also for anyone else's)."""
    query = select(model).where(model.id == object_id, model.user_id == current_user.id)
    return db.session.scalar(query)


def owned_or_404(model, object_id: int):
    """The current user's `model` row with this id; anyone else's (or none) is a 404."""
    found = owned_or_none(model, object_id)
    if found is None:
        abort(404)
    return found


def connection_or_404(connection_id: int) -> NotionConnection:
    return owned_or_404(NotionConnection, connection_id)


def data_source_or_404(conn: NotionConnection, data_source_id: str) -> dict:
    """A data source shared through `conn` (the id in the URL is untrusted until found)."""
    found = catalog.shared_data_source(conn, data_source_id)
    if found is None:
        abort(404)
    return found


def row_or_404(row_id: int) -> RowSubmission:
    return owned_or_404(RowSubmission, row_id)


def import_or_404(import_id: int) -> Import:
    return owned_or_404(Import, import_id)
