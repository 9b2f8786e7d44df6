"""T47 at the row form: files from a person's computer, checked at the field before a byte is
stored or sent (the workspace's own limit, the kinds Notion takes, the account's quota, the
app's body limit), the other values kept on every refusal, and the file's exact bytes in
Notion when it is accepted."""

from __future__ import annotations

import hashlib
import io
import re

from helpers import connect, csrf_from, ds_url, key
from sqlalchemy import func, select

from notion_app.extensions import db
from notion_app.files.models import PendingFile


def form_page(client, app, sandbox) -> tuple[str, str]:
    url = ds_url(app, sandbox, "tasks")
    return url, client.get(url).get_data(as_text=True)


def post_row(client, url, html, title, *files):
    data = {"csrf_token": csrf_from(html), "nonce": re.search(r'name="nonce" value="(\w+)"',
                                                               html).group(1),
            key("Name"): title, f"{key('Attachments')}-upload": list(files)}
    return client.post(url, data=data, content_type="multipart/form-data")


def stored_files(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PendingFile))


def test_a_file_from_the_form_reaches_notion_byte_for_byte(user_client, app, sandbox):
    connect(user_client, sandbox)
    url, html = form_page(user_client, app, sandbox)
    assert 'type="file" id="' + key("Attachments") + '-upload"' in html
    assert 'enctype="multipart/form-data"' in html and "Up to 5 MB each" in html
    data = b"%PDF-1.7 minutes " * 5000
    resp = post_row(user_client, url, html, "Board minutes", (io.BytesIO(data), "minutes.pdf"))
    assert resp.status_code == 302
    [page] = sandbox.pages()
    assert [f["name"] for f in page["page"]["properties"]["Attachments"]["files"]] == \
        ["minutes.pdf"]
    [received] = sandbox.file_uploads()["received"]
    assert received["sha256"] == hashlib.sha256(data).hexdigest()
    flashed = user_client.get(url).get_data(as_text=True)
    assert "Board minutes" in flashed


def test_a_file_over_the_workspace_limit_is_refused_at_the_field(user_client, app, sandbox):
    connect(user_client, sandbox)
    sandbox.settings(max_file_upload_size_in_bytes=4 * 1024)
    url, html = form_page(user_client, app, sandbox)
    assert "Up to 4 KB each" in html and 'data-max-bytes="4096"' in html
    sandbox.clear_requests()
    resp = post_row(user_client, url, html, "Kept title", (io.BytesIO(b"x" * 6500), "scan.pdf"))
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "scan.pdf is 6 KB; this workspace takes files up to 4 KB." in page
    assert 'value="Kept title"' in page  # what was typed stays
    assert sandbox.requests(path="/v1/") == [] and stored_files(app) == 0


def test_a_kind_notion_refuses_is_refused_at_the_field(user_client, app, sandbox):
    connect(user_client, sandbox)
    url, html = form_page(user_client, app, sandbox)
    resp = post_row(user_client, url, html, "Installer", (io.BytesIO(b"MZ"), "setup.exe"))
    assert resp.status_code == 400
    assert "setup.exe: Notion does not take “.exe” files." in resp.get_data(as_text=True)
    assert sandbox.file_uploads()["uploads"] == [] and stored_files(app) == 0


def test_files_past_the_accounts_quota_are_refused(user_client, app, sandbox):
    connect(user_client, sandbox)
    app.config["ACCOUNT_STORAGE_QUOTA_MB"] = 0.01  # about 10 KB
    url, html = form_page(user_client, app, sandbox)
    resp = post_row(user_client, url, html, "Big", (io.BytesIO(b"y" * 20000), "photo.png"))
    assert resp.status_code == 400 and stored_files(app) == 0
    assert "These files need 20 KB, and your account already keeps" in resp.get_data(as_text=True)


def test_a_body_over_the_apps_limit_gets_a_page_not_a_bare_413(user_client, app, sandbox):
    connect(user_client, sandbox)
    app.config["ROW_UPLOAD_MAX_MB"] = 0.05
    url, html = form_page(user_client, app, sandbox)
    assert 'data-max-body="52428"' in html
    resp = post_row(user_client, url, html, "Huge", (io.BytesIO(b"z" * 80000), "video.mp4"))
    assert resp.status_code == 413
    page = resp.get_data(as_text=True)
    assert "These files are too large to send at once" in page and f'href="{url}"' in page
    assert stored_files(app) == 0 and sandbox.pages() == []


