"""Who hears that the outbox gave a row up as failed (Notion refused it; a person must fix it).

The outbox knows nothing of its listeners: a feature registers one in its `init_app`
(`on_failed(app, listener)`; public forms mail their owner). A listener runs in the sender
right after the failure is recorded, so it must only queue its work (mail.send does); one that
raises is logged and never changes the row's outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app

from ..models import RowSubmission

log = logging.getLogger(__name__)
KEY = "outbox.failed_listeners"


def on_failed(app: Flask, listener: Callable[[RowSubmission], None]) -> None:
    app.extensions.setdefault(KEY, []).append(listener)


def row_failed(row: RowSubmission) -> None:
    for listener in current_app.extensions.get(KEY, ()):
        try:
            listener(row)
        except Exception:  # a listener's bug must not undo or repeat the delivery
            log.exception("a failed-row listener raised for row %s", row.id)
