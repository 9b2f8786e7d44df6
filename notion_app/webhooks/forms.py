"""The account page's form for a new webhook endpoint (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from .endpoints import EVENTS
from .ssrf import MAX_URL


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class NewEndpointForm(FlaskForm):
    connection = SelectField("Workspace", validate_choice=True)
    url = StringField("URL", filters=[strip],
                      validators=[DataRequired("Paste the URL that receives the events."),
                                  Length(max=MAX_URL)],
                      description="An https:// address of yours, e.g. a Zapier or n8n webhook.")
    events = SelectMultipleField(
        "Events", choices=[SelectChoice(k, v) for k, v in EVENTS.items()], default=list(EVENTS),
        validators=[DataRequired("Choose at least one event.")],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def __init__(self, connections=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection.choices = [
            SelectChoice(str(c.id), c.workspace_name or "Notion workspace") for c in connections]
