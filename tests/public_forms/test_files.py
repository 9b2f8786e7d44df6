"""Files in public forms (issue 15 point 5, T47): a visitor's files are checked at the field
before a byte is stored (the form's own cap, at or below the workspace's; the kinds Notion takes;
the owner's quota; a body cap), the other answers kept; accepted files go with the row through
the outbox and reach Notion byte for byte."""

from __future__ import annotations

import hashlib
import io

from helpers import key, login, logout
from sqlalchemy import func, select

from notion_app.extensions import db
from notion_app.files.models import PendingFile
from notion_app.outbox import delivery
from notion_app.sandbox.seed import prop_id
from public_forms.support import form_rows, new_form, public_id, save, send

UPLOAD = f"{key('Attachments')}-upload"


def deliver(app) -> None:
    with app.app_context():
        while delivery.sweep():
            pass


def stored_files(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PendingFile))


def with_files(client, app, sandbox, **changes) -> int:
    """A form on Tasks with its Attachments field added, open; its owner still logged in."""
    form_id = new_form(client, app, sandbox)
    assert save(client, form_id, add=prop_id("tasks", "Attachments")).status_code == 302
    resp = save(client, form_id, {"is_open": "on", **changes})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return form_id


def post(client, path: str, answers: dict, *files, **kw):
    return send(client, path, {**answers, UPLOAD: list(files)},
                content_type="multipart/form-data", **kw)


def test_a_visitors_file_reaches_notion_byte_for_byte(client, app, sandbox):
    form_id = with_files(client, app, sandbox)
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    html = client.get(path).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert f'type="file" id="{UPLOAD}" name="{UPLOAD}" multiple' in html
    assert "Up to 5 MB each, 25 MB in all" in html
    data = b"%PDF-1.7 signed form " * 4000
    resp = post(client, path, {key("Name"): "With a scan"}, (io.BytesIO(data), "scan.pdf"))
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert sandbox.file_uploads()["received"] == []  # saved, not sent in the visitor's request
    deliver(app)
    [page] = sandbox.pages()
    assert [f["name"] for f in page["page"]["properties"]["Attachments"]["files"]] == \
        ["scan.pdf"]
    [received] = sandbox.file_uploads()["received"]
    assert received["sha256"] == hashlib.sha256(data).hexdigest()
    [row] = form_rows(app)
    assert row.form_id == form_id and row.title_text == "With a scan"
    # The owner sees the file's name with the submission, on the page and in the CSV.
    login(client)
    assert ">scan.pdf</td>" in client.get(f"/forms/{form_id}/submissions").get_data(as_text=True)
    assert "scan.pdf" in client.get(f"/forms/{form_id}/submissions.csv").get_data(as_text=True)


def test_a_file_over_the_forms_cap_is_refused_at_the_field_and_the_answers_kept(
    client, app, sandbox
):
    form_id = with_files(client, app, sandbox, file_limit_mb="0.004")  # 4 KB
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    assert "Up to 4 KB each" in client.get(path).get_data(as_text=True)
    sandbox.clear_requests()
    resp = post(client, path, {key("Name"): "Kept title", key("Notes"): "Kept notes"},
                (io.BytesIO(b"x" * 6500), "report.pdf"))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "report.pdf is 6 KB; this form takes files up to 4 KB." in html
    assert f'id="{key("Attachments")}-error"' in html and 'aria-invalid="true"' in html
    assert 'value="Kept title"' in html and "Kept notes</textarea>" in html
    assert form_rows(app) == [] and stored_files(app) == 0
    deliver(app)
    assert sandbox.requests(path="/v1/file_uploads") == [] and sandbox.pages() == []


