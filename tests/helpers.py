"""Helpers the tests share: forms with CSRF tokens, sign-up, the connect flow."""

from __future__ import annotations

import io
import re
from collections import Counter
from urllib.parse import urlsplit

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client, page: str, action: str | None = None, data: dict | None = None, **kw):
    """Load `page`, take its CSRF token and POST `data` to `action` (default: the same page)."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action or page, data={"csrf_token": token, **(data or {})}, **kw)


def signup(client, email: str = "ada@example.com", password: str = PASSWORD):
    data = {"email": email, "password": password, "confirm": password}
    resp = post_form(client, "/auth/signup", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp


def login(client, email: str = "ada@example.com", password: str = PASSWORD):
    return post_form(client, "/auth/login", data={"email": email, "password": password})


def logout(client):
    return post_form(client, "/connections", "/auth/logout")


def start_connect(client, path: str = "/connections/connect") -> str:
    """POST Connect; returns the authorize URL at the sandbox the app redirected to."""
    resp = post_form(client, "/connections", path)
    assert resp.status_code == 302
    return resp.headers["Location"]


def finish_at(client, location: str):
    """Follow the sandbox's redirect back to the app's callback (path and query only)."""
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def connect(client, sandbox, workspace: str = "acme", user: str = "ada", pages="all"):
    """The whole connect flow through the sandbox's consent page; returns the callback response."""
    authorize_url = start_connect(client)
    location = sandbox.consent(authorize_url, workspace=workspace, user=user, pages=pages)
    return finish_at(client, location)


# -- data sources (tests/data_sources/test_databases.py, tests/outbox/test_history.py) -------


def conn_id(app) -> int:
    """The id of the newest NotionConnection."""
    from sqlalchemy import select

    from notion_app.extensions import db
    from notion_app.models import NotionConnection

    with app.app_context():
        return db.session.scalars(select(NotionConnection.id)).all()[-1]


def ds_ids(sandbox) -> dict[str, str]:
    """Seed data source ids by key (tasks, projects, warehouse_a, ledger_001, ...)."""
    dbs = sandbox.seed()["databases"].values()
    return {key: ds_id for d in dbs for key, ds_id in d["data_sources"].items()}


def ds_url(app, sandbox, key: str) -> str:
    return f"/connections/{conn_id(app)}/data-sources/{ds_ids(sandbox)[key]}"


def calls(sandbox, path="/v1/", method=None) -> int:
    """How many Notion API requests reached the sandbox (since its log was cleared)."""
    return len(sandbox.requests(path=path, method=method))


def key(name: str, ds: str = "tasks") -> str:
    """The row form's field name for a seed property."""
    from notion_app.notion.properties import field_key
    from notion_app.sandbox.seed import prop_id

    return field_key("title" if name == "Name" else prop_id(ds, name))


def page_form(client, url: str) -> dict:
    """The hidden fields (CSRF token, nonce) of the row form at `url`."""
    html = client.get(url).get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([0-9a-f]{32})"', html).group(1)
    return {"csrf_token": csrf_from(html), "nonce": nonce}


# -- CSV imports (tests/imports/test_imports*.py) -------------------------------------------


def upload_csv(client, app, sandbox, data: bytes, name="tasks.csv", ds="tasks", encoding=None):
    """POST a file to the upload form (`encoding`: the form's choice; None: its default)."""
    page = ds_url(app, sandbox, ds) + "/import"
    token = csrf_from(client.get(page).get_data(as_text=True))
    form = {"csrf_token": token, "file": (io.BytesIO(data), name)}
    if encoding is not None:
        form["encoding"] = encoding
    return client.post(page, data=form, content_type="multipart/form-data")


def start_import(client, app, sandbox, data: bytes, **kw) -> str:
    """Upload a file; returns the preview URL."""
    resp = upload_csv(client, app, sandbox, data, **kw)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"]


def send_import(client, preview: str):
    html = client.get(preview).get_data(as_text=True)
    return client.post(preview + "/send", data={"csrf_token": csrf_from(html)})


def titles_in_notion(sandbox) -> Counter:
    """Pages created through the API, counted by title (the seed rows are not in this list)."""
    return Counter(
        "".join(t["text"]["content"] for t in p["request_properties"]["Name"]["title"])
        for p in sandbox.pages()
    )


def import_id(location: str) -> int:
    return int(re.search(r"/import/(\d+)", location).group(1))


# -- imports that update rows (tests/imports/test_upsert.py, test_mapping_memory.py) -----


def choose_mode(client, app, preview, mode="upsert", key_column="Name", key_property="Name",
                **extra):
    """POST the mapping form as it stands, with a mode and key (and `extra` fields)."""
    from notion_app.extensions import db
    from notion_app.models import Import

    with app.app_context():
        imp = db.session.get(Import, import_id(preview))
        columns, chosen = imp.columns, dict(imp.mapping or {})
    token = csrf_from(client.get(preview).get_data(as_text=True))
    data = {"csrf_token": token, "mode": mode, "key_column": key_column,
            "key_property": key_property, **extra}
    data.update({f"column-{i}": chosen.get(c, "") for i, c in enumerate(columns)})
    return client.post(preview + "/mapping", data=data)
