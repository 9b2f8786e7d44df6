"""CSV import: upload, map, preview, send, progress, cancel/resume, results; T10 for imports."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import timedelta

from helpers import (
    calls,
    conn_id,
    connect,
    csrf_from,
    ds_url,
    import_id,
    logout,
    send_import,
    signup,
    start_import,
    titles_in_notion,
    upload_csv,
)
from sqlalchemy import select, update

from notion_app.extensions import db
from notion_app.models import Import, RowSubmission, utcnow
from notion_app.outbox import delivery


def sweep_all(app) -> None:
    with app.app_context():
        while delivery.sweep():
            pass


CSV_OK = "Name,Estimate,priority\nAlpha,1,High\nBeta,2,Low\nGamma,x,Medium\n"


def test_upload_maps_by_name_and_previews_errors_without_creating_pages(user_client, app, sandbox):
    connect(user_client, sandbox)
    page = user_client.get(ds_url(app, sandbox, "tasks")).get_data(as_text=True)
    assert f'href="{ds_url(app, sandbox, "tasks")}/import">Import CSV</a>' in page
    preview = start_import(user_client, app, sandbox, CSV_OK.encode())
    sandbox.clear_requests()
    html = user_client.get(preview).get_data(as_text=True)
    assert calls(sandbox) == 0  # the schema is cached: the preview costs no Notion call
    # "priority" maps to "Priority" ignoring case; exact names map as they are
    assert re.search(r'name="column-2">.*?<option value="Priority" selected>', html, re.S)
    assert re.search(r'name="column-1">.*?<option value="Estimate" selected>', html, re.S)
    assert '<strong data-count="valid">2</strong>' in html
    assert '<strong data-count="invalid">1</strong>' in html
    assert re.search(
        r'<td data-label="Row">3</td><td data-label="Error">Estimate: [^<]+</td>', html
    )
    assert calls(sandbox, "/v1/pages") == 0


def test_mapping_can_be_adjusted_and_columns_ignored(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, CSV_OK.encode())
    token = csrf_from(user_client.get(preview).get_data(as_text=True))
    data = {"csrf_token": token, "column-0": "Name", "column-1": "", "column-2": "Notes"}
    assert user_client.post(preview + "/mapping", data=data).status_code == 302
    html = user_client.get(preview).get_data(as_text=True)
    assert '<strong data-count="valid">3</strong>' in html  # Estimate "x" is ignored now
    with app.app_context():
        imp = db.session.get(Import, import_id(preview))
        assert imp.mapping == {"Name": "Name", "Estimate": "", "priority": "Notes"}
    # a property that is not in the schema is not accepted
    data["column-1"] = "No such property"
    user_client.post(preview + "/mapping", data=data)
    with app.app_context():
        assert db.session.get(Import, import_id(preview)).mapping["Estimate"] == ""


def test_encodings_and_delimiters(user_client, app, sandbox):
    connect(user_client, sandbox)
    # (file, the encoding chosen on the form (None: its UTF-8 default), read as, delimiter)
    cases = [
        ("Name;Notes\nCafé;crème\n".encode(), None, "utf-8", ";"),
        (b"\xef\xbb\xbfName,Notes\nCaf\xc3\xa9,x\n", None, "utf-8-sig", ","),
        ("Name\tNotes\nCafé\tdéjà vu\n".encode("latin-1"), "latin-1", "latin-1", "\t"),
        ("Name;Notes\n“Quoted” €5;x\n".encode("cp1252"), "cp1252", "cp1252", ";"),
    ]
    for data, chosen, encoding, delimiter in cases:
        preview = start_import(user_client, app, sandbox, data, encoding=chosen)
        with app.app_context():
            imp = db.session.get(Import, import_id(preview))
            assert (imp.encoding, imp.delimiter) == (encoding, delimiter)
            assert imp.columns == ["Name", "Notes"]
            assert imp.rows[0][0] in ("Café", "“Quoted” €5")
            assert imp.mapping == {"Name": "Name", "Notes": "Notes"}


def test_bad_files_get_clear_errors(user_client, app, sandbox):
    connect(user_client, sandbox)
    cases = {
        b"": "The file is empty.",
        b"\n\n": "The file is empty.",
        b"Name,Name\na,b\n": "Two columns are called",
        b"Name,\na,b\n": "Column 2 has no name",
        b"Name,Notes\n": "no rows below it",
        b"PK\x03\x04\x00\x00binary": "binary data",
    }
    for data, message in cases.items():
        resp = upload_csv(user_client, app, sandbox, data)
        assert resp.status_code == 400
        assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Import.id)) is None


def test_too_large_upload_gets_a_clear_message(user_client, app, sandbox):
    connect(user_client, sandbox)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    page = ds_url(app, sandbox, "tasks") + "/import"
    token = csrf_from(user_client.get(page).get_data(as_text=True))
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\nName\n{'x' * (3 * 1024 * 1024)}\r\n--{boundary}--\r\n"
    ).encode()
    # a bytes body (not a file): the test client would leave its spooled temp file open
    resp = user_client.post(
        page, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert "The file is too large: upload at most 2 MB" in html
    assert 'name="file"' in html  # the form again, ready for another file


def test_send_delivers_every_valid_row_once_and_double_submit_adds_nothing(
    user_client, app, sandbox
):
    connect(user_client, sandbox)
    rows = "Name,Estimate\n" + "".join(f"Row {i},{i}\n" for i in range(1, 26)) + "Bad,x\n"
    preview = start_import(user_client, app, sandbox, rows.encode())
    before = titles_in_notion(sandbox)
    html = user_client.get(preview).get_data(as_text=True)
    token = csrf_from(html)
    first = user_client.post(preview + "/send", data={"csrf_token": token})
    again = user_client.post(preview + "/send", data={"csrf_token": token})
    assert first.status_code == again.status_code == 302
    progress = first.headers["Location"]
    assert progress == again.headers["Location"] == f"/imports/{import_id(preview)}"
    status = user_client.get(progress + "/status").get_json()
    assert status["pending"] == 25 and status["invalid"] == 1 and status["total"] == 26
    sweep_all(app)
    status = user_client.get(progress + "/status").get_json()
    assert (status["sent"], status["pending"], status["unknown"], status["state"]) == (
        25, 0, 0, "done")
    after = titles_in_notion(sandbox) - before
    assert after == Counter({f"Row {i}": 1 for i in range(1, 26)})
    html = user_client.get(progress).get_data(as_text=True)
    assert html.count(">Open</a>") == 25 and "import-progress.js" in html
    assert "<script>" not in html
    assert user_client.get(preview).headers["Location"] == progress  # no second send


def test_results_csv_escapes_formulas(user_client, app, sandbox):
    connect(user_client, sandbox)
    data = "Name,Estimate\n=HYPERLINK(\"x\"),1\n+cmd,2\n@sum,3\nplain,4\n-5,y\n"
    preview = start_import(user_client, app, sandbox, data.encode())
    send_import(user_client, preview)
    sweep_all(app)
    resp = user_client.get(f"/imports/{import_id(preview)}/results.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0] == ["row", "state", "title", "notion_url", "error", "action"]
    assert [r[2] for r in rows[1:5]] == ["'=HYPERLINK(\"x\")", "'+cmd", "'@sum", "plain"]
    assert rows[5][:2] == ["5", "invalid"] and rows[5][4].startswith("Estimate")
    assert all(r[1] == "sent" and r[3].startswith("http") for r in rows[1:5])


def test_cancel_then_resume(user_client, app, sandbox):
    connect(user_client, sandbox)
    data = "Name\n" + "".join(f"C{i}\n" for i in range(8))
    preview = start_import(user_client, app, sandbox, data.encode())
    progress = send_import(user_client, preview).headers["Location"]
    with app.app_context():  # two rows go out before the cancel
        for row_id in delivery.due_row_ids(2):
            delivery.send_now(db.session.get(RowSubmission, row_id))
    token = csrf_from(user_client.get(progress).get_data(as_text=True))
    assert user_client.post(progress + "/cancel", data={"csrf_token": token}).status_code == 302
    status = user_client.get(progress + "/status").get_json()
    assert (status["sent"], status["cancelled"], status["pending"], status["state"]) == (
        2, 6, 0, "cancelled")
    sweep_all(app)
    assert user_client.get(progress + "/status").get_json()["sent"] == 2
    assert user_client.post(progress + "/resume", data={"csrf_token": token}).status_code == 302
    sweep_all(app)
    status = user_client.get(progress + "/status").get_json()
    assert (status["sent"], status["cancelled"], status["state"]) == (8, 0, "done")
    assert sum(n for t, n in titles_in_notion(sandbox).items() if t.startswith("C")) == 8


def test_crash_mid_import_resumes_without_duplicates(user_client, app, sandbox):
    """Rows left `sending` with an expired lease or `unknown` (created or not) go out once."""
    connect(user_client, sandbox)
    data = "Name\n" + "".join(f"K{i}\n" for i in range(6))
    preview = start_import(user_client, app, sandbox, data.encode())
    progress = send_import(user_client, preview).headers["Location"]
    with app.app_context():
        rows = db.session.scalars(select(RowSubmission).order_by(RowSubmission.row_number)).all()
        # rows 1-2: the crashed worker had created the page in Notion before dying
        sandbox.ambiguous(count=2, mode="status", status=502)
        for row in rows[:2]:
            delivery.send_now(row)
            assert row.state == "unknown"
        past = utcnow() - timedelta(minutes=5)
        ids = [r.id for r in rows]
        # rows 1-2 as a crash would leave them (mid-send, lease expired); row 3 claimed, never sent
        db.session.execute(update(RowSubmission).where(RowSubmission.id.in_(ids[:3])).values(
            state="sending", lease_until=past, next_attempt_at=past))
        db.session.commit()
    sweep_all(app)
    assert user_client.get(progress + "/status").get_json()["sent"] == 6
    counts = titles_in_notion(sandbox)
    assert {t: n for t, n in counts.items() if t.startswith("K")} == {f"K{i}": 1 for i in range(6)}


def test_progress_list_and_another_users_imports_are_404(client, app, sandbox):
    signup(client)
    connect(client, sandbox)
    preview = start_import(client, app, sandbox, CSV_OK.encode())
    send_import(client, preview)
    sweep_all(app)
    imp = import_id(preview)
    assert f"/imports/{imp}" in client.get("/imports").get_data(as_text=True)
    draft = start_import(client, app, sandbox, CSV_OK.encode())
    logout(client)
    signup(client, "bob@example.com")
    connect(client, sandbox, user="grace")
    sandbox.clear_requests()
    token = csrf_from(client.get("/connections").get_data(as_text=True))
    mine = conn_id(app)
    a_ds = draft.split("/import/")[0]
    via_mine = a_ds.replace("/connections/1/", f"/connections/{mine}/")
    for url in (f"/imports/{imp}", f"/imports/{imp}/status", f"/imports/{imp}/results.csv",
                draft, a_ds + "/import", f"{via_mine}/import/{import_id(draft)}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/imports/{imp}/cancel", f"/imports/{imp}/resume", draft + "/send",
                draft + "/mapping", a_ds + "/import"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert f"/imports/{imp}" not in client.get("/imports").get_data(as_text=True)
    assert calls(sandbox) == 0
    with app.app_context():
        assert db.session.get(Import, import_id(draft)).state == "draft"


def test_post_routes_need_csrf(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, CSV_OK.encode())
    imp = import_id(preview)
    for url in (preview + "/send", preview + "/mapping", f"/imports/{imp}/cancel",
                f"/imports/{imp}/resume", preview.split("/import/")[0] + "/import"):
        assert user_client.post(url).status_code == 400, url
    with app.app_context():
        assert db.session.get(Import, imp).state == "draft"


def test_an_import_can_apply_a_template_to_every_row(user_client, app, sandbox):
    connect(user_client, sandbox)
    weekly = sandbox.seed()["templates"]["weekly_review"]["id"]
    preview = start_import(user_client, app, sandbox, CSV_OK.encode())
    html = user_client.get(preview).get_data(as_text=True)
    chooser = re.search(r'<select id="template" name="template".*?</select>', html, re.S)
    assert chooser and f'<option value="{weekly}">Weekly review</option>' in chooser.group(0)
    token = csrf_from(html)
    sandbox.clear_requests()
    resp = user_client.post(preview + "/send", data={"csrf_token": token, "template": weekly})
    assert resp.status_code == 302 and calls(sandbox) == 0  # the list was cached by the preview
    sweep_all(app)
    created = sandbox.pages()
    assert len(created) == 2
    assert all(p["template"] == {"type": "template_id", "template_id": weekly} for p in created)
    with app.app_context():
        rows = db.session.scalars(select(RowSubmission)).all()
        assert [r.template["name"] for r in rows] == ["Weekly review"] * 2


def test_an_import_with_a_template_not_offered_sends_nothing(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, CSV_OK.encode())
    token = csrf_from(user_client.get(preview).get_data(as_text=True))
    resp = user_client.post(preview + "/send", data={"csrf_token": token, "template": "0" * 32})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'id="template-error" class="field-error">This template is not one of' in html
    assert "Nothing was sent" in html and '<strong data-count="valid">2</strong>' in html
    with app.app_context():
        assert db.session.scalars(select(RowSubmission)).all() == []
        assert db.session.get(Import, import_id(preview)).state == "draft"
    ok = user_client.post(preview + "/send", data={"csrf_token": token, "template": ""})
    assert ok.status_code == 302
    sweep_all(app)
    assert all(p["template"] is None for p in sandbox.pages()) and len(sandbox.pages()) == 2


# -- T41: storage quota, draft retention, parsed files dropped after sending ------------------


def imports_stored(app) -> list[Import]:
    with app.app_context():
        return list(db.session.scalars(select(Import).order_by(Import.id)))


def big_csv(rows: int) -> bytes:
    """A file whose JSON is ~2.5 times its size (one-character cells), under the test client's
    500 KB in-memory limit."""
    header = "Name," + ",".join(f"c{i}" for i in range(9)) + "\n"
    return (header + "".join(f"{i % 10},1,2,3,4,5,6,7,8,9\n" for i in range(rows))).encode()


def test_an_upload_past_the_quota_is_refused_with_what_to_delete(user_client, app, sandbox):
    connect(user_client, sandbox)
    app.config["ACCOUNT_STORAGE_QUOTA_MB"] = 0.75
    first = start_import(user_client, app, sandbox, big_csv(8000))  # ~0.5 MB as JSON
    [draft] = imports_stored(app)
    assert 400_000 < draft.stored_bytes < 786_432
    refused = upload_csv(user_client, app, sandbox, big_csv(8000), name="again.csv")
    assert refused.status_code == 413
    html = refused.get_data(as_text=True)
    assert re.search(r"your imports already use 0\.\d MB of your 0\.75 MB\. Delete drafts you "
                     r"will not send \(you have 1, listed below\)", html)
    assert 'class="field-error"' in html and "Delete draft" in html
    assert len(imports_stored(app)) == 1  # nothing stored
    # deleting the draft (a POST with CSRF) makes room again
    delete = f"/imports/{import_id(first)}/delete"
    assert user_client.post(delete).status_code == 400
    token = csrf_from(user_client.get("/imports").get_data(as_text=True))
    assert user_client.post(delete, data={"csrf_token": token}).status_code == 302
    assert imports_stored(app) == []
    start_import(user_client, app, sandbox, big_csv(8000), name="again.csv")


def test_the_quota_is_per_account(client, app, sandbox):
    signup(client)
    connect(client, sandbox)
    app.config["ACCOUNT_STORAGE_QUOTA_MB"] = 0.75
    start_import(client, app, sandbox, big_csv(8000))
    logout(client)
    signup(client, "bob@example.com")
    connect(client, sandbox, user="grace")
    start_import(client, app, sandbox, big_csv(8000))  # Ada's draft does not count for Bob


def test_unsent_rows_count_against_the_quota(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, CSV_OK.encode())
    send_import(user_client, preview)  # not swept: the two valid rows wait in the outbox
    from notion_app.imports import storage
    from notion_app.models import User

    with app.app_context():
        user = db.session.scalar(select(User))
        files = db.session.scalar(select(Import.stored_bytes))
        assert storage.used_bytes(user) > files + 100


def test_old_drafts_are_purged_and_sent_imports_keep_their_results(
    user_client, app, sandbox, runner
):
    connect(user_client, sandbox)
    old = start_import(user_client, app, sandbox, CSV_OK.encode(), name="old.csv")
    recent = start_import(user_client, app, sandbox, CSV_OK.encode(), name="recent.csv")
    sent = start_import(user_client, app, sandbox, CSV_OK.encode(), name="sent.csv")
    send_import(user_client, sent)
    with app.app_context():
        db.session.execute(
            update(Import).where(Import.id.in_([import_id(old), import_id(sent)]))
            .values(updated_at=utcnow() - timedelta(days=7, minutes=1), created_at=utcnow()
                    - timedelta(days=8))
        )
        db.session.execute(
            update(Import).where(Import.id == import_id(recent))
            .values(updated_at=utcnow() - timedelta(days=6, hours=23))
        )
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1 abandoned draft(s)" in result.output
    assert [i.filename for i in imports_stored(app)] == ["recent.csv", "sent.csv"]
    assert user_client.get(old).status_code == 404


def test_a_sent_import_drops_its_parsed_file_once_every_row_is_done(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, CSV_OK.encode())
    send_import(user_client, preview)
    imp_id = import_id(preview)
    from notion_app.ops import housekeeping

    with app.app_context():  # rows are still to be sent: housekeeping keeps the file
        assert housekeeping.purge()["parsed_files"] == 0
    assert user_client.get(f"/imports/{imp_id}/status").get_json()["state"] == "sending"
    [imp] = imports_stored(app)
    assert imp.rows is not None and imp.stored_bytes > 0
    sweep_all(app)
    assert user_client.get(f"/imports/{imp_id}/status").get_json()["state"] == "done"
    [imp] = imports_stored(app)
    assert (imp.columns, imp.rows, imp.stored_bytes) == (None, None, 0)
    with app.app_context():  # SQL NULL, not a JSON null
        assert db.session.scalar(select(Import.id).where(Import.rows.is_(None))) == imp_id
    html = user_client.get(f"/imports/{imp_id}").get_data(as_text=True)
    assert "Alpha" in html and "Beta" in html and "Estimate" in html  # results from the rows
    results = list(csv.reader(io.StringIO(
        user_client.get(f"/imports/{imp_id}/results.csv").get_data(as_text=True))))
    assert [(r[0], r[1]) for r in results[1:]] == [("1", "sent"), ("2", "sent"), ("3", "invalid")]


def test_housekeeping_drops_files_of_finished_imports_nobody_looked_at(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, CSV_OK.encode())
    send_import(user_client, preview)
    sweep_all(app)  # nobody opens the progress page
    from notion_app.ops import housekeeping

    with app.app_context():
        assert housekeeping.purge()["parsed_files"] == 1
    [imp] = imports_stored(app)
    assert imp.rows is None and imp.stored_bytes == 0


# -- T42: strict parsing -------------------------------------------------------------------


def test_strict_parsing_refuses_with_the_line_and_stores_nothing(user_client, app, sandbox):
    connect(user_client, sandbox)
    cases = {
        b"Name,Notes\nAlpha,1\nBeta,2,3\n": "Line 3 has 3 cells but the header names 2",
        b'Name,Notes\nAlpha,1\nBeta,"open\nGamma,3\n': "Line 3: a quote (&#34;) opens a field",
        b"Name,Notes\nAlpha,1\nCaf\xe9,2\n": "Line 3 is not valid UTF-8 (byte 0xE9)",
        b"Name,Notes\nAlpha,1\nCaf\xe9,2\n\x81": "Line 3 is not valid UTF-8",
    }
    for data, message in cases.items():
        resp = upload_csv(user_client, app, sandbox, data)
        assert resp.status_code == 400, data
        html = resp.get_data(as_text=True)
        assert message in html.replace("&#39;", "'").replace("&quot;", "&#34;"), (data, html)
    assert imports_stored(app) == []
    # the same bytes in the encoding the person chose; empty cells past the header are harmless
    start_import(user_client, app, sandbox, b"Name,Notes\nAlpha,1\nCaf\xe9,2\n", encoding="cp1252")
    start_import(user_client, app, sandbox, b"Name,Notes\nAlpha,1,,\nBeta,2\n")
    first, second = imports_stored(app)
    assert first.rows == [["Alpha", "1"], ["Caf\u00e9", "2"]]
    assert second.rows == [["Alpha", "1"], ["Beta", "2"]]
    page = user_client.get(ds_url(app, sandbox, "tasks") + "/import").get_data(as_text=True)
    assert '<option selected value="utf-8">' in page or 'value="utf-8" selected' in page
