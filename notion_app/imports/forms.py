"""The CSV upload form."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class UploadForm(FlaskForm):
    """A CSV file to import (its size is capped by MAX_CONTENT_LENGTH)."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])
