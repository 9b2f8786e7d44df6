"""Rows that update a page (`RowSubmission.target_page_id`): the PATCH, and the check of an
update whose outcome is unknown.

A PATCH of the same values is harmless to repeat, but the app still records what happened:
after a timeout or a 5xx the page is read first (`GET /v1/pages/{id}`) and compared with the
values the row sent (`notion/matching.py`, as reconciliation of a create does). When they are
there, the update landed and the row is sent without a second PATCH; otherwise it is sent again.
"""

from __future__ import annotations

import logging

from ..connections.tokens import with_client
from ..files import storage, uploading
from ..models import NotionConnection, RowSubmission
from ..notion import matching
from ..notion.client import NotionClient

log = logging.getLogger(__name__)


def landed(
    row: RowSubmission, conn: NotionConnection, max_wait: float, *, background: bool = False
) -> dict | None:
    """The page when it already holds every value this row sends, else None (send it)."""
    if not row.attempt_bot_ids:
        return None  # no PATCH was ever sent for it
    page = with_client(conn, lambda c: c.get_page(row.target_page_id), max_wait,
                       background=background)
    expected = uploading.with_uploads(row.properties, storage.files_of(row.id))
    if matching.same_values(expected, page.get("properties") or {}):
        log.info("row %s: the uncertain update of its page had landed; not sent again", row.id)
        return page
    return None


def write(client: NotionClient, row: RowSubmission) -> dict:
    """PATCH the row's page with the row's properties only (its files uploaded first)."""
    return client.update_page(row.target_page_id, uploading.properties_to_send(client, row))