def test_the_forms_cap_may_not_pass_the_workspaces_limit(client, app, sandbox):
    sandbox.settings(max_file_upload_size_in_bytes=4 * 1024 * 1024)
    form_id = with_files(client, app, sandbox)
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert "this workspace takes up to 4 MB" in html
    resp = save(client, form_id, {"file_limit_mb": "10"})
    assert resp.status_code == 400
    assert "This workspace takes files up to 4 MB: give that or less." in \
        resp.get_data(as_text=True)
    assert save(client, form_id, {"file_limit_mb": "2.5"}).status_code == 302
    assert 'value="2.5"' in client.get(f"/forms/{form_id}").get_data(as_text=True)
    logout(client)
    page = client.get(f"/f/{public_id(app, form_id)}").get_data(as_text=True)
    assert "Up to 2.5 MB each" in page


def test_a_kind_notion_refuses_is_refused_at_the_field(client, app, sandbox):
    form_id = with_files(client, app, sandbox)
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    resp = post(client, path, {key("Name"): "Installer"}, (io.BytesIO(b"MZ"), "setup.exe"),
                (io.BytesIO(b"%PDF"), "fine.pdf"))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "setup.exe: this form cannot take this kind of file." in html
    assert "Nothing was sent; pick the files again." in html and 'value="Installer"' in html
    assert form_rows(app) == [] and stored_files(app) == 0


def test_a_required_file_field_needs_a_file(client, app, sandbox):
    form_id = with_files(client, app, sandbox, **{f"{key('Attachments')}-required": "on"})
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    resp = post(client, path, {key("Name"): "No file"})
    assert resp.status_code == 400 and "This field is required." in resp.get_data(as_text=True)
    assert form_rows(app) == []
    resp = post(client, path, {key("Name"): "A file"}, (io.BytesIO(b"hello"), "note.txt"))
    assert resp.status_code == 303 and stored_files(app) == 1


def test_files_past_the_owners_quota_are_refused_without_telling_the_owners_figures(
    client, app, sandbox
):
    form_id = with_files(client, app, sandbox)
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    app.config["ACCOUNT_STORAGE_QUOTA_MB"] = 0.01  # about 10 KB
    resp = post(client, path, {key("Name"): "Big"}, (io.BytesIO(b"y" * 20000), "photo.png"))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "This form cannot take more files right now." in html and "10 KB" not in html
    assert form_rows(app) == [] and stored_files(app) == 0


def test_a_body_over_the_forms_total_gets_a_page_not_a_bare_413(client, app, sandbox):
    form_id = with_files(client, app, sandbox)
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    app.config["FORM_UPLOAD_MAX_MB"] = 0.05
    resp = post(client, path, {key("Name"): "Huge"}, (io.BytesIO(b"z" * 80000), "clip.mp4"))
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert "Too much to send at once" in html and "more than 51 KB" in html
    assert form_rows(app) == [] and stored_files(app) == 0


def test_a_form_with_files_takes_a_larger_body_but_one_without_does_not(client, app, sandbox):
    app.config["FORM_BODY_MAX_MB"] = 0.2  # a small file (the test client spools big bodies)
    form_id = new_form(client, app, sandbox)
    save(client, form_id, {"is_open": "on"})
    path = f"/f/{public_id(app, form_id)}"
    data = b"%PDF" + b"p" * (300 * 1024)
    visitor = app.test_client()
    resp = post(visitor, path, {key("Name"): "Sneaked"}, (io.BytesIO(data), "a.pdf"))
    assert resp.status_code == 413 and stored_files(app) == 0
    save(client, form_id, add=prop_id("tasks", "Attachments"))
    resp = post(visitor, path, {key("Name"): "300 KB"}, (io.BytesIO(data), "a.pdf"))
    assert resp.status_code == 303 and stored_files(app) == 1


def test_the_file_messages_are_in_the_forms_language(client, app, sandbox):
    form_id = with_files(client, app, sandbox, language="fr", file_limit_mb="0.004")
    path = f"/f/{public_id(app, form_id)}"
    logout(client)
    assert "Jusqu’à 4 KB chacun" in client.get(path).get_data(as_text=True)
    resp = post(client, path, {key("Name"): "Rapport"}, (io.BytesIO(b"x" * 6500), "rapport.pdf"))
    assert resp.status_code == 400
    assert "rapport.pdf fait 6 KB ; ce formulaire prend des fichiers jusqu’à 4 KB." in \
        resp.get_data(as_text=True)
