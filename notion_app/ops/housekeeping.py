"""Periodic housekeeping: expired login sessions, abandoned drafts, parsed files no longer needed,
API idempotency keys past their 24 hours, finished webhook deliveries past WEBHOOK_LOG_DAYS.

Run by the worker process every `HOUSEKEEPING_SECONDS` (a thread next to the outbox's safety
sweep) and by `flask purge`. Each step is one bulk statement, safe to run from any number of
processes at once.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from ..accounts import users
from ..api import idempotency
from ..imports import storage
from ..models import utcnow
from ..webhooks import delivery as webhook_delivery

log = logging.getLogger(__name__)


def purge(now=None) -> dict[str, int]:
    """Everything old goes; returns how many of each were removed."""
    now = now or utcnow()
    return {
        "login_sessions": users.purge_login_sessions(now),
        "drafts": storage.purge_old_drafts(now),
        "parsed_files": storage.drop_finished_files(),
        "idempotency_keys": idempotency.purge_expired(now),
        "webhook_deliveries": webhook_delivery.purge_old(now),
    }


class Housekeeping:
    """In the worker process: `purge()` at start, then every `HOUSEKEEPING_SECONDS`."""

    def __init__(self, app: Flask):
        self.app = app
        self.interval = float(app.config.get("HOUSEKEEPING_SECONDS", 3600.0))
        self.stopped = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="housekeeping", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    def _run(self) -> None:
        while True:
            try:
                with self.app.app_context():
                    removed = purge()
                if any(removed.values()):
                    log.info("housekeeping removed %s", removed)
            except Exception:  # noqa: BLE001 - the database is away: try again next time
                log.warning("housekeeping could not purge", exc_info=True)
            if self.stopped.wait(self.interval):
                return
