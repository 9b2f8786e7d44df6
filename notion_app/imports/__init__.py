"""CSV imports: parse, map, preview, send through the outbox, progress, cancel and resume,
results."""

from . import models  # noqa: F401  (the tables)
