"""A CSV column of https:// links into a `files` property: attached as links (as before), or
copied by Notion (File Uploads in `external_url` mode) when the person chooses "Notion keeps a
copy" at the mapping."""

from __future__ import annotations

from helpers import connect, csrf_from, send_import, start_import
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.models import RowSubmission
from notion_app.outbox import delivery

CSV = ('Name,Attachments\nSpec,https://example.com/spec.pdf\n'
       'Photos,"https://example.com/a.png,https://example.com/b.jpg"\n')


def sweep_all(app) -> None:
    with app.app_context():
        while delivery.sweep():
            pass


def choose(client, preview: str, copy: bool) -> str:
    html = client.get(preview).get_data(as_text=True)
    assert "Attachments: Notion keeps a copy" in html
    data = {"csrf_token": csrf_from(html), "column-0": "Name", "column-1": "Attachments"}
    if copy:
        data["copy_files"] = "Attachments"
    assert client.post(preview + "/mapping", data=data).status_code == 302
    return client.get(preview).get_data(as_text=True)


def attached(sandbox) -> dict[str, list[tuple[str, str]]]:
    return {p["request_properties"]["Name"]["title"][0]["text"]["content"]:
            [(f["type"], f["name"]) for f in p["page"]["properties"]["Attachments"]["files"]]
            for p in sandbox.pages()}


def test_links_notion_copies_arrive_as_files(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, CSV.encode())
    assert 'value="Attachments" checked' in choose(user_client, preview, copy=True)
    send_import(user_client, preview)
    sweep_all(app)
    assert attached(sandbox) == {"Spec": [("file", "spec.pdf")],
                                 "Photos": [("file", "a.png"), ("file", "b.jpg")]}
    uploads = sandbox.file_uploads()["uploads"]
    assert sorted((u["mode"], u["external_url"]) for u in uploads) == [
        ("external_url", "https://example.com/a.png"), ("external_url", "https://example.com/b.jpg"),
        ("external_url", "https://example.com/spec.pdf")]
    assert all(u["attached"] for u in uploads)


def test_links_stay_links_unless_chosen(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, CSV.encode())
    choose(user_client, preview, copy=False)
    send_import(user_client, preview)
    sweep_all(app)
    assert attached(sandbox)["Spec"] == [("external", "spec.pdf")]
    assert sandbox.file_uploads()["uploads"] == []


def test_a_link_notion_cannot_copy_fails_its_row_at_the_property(user_client, app, sandbox):
    connect(user_client, sandbox)
    sandbox.settings(external_import_fails=True)
    preview = start_import(user_client, app, sandbox, CSV.encode())
    choose(user_client, preview, copy=True)
    send_import(user_client, preview)
    sweep_all(app)
    assert sandbox.pages() == []
    with app.app_context():
        rows = db.session.scalars(select(RowSubmission).order_by(RowSubmission.id)).all()
        assert [(r.state, r.error_property) for r in rows] == [("failed", "Attachments")] * 2
        assert "could not copy spec.pdf from https://example.com/spec.pdf" in rows[0].last_error
