"""Was an uncertain create made after all? Look for the row's page among the app's own pages.

Notion has no idempotency key for `POST /v1/pages`. After a timeout or a 5xx the row is looked
for among the pages created by the bots that made its attempts (a reconnect can bring a new
bot_id), since its first attempt, whose values for the properties the app wrote match the row's
once normalised the way Notion echoes them. A page someone else made with the same title is
never adopted: then the row is sent again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..connections.tokens import with_client
from ..extensions import db
from ..files import storage, uploading
from ..models import NotionConnection, RowSubmission, utcnow
from ..notion import matching
from ..notion.ids import compact_id

# A create is looked for in at most this many query pages of 100 (newest first).
MAX_PAGES = 3


def find_sent_page(
    row: RowSubmission, conn: NotionConnection, max_wait: float, *, background: bool = False
) -> dict | None:
    """The page this row's earlier create made, or None (send it again)."""
    if not row.attempt_bot_ids or row.first_attempt_at is None:
        return None  # no create was ever sent for it
    bots = {compact_id(b) for b in row.attempt_bot_ids}
    taken = _pages_of_other_rows(row)
    since = row.first_attempt_at - timedelta(minutes=1)
    expected = uploading.with_uploads(row.properties, storage.files_of(row.id))
    for page in with_client(
        conn, lambda c: c.pages_created_since(
            row.data_source_id, since, title_property=row.title_property,
            title=row.title_text, max_pages=MAX_PAGES,
        ), max_wait, background=background,
    ):
        page_id = compact_id(page.get("id"))
        author = compact_id((page.get("created_by") or {}).get("id"))
        if author in bots and page_id not in taken and matching.same_values(
            expected, page.get("properties") or {}
        ):
            return page
    return None


def look_again_at(row: RowSubmission) -> datetime | None:
    """When to look for a page not found yet, or None: it is time to send the row again.

    Notion's query lists a page some time after it is made, so a create that reached Notion a
    moment ago can be missing from the results. Until RECONCILE_SETTLE_SECONDS after the latest
    attempt, "not found" means "look again then", never "send again".
    """
    if row.last_attempt_at is None or row.target_page_id:
        return None  # an update is checked by reading its page, which needs no index
    settle = timedelta(seconds=float(current_app.config["RECONCILE_SETTLE_SECONDS"]))
    at = row.last_attempt_at + settle
    return at if at > utcnow() else None


def _pages_of_other_rows(row: RowSubmission) -> frozenset[str]:
    """Pages already recorded for other rows of this data source (never adopted twice)."""
    query = select(RowSubmission.notion_page_id).where(
        RowSubmission.data_source_id == row.data_source_id,
        RowSubmission.notion_page_id.is_not(None),
        RowSubmission.id != row.id,
        RowSubmission.first_attempt_at >= row.first_attempt_at - timedelta(minutes=1),
    )
    return frozenset(compact_id(pid) for pid in db.session.scalars(query))
