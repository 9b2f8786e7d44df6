"""Files go into Notion with their row, through the File Upload API, exactly once: stored with
the row before any Notion call, uploaded (one part or many) just before the create, checked
with Notion after an unclear answer instead of sent again, made again when Notion let the upload
expire, and deleted here once the page exists."""

from __future__ import annotations

import hashlib
import io
import uuid

from rows import TASKS_SCHEMA, make_all_due, send, title_props
from sqlalchemy import func, select

from notion_app import outbox
from notion_app.extensions import db
from notion_app.files.models import PendingFile, PendingFileChunk
from notion_app.files.storage import NewFile
from notion_app.models import NotionConnection, User
from notion_app.outbox import delivery

MiB = 1024 * 1024


def submit_with_files(app, conn_ids, title: str, *files: tuple[str, bytes, str]) -> int:
    user_id, conn_id, ds = conn_ids
    attached = tuple(NewFile("Attachments", name, ctype, io.BytesIO(data))
                     for name, data, ctype in files)
    with app.app_context():
        row, _ = outbox.submit(
            db.session.get(User, user_id), db.session.get(NotionConnection, conn_id),
            {"id": ds, "title": "Tasks"}, TASKS_SCHEMA,
            outbox.NewRow(title_props(title), uuid.uuid4().hex, files=attached),
        )
        return row.id


def notion_files(sandbox, title: str) -> list[dict]:
    pages = [p for p in sandbox.pages()
             if p["request_properties"]["Name"]["title"][0]["text"]["content"] == title]
    return [page["page"]["properties"]["Attachments"]["files"] for page in pages]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_chunks(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PendingFileChunk))


def test_a_file_reaches_notion_with_its_row_and_its_bytes_are_then_deleted(app, conn_ids,
                                                                           sandbox):
    data = b"%PDF-1.7 " + bytes(range(256)) * 5000  # 1.2 MB: two chunks here
    row_id = submit_with_files(app, conn_ids, "With a report",
                               ("report.pdf", data, "application/pdf"))
    assert stored_chunks(app) == 2  # saved with the row before any Notion call
    row = send(app, row_id)
    assert row.state == "sent"
    [[attached]] = notion_files(sandbox, "With a report")
    assert attached["name"] == "report.pdf" and attached["type"] == "file"
    assert [u["sha256"] for u in sandbox.file_uploads()["uploads"]] == [sha(data)]
    assert stored_chunks(app) == 0
    with app.app_context():
        kept = db.session.scalars(select(PendingFile)).one()
        assert (kept.filename, kept.size, kept.bytes_deleted_at is not None) == \
            ("report.pdf", len(data), True)


