"""The front page and the platform's health check."""

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """What the app does; signed-in people go straight to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("connections.dashboard"))
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    """200 when the app and its database answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("health check: the database does not answer")
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok"}
