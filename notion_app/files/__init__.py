"""Files a person attaches to a row: kept with the row (`storage`), uploaded to Notion's File
Upload API by the outbox just before the create (`uploading`)."""

from . import models  # noqa: F401  (the tables)