def test_a_large_file_goes_in_parts(app, conn_ids, sandbox):
    sandbox.settings(max_file_upload_size_in_bytes=40 * MiB)
    data = bytes(range(256)) * (21 * MiB // 256) + b"tail"
    row = send(app, submit_with_files(app, conn_ids, "Big video",
                                      ("launch.mp4", data, "video/mp4")), max_wait=10)
    assert row.state == "sent", row.last_error
    sends = sandbox.requests(path="/v1/file_uploads/", method="POST")
    parts = [r["body"]["part_number"] for r in sends if r["path"].endswith("/send")]
    assert sorted(parts) == ["1", "2", "3"]
    [upload] = sandbox.file_uploads()["uploads"]
    assert upload["mode"] == "multi_part" and upload["sha256"] == sha(data)
    assert [len(f) for f in notion_files(sandbox, "Big video")] == [1]


def test_a_failed_send_is_checked_with_notion_then_sent_once(app, conn_ids, sandbox):
    """The send answers 502: the row waits as unknown; its next attempt asks Notion first, finds
    the upload still pending, and sends the bytes to that same upload (one file in Notion)."""
    row_id = submit_with_files(app, conn_ids, "Flaky", ("a.txt", b"hello", "text/plain"))
    sandbox.fail_next(502, count=1, path="/v1/file_uploads/", method="POST")
    assert send(app, row_id).state == "unknown"
    make_all_due(app)
    assert send(app, row_id).state == "sent"
    assert len(sandbox.file_uploads()["uploads"]) == 1
    assert len(sandbox.file_uploads()["received"]) == 1
    assert [len(f) for f in notion_files(sandbox, "Flaky")] == [1]


def test_an_upload_from_an_earlier_attempt_is_retrieved_and_reused(app, conn_ids, sandbox):
    """The create after the upload answers 502 (nothing made): the next attempt asks Notion
    about the upload, finds it `uploaded`, and attaches it without sending the bytes again."""
    row_id = submit_with_files(app, conn_ids, "Sent once", ("a.txt", b"hello", "text/plain"))
    sandbox.fail_next(502, count=1, path="/v1/pages", method="POST")
    first = send(app, row_id)
    assert first.state == "unknown"  # the create may have reached Notion
    make_all_due(app)
    assert send(app, row_id).state == "sent"
    assert len(sandbox.file_uploads()["received"]) == 1  # the bytes went once
    assert [len(f) for f in notion_files(sandbox, "Sent once")] == [1]


def test_a_crash_between_upload_and_create_is_reconciled_without_a_second_upload(
        app, conn_ids, sandbox):
    row_id = submit_with_files(app, conn_ids, "Made after all",
                               ("photo.png", b"\x89PNG....", "image/png"))
    sandbox.ambiguous(count=1, mode="status", status=502)  # the page is made, the answer lost
    assert send(app, row_id).state == "unknown"
    make_all_due(app)
    assert send(app, row_id).state == "sent"
    assert len(notion_files(sandbox, "Made after all")) == 1  # adopted, not made twice
    assert len(sandbox.file_uploads()["received"]) == 1
    assert len(sandbox.requests(path="/v1/file_uploads", method="POST")) == 2  # create, send


def test_an_expired_upload_is_made_again(app, conn_ids, sandbox):
    data = b"minutes of the meeting"
    row_id = submit_with_files(app, conn_ids, "Late", ("minutes.txt", data, "text/plain"))
    sandbox.fail_next(429, count=1, path="/v1/pages", method="POST", retry_after=1)
    assert send(app, row_id, max_wait=0).state == "pending"  # uploaded, not yet attached
    sandbox.expire_uploads()  # an hour passes
    make_all_due(app)
    assert send(app, row_id).state == "sent"
    uploads = sandbox.file_uploads()["uploads"]
    assert [u["status"] for u in uploads] == ["expired", "uploaded"]
    assert uploads[1]["attached"] and uploads[1]["sha256"] == sha(data)


def test_a_refused_file_fails_the_row_at_its_property_and_keeps_the_bytes(app, conn_ids,
                                                                          sandbox):
    sandbox.settings(max_file_upload_size_in_bytes=10)
    row = send(app, submit_with_files(app, conn_ids, "Too big",
                                      ("scan.pdf", b"x" * 11, "application/pdf")))
    assert row.state == "failed" and row.error_property == "Attachments"
    assert "scan.pdf" in row.last_error
    assert stored_chunks(app) == 1  # kept for the retry
    assert notion_files(sandbox, "Too big") == []


def test_discarding_a_row_deletes_its_files(app, conn_ids, sandbox):
    sandbox.settings(max_file_upload_size_in_bytes=10)
    row_id = submit_with_files(app, conn_ids, "Given up",
                               ("scan.pdf", b"x" * 11, "application/pdf"))
    send(app, row_id)
    with app.app_context():
        from notion_app.models import RowSubmission
        assert outbox.discard(db.session.get(RowSubmission, row_id))
    assert stored_chunks(app) == 0


def test_a_send_slowed_down_by_notion_is_sent_again_whole(app, conn_ids, sandbox):
    """A 429 on the send (Notion read nothing): the body, streamed from the stored chunks, is
    started over, and Notion gets the exact file."""
    data = bytes(range(256)) * 6000  # 1.5 MB: two chunks
    row_id = submit_with_files(app, conn_ids, "Slowed", ("chart.png", data, "image/png"))
    sandbox.fail_next(429, count=1, path="/v1/file_uploads/", method="POST", retry_after=1)
    assert send(app, row_id, max_wait=5).state == "sent"
    [received] = sandbox.file_uploads()["received"]
    assert received["sha256"] == sha(data) and received["bytes"] == len(data)


def test_the_history_shows_each_rows_files_and_keeps_a_refused_ones_for_the_retry(
        app, conn_ids, sandbox, user_client):
    submit_with_files(app, conn_ids, "Sent with a file", ("plan.pdf", b"x" * 2048,
                                                          "application/pdf"))
    with app.app_context():
        delivery.sweep()
    sandbox.settings(max_file_upload_size_in_bytes=10)
    refused = submit_with_files(app, conn_ids, "Refused", ("scan.pdf", b"y" * 3000,
                                                           "application/pdf"))
    assert send(app, refused).state == "failed"
    html = user_client.get("/rows").get_data(as_text=True)
    assert "plan.pdf · 2 KB</small>" in html
    assert "scan.pdf · 3 KB · kept for the retry</small>" in html
