"""PostForm: a form with no fields, for every POST button (it carries the CSRF token)."""

from flask_wtf import FlaskForm


class PostForm(FlaskForm):
    """A form with no fields: a POST button that carries the CSRF token."""
