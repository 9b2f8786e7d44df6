"""The CSV upload form."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

# UTF-8 unless the person says otherwise: a file that is not valid UTF-8 is refused with its
# line named (T42), never silently read as another encoding.
ENCODINGS = [
    SelectChoice("utf-8", "UTF-8 (most apps, Google Sheets, Numbers)"),
    SelectChoice("cp1252", "Windows-1252 (Excel on Windows, “CSV” not “CSV UTF-8”)"),
    SelectChoice("latin-1", "Latin-1 (ISO-8859-1)"),
]


class UploadForm(FlaskForm):
    """A CSV file to import (its size is capped by MAX_CONTENT_LENGTH)."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])
    encoding = SelectField("Text encoding", choices=ENCODINGS, default="utf-8")
