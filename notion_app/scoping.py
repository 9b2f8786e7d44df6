"""Every lookup of a user's object goes through here: other people's objects are a 404."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from . import catalog
from .extensions import db
from .models import Import, NotionConnection, RowSubmission


def connection_or_404(connection_id: int) -> NotionConnection:
    query = select(NotionConnection).where(
        NotionConnection.id == connection_id, NotionConnection.user_id == current_user.id
    )
    conn = db.session.scalar(query)
    if conn is None:
        abort(404)
    return conn


def data_source_or_404(conn: NotionConnection, data_source_id: str) -> dict:
    """A data source shared through `conn` (the id in the URL is untrusted until found)."""
    found = catalog.shared_data_source(conn, data_source_id)
    if found is None:
        abort(404)
    return found


def row_or_404(row_id: int) -> RowSubmission:
    query = select(RowSubmission).where(
        RowSubmission.id == row_id, RowSubmission.user_id == current_user.id
    )
    row = db.session.scalar(query)
    if row is None:
        abort(404)
    return row


def import_or_404(import_id: int) -> Import:
    query = select(Import).where(Import.id == import_id, Import.user_id == current_user.id)
    imp = db.session.scalar(query)
    if imp is None:
        abort(404)
    return imp
