"""Events to tell: each becomes one saved delivery per endpoint that wants it.

Called by the outbox while it records a row's outcome and by the import when it finishes, in
their own transaction: these functions only add rows to the session (no HTTP, no commit), so
the event is saved exactly when its cause is, and the sender sends it later. The payload says
what happened to the row and where it is in Notion; it never carries a token or the row's values.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ..extensions import db
from . import endpoints
from .models import WebhookDelivery, WebhookEndpoint

# The session's flag that a commit saved deliveries: the sender is woken after it (sender.py).
SAVED = "webhooks_saved"


def _timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _source(row) -> str:
    if row.import_id is not None:
        return "import"
    if row.api_token_id is not None:
        return "api"
    if row.form_id is not None:
        return "public_form"
    return "row_form"


def row_event(row, state: str, values: dict) -> int:
    """Save `row.sent` / `row.failed` for the row's connection's endpoints; how many saved.
    `values` are what the outbox is writing to the row (its page, its error)."""
    event_type = f"row.{state}"
    if event_type not in endpoints.EVENTS or row.connection_id is None:
        return 0
    data = {
        "id": row.id, "state": state, "data_source_id": row.data_source_id,
        "notion_page_id": values.get("notion_page_id"),
        "notion_page_url": values.get("notion_page_url"),
        "error": values.get("last_error"), "source": _source(row),
        "import_id": row.import_id,
    }
    return len(_save(endpoints.wanting(row.connection_id, event_type), event_type, data))


def import_finished(imp, counts: dict) -> int:
    """Save `import.finished` with the import's counts for its connection's endpoints."""
    data = {"id": imp.id, "state": imp.state, "data_source_id": imp.data_source_id,
            "filename": imp.filename,
            **{k: counts.get(k, 0) for k in ("sent", "failed", "invalid", "cancelled", "total")}}
    wanted = endpoints.wanting(imp.connection_id, "import.finished")
    return len(_save(wanted, "import.finished", data))


def test_event(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` delivery for the "Send a test" button (saved; the caller commits)."""
    return _save([endpoint], "webhook.test", {"endpoint_id": endpoint.id})[0]


def _save(targets: list[WebhookEndpoint], event_type: str, data: dict) -> list:
    saved = [
        WebhookDelivery(endpoint_id=endpoint.id, message_id="msg_" + uuid.uuid4().hex,
                        event_type=event_type,
                        payload={"type": event_type, "timestamp": _timestamp(), "data": data})
        for endpoint in targets
    ]
    db.session.add_all(saved)
    if saved:
        db.session.info[SAVED] = True
    return saved