def test_other_forms_keep_the_small_body_limit(user_client, app, sandbox):
    """Only the row form takes large bodies: a 6 MB post elsewhere is still refused."""
    connect(user_client, sandbox)
    html = user_client.get("/auth/account").get_data(as_text=True)
    body = f"csrf_token={csrf_from(html)}&blob=".encode() + b"q" * (6 * 1024 * 1024)
    resp = user_client.post("/auth/account/password", data=body,
                            content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413


def refused_with_files(client, app, sandbox, *files):
    """A row with files that Notion refuses for another value (an unknown related page)."""
    connect(client, sandbox)
    url, html = form_page(client, app, sandbox)
    data = {"csrf_token": csrf_from(html), "nonce": re.search(r'name="nonce" value="(\w+)"',
                                                               html).group(1),
            key("Name"): "Fix me", key("Project"): "00000000-0000-4000-8000-000000000000",
            f"{key('Attachments')}-upload": list(files)}
    resp = client.post(url, data=data, content_type="multipart/form-data")
    assert "?row=" in resp.headers["Location"]
    return url, client.get(resp.headers["Location"]).get_data(as_text=True)


def correct(client, sandbox, url, html, keep):
    """Send the refilled form with the project fixed, keeping the named offered files."""
    apollo = sandbox.seed()["pages"]["project_apollo"]
    offered = dict(re.findall(r'name="keep-file" value="(\d+)"[^>]*> Keep ([^ <]+)', html))
    data = {"csrf_token": csrf_from(html), "keep-offered": "1",
            "nonce": re.search(r'name="nonce" value="(\w+)"', html).group(1),
            "replaces": re.search(r'name="replaces" value="(\d+)"', html).group(1),
            key("Name"): "Fix me", key("Project"): apollo,
            "keep-file": [file_id for file_id, name in offered.items() if name in keep]}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_correcting_a_refused_row_sends_the_files_it_kept_without_picking_them_again(
        user_client, app, sandbox):
    minutes, agenda = b"%PDF-1.7 minutes " * 3000, b"%PDF-1.7 agenda " * 2000
    url, html = refused_with_files(user_client, app, sandbox, (io.BytesIO(minutes), "minutes.pdf"),
                                   (io.BytesIO(agenda), "agenda.pdf"))
    assert "Keep minutes.pdf" in html and "Keep agenda.pdf" in html  # offered, ticked
    assert html.count('name="keep-file"') == 2 and html.count(" checked>") >= 2
    # The refused attempt had uploaded both before Notion refused the page.
    before = [r["sha256"] for r in sandbox.file_uploads()["received"]]
    assert sorted(before) == sorted(hashlib.sha256(b).hexdigest() for b in (minutes, agenda))
    resp = correct(user_client, sandbox, url, html, keep={"minutes.pdf"})
    assert resp.status_code == 302 and "?row=" not in resp.headers["Location"]
    [page] = sandbox.pages()
    assert [f["name"] for f in page["page"]["properties"]["Attachments"]["files"]] == \
        ["minutes.pdf"]
    # The kept file went in through the upload it already had: not a byte sent twice.
    assert len(sandbox.file_uploads()["received"]) == len(before)
    with app.app_context():  # the left-out file's bytes are gone; nothing waits any more
        waiting = db.session.scalar(select(func.count()).select_from(PendingFile)
                                    .where(PendingFile.bytes_deleted_at.is_(None)))
    assert waiting == 0


def test_a_form_sent_back_with_errors_keeps_the_choice_of_files(user_client, app, sandbox):
    url, html = refused_with_files(user_client, app, sandbox,
                                   (io.BytesIO(b"%PDF-1.7 a" * 900), "a.pdf"),
                                   (io.BytesIO(b"%PDF-1.7 b" * 900), "b.pdf"))
    bad = re.sub(r'(name="nonce" value=")\w+', r"\1" + "c" * 32, html)
    data = {"csrf_token": csrf_from(html), "keep-offered": "1",
            "nonce": re.search(r'name="nonce" value="(\w+)"', bad).group(1),
            "replaces": re.search(r'name="replaces" value="(\d+)"', html).group(1),
            key("Name"): "", key("Project"): ""}  # no title: refused at the field
    resp = user_client.post(url, data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    again = resp.get_data(as_text=True)
    assert "Keep a.pdf" in again and "Keep b.pdf" in again
    assert not re.search(r'name="keep-file" value="\d+" checked', again)  # both left unticked
    assert sandbox.pages() == []
