"""Every lookup of a user's object goes through here: other people's objects are a 404."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from .extensions import db
from .models import NotionConnection


def connection_or_404(connection_id: int) -> NotionConnection:
    query = select(NotionConnection).where(
        NotionConnection.id == connection_id, NotionConnection.user_id == current_user.id
    )
    conn = db.session.scalar(query)
    if conn is None:
        abort(404)
    return conn
