"""The account page's form for a new API token (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from .tokens import MAX_NAME

ALL = ""


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class NewTokenForm(FlaskForm):
    name = StringField("Token name", filters=[strip],
                       validators=[DataRequired(), Length(max=MAX_NAME)],
                       description="What uses it, e.g. “Zapier” or “Shop orders”.")
    connection = SelectField("Workspaces it may use", validate_choice=True)
    data_source = StringField(
        "Only this data source (optional)", filters=[strip], validators=[Length(max=2000)],
        description="Paste a data source's id or its database's Notion link to limit the token "
                    "to it; choose its workspace above.")

    def __init__(self, connections=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection.choices = [(ALL, "All my workspaces")] + [
            (str(c.id), c.workspace_name or "Notion workspace") for c in connections]
