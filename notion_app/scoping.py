"""Every lookup of a user's object goes through here: other people's objects are a 404."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from .extensions import db
from .models import NotionConnection


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
