"""The sandbox's File Upload API, driven by notion-client's `file_uploads` and by plain HTTP:
create (three modes), send, complete, retrieve, list, expiry, the workspace's size limit, and
attaching in POST /v1/pages — with a log of the exact bytes that arrived."""

import hashlib

import pytest
from notion_client import APIResponseError, Client

MiB = 1024 * 1024


@pytest.fixture
def client(connect, sandbox_url):
    return Client(auth=connect()["access_token"], base_url=sandbox_url, retry=False,
                  timeout_ms=20000)


@pytest.fixture
def tasks(seed):
    return seed["databases"]["tasks"]["data_sources"]["tasks"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(APIResponseError) as err:
        call(*args, **kwargs)
    assert err.value.status == 400 and err.value.code == "validation_error"
    return str(err.value)


def attach(client, tasks, upload_id, name=None):
    entry = {"type": "file_upload", "file_upload": {"id": upload_id}}
    if name:
        entry["name"] = name
    return client.pages.create(parent={"data_source_id": tasks}, properties={
        "Name": {"title": [{"text": {"content": "With a file"}}]},
        "Attachments": {"files": [entry]}})


def test_single_part_upload_attached_to_a_row(client, control, tasks):
    data = b"%PDF-1.7\n" + bytes(range(256)) * 40
    up = client.file_uploads.create(filename="report.pdf")
    assert up["status"] == "pending" and up["upload_url"].endswith(f"/{up['id']}/send")
    assert up["expiry_time"] is not None
    sent = client.file_uploads.send(file_upload_id=up["id"],
                                    file=("report.pdf", data, "application/pdf"))
    assert sent["status"] == "uploaded" and sent["content_length"] == len(data)
    assert sent["content_type"] == "application/pdf"

    page = attach(client, tasks, up["id"])
    [shown] = page["properties"]["Attachments"]["files"]
    assert shown["type"] == "file" and shown["name"] == "report.pdf"
    assert shown["file"]["url"].startswith("https://") and shown["file"]["expiry_time"]
    again = client.pages.retrieve(page_id=page["id"])
    assert again["properties"]["Attachments"]["files"][0]["name"] == "report.pdf"
    # Attached: it never expires, and the sandbox got exactly the bytes sent.
    assert client.file_uploads.retrieve(file_upload_id=up["id"])["expiry_time"] is None
    logged = control.file_uploads()
    assert [u["sha256"] for u in logged["uploads"]] == [sha(data)]
    assert logged["received"][0]["bytes"] == len(data)


def test_multi_part_upload_in_any_order(client, control, tasks):
    control.settings(max_file_upload_size_in_bytes=30 * MiB)
    first, last = b"a" * (5 * MiB + 3), b"the end"
    up = client.file_uploads.create(mode="multi_part", filename="big.mp4", number_of_parts=2)
    assert up["number_of_parts"] == {"total": 2, "sent": 0}
    # Nothing can be completed or attached before every part has arrived.
    client.file_uploads.send(file_upload_id=up["id"], part_number="2",
                             file=("big.mp4", last, "video/mp4"))
    assert "expected 2 parts, 1 were sent" in refused(client.file_uploads.complete,
                                                      file_upload_id=up["id"])
    assert "`pending`" in refused(attach, client, tasks, up["id"])
    client.file_uploads.send(file_upload_id=up["id"], part_number="1",
                             file=("big.mp4", first, "video/mp4"))
    done = client.file_uploads.complete(file_upload_id=up["id"])
    assert done["status"] == "uploaded" and done["content_length"] == len(first) + len(last)
    assert done["number_of_parts"] == {"total": 2, "sent": 2}
    assert control.file_uploads()["uploads"][0]["sha256"] == sha(first + last)
    attach(client, tasks, up["id"], name="Launch video")


def test_multi_part_rules(client, control):
    control.settings(max_file_upload_size_in_bytes=30 * MiB)
    up = client.file_uploads.create(mode="multi_part", filename="big.mp4", number_of_parts=2)
    # A part other than the last must be at least 5 MB; part numbers stay within the total.
    assert "must be" in refused(client.file_uploads.send, file_upload_id=up["id"],
                                part_number="1", file=("big.mp4", b"small", "video/mp4"))
    assert "part_number" in refused(client.file_uploads.send, file_upload_id=up["id"],
                                    part_number="3", file=("big.mp4", b"x", "video/mp4"))
    assert "part_number" in refused(client.file_uploads.send, file_upload_id=up["id"],
                                    file=("big.mp4", b"x", "video/mp4"))
    assert "number_of_parts" in refused(client.file_uploads.create, mode="multi_part",
                                        filename="big.mp4", number_of_parts=1001)
    assert "filename" in refused(client.file_uploads.create, mode="multi_part",
                                 number_of_parts=2)
    single = client.file_uploads.create(filename="a.txt")
    assert "multi_part" in refused(client.file_uploads.complete, file_upload_id=single["id"])
    assert control.file_uploads()["received"] == []


def test_an_upload_not_attached_in_time_expires(client, control, tasks):
    up = client.file_uploads.create(filename="notes.txt")
    client.file_uploads.send(file_upload_id=up["id"], file=("notes.txt", b"hi", "text/plain"))
    control.expire_uploads(up["id"])
    assert client.file_uploads.retrieve(file_upload_id=up["id"])["status"] == "expired"
    assert "`expired`" in refused(attach, client, tasks, up["id"])
    pending = client.file_uploads.create(filename="later.txt")
    control.expire_uploads()
    assert "`expired`" in refused(client.file_uploads.send, file_upload_id=pending["id"],
                                  file=("later.txt", b"x", "text/plain"))


def test_the_workspace_size_limit(client, control):
    assert client.users.me()["bot"]["workspace_limits"]["max_file_upload_size_in_bytes"] == 5 * MiB
    control.settings(max_file_upload_size_in_bytes=1000)
    assert client.users.me()["bot"]["workspace_limits"]["max_file_upload_size_in_bytes"] == 1000
    up = client.file_uploads.create(filename="photo.png")
    message = refused(client.file_uploads.send, file_upload_id=up["id"],
                      file=("photo.png", b"x" * 1001, "image/png"))
    assert "1001 bytes" in message and "1000 bytes" in message
    assert client.file_uploads.retrieve(file_upload_id=up["id"])["status"] == "pending"
    client.file_uploads.send(file_upload_id=up["id"], file=("photo.png", b"x" * 1000, "image/png"))


def test_file_types_and_names(client):
    assert ".exe" in refused(client.file_uploads.create, filename="tool.exe")
    assert "does not match" in refused(client.file_uploads.create, filename="a.pdf",
                                       content_type="image/png")
    stem = "é" * 448  # 896 bytes; with ".pdf", 900
    assert client.file_uploads.create(filename=stem + ".pdf")["filename"] == stem + ".pdf"
    assert "900 bytes" in refused(client.file_uploads.create, filename=stem + "x.pdf")
    up = client.file_uploads.create()  # single_part: the name may come with the bytes
    sent = client.file_uploads.send(file_upload_id=up["id"],
                                    file=("scan.jpg", b"\xff\xd8\xff", "image/jpeg"))
    assert sent["filename"] == "scan.jpg" and sent["content_type"] == "image/jpeg"
    other = client.file_uploads.create()
    assert ".exe" in refused(client.file_uploads.send, file_upload_id=other["id"],
                             file=("setup.exe", b"MZ", "application/octet-stream"))


def test_external_url_imports(client, control, tasks):
    up = client.file_uploads.create(mode="external_url", filename="logo.png",
                                    external_url="https://example.com/logo.png")
    assert up["status"] == "uploaded" and up["file_import_result"]["type"] == "success"
    assert "upload_url" not in up
    attach(client, tasks, up["id"])
    assert "external_url" in refused(client.file_uploads.send, file_upload_id=up["id"],
                                     file=("logo.png", b"x", "image/png"))
    control.settings(external_import_fails=True)
    failed = client.file_uploads.create(mode="external_url", filename="logo.png",
                                        external_url="https://example.com/logo.png")
    assert failed["status"] == "failed" and failed["file_import_result"]["type"] == "error"
    assert "`failed`" in refused(attach, client, tasks, failed["id"])
    assert "https://" in refused(client.file_uploads.create, mode="external_url",
                                 filename="logo.png", external_url="http://example.com/l.png")


def test_list_and_another_integrations_uploads(client, connect, sandbox_url):
    a = client.file_uploads.create(filename="a.txt")
    b = client.file_uploads.create(filename="b.txt")
    client.file_uploads.send(file_upload_id=b["id"], file=("b.txt", b"b", "text/plain"))
    listed = client.file_uploads.list()
    assert [u["id"] for u in listed["results"]] == [b["id"], a["id"]]
    assert [u["id"] for u in client.file_uploads.list(status="pending")["results"]] == [a["id"]]
    assert "status" in refused(client.file_uploads.list, status="done")
    other = Client(auth=connect(workspace="globex", user="hedy")["access_token"],
                   base_url=sandbox_url, retry=False)
    assert other.file_uploads.list()["results"] == []
    with pytest.raises(APIResponseError) as err:
        other.file_uploads.retrieve(file_upload_id=a["id"])
    assert err.value.status == 404 and err.value.code == "object_not_found"


def test_send_is_multipart_and_the_log_keeps_digests_not_bytes(api, control):
    up = api.post("/v1/file_uploads", json={"filename": "a.csv"}).json()
    as_json = api.call("POST", f"/v1/file_uploads/{up['id']}/send", json={"file": "abc"})
    assert as_json.status_code == 400 and "multipart/form-data" in as_json.json()["message"]
    data = b"name,size\nreport,1\n" * 1000
    resp = api.call("POST", f"/v1/file_uploads/{up['id']}/send",
                    files={"file": ("a.csv", data, "text/csv")})
    assert resp.status_code == 200, resp.text
    [logged] = control.requests(path=f"/v1/file_uploads/{up['id']}/send", method="POST")[1:]
    assert logged["body_encoding"] == "multipart"
    assert logged["body"]["file"] == {"filename": "a.csv", "content_type": "text/csv",
                                      "bytes": len(data), "sha256": sha(data)}


def test_a_send_body_may_exceed_the_json_limit(api, control):
    """Notion's 500 KB limit is for JSON bodies; a file's bytes go up to the size limit."""
    up = api.post("/v1/file_uploads", json={"filename": "photo.png"}).json()
    data = b"\x89PNG" + b"0" * (2 * MiB)
    resp = api.call("POST", f"/v1/file_uploads/{up['id']}/send",
                    files={"file": ("photo.png", data, "image/png")})
    assert resp.status_code == 200 and resp.json()["content_length"] == len(data)
