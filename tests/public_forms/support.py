"""Helpers of the public form tests: a confirmed owner, a form made through the builder as a
browser would fill it in, and a visitor's GET and POST."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from helpers import connect, ds_url, key
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.models import RowSubmission, User, utcnow
from notion_app.public_forms.models import PublicForm


class _FormReader(HTMLParser):
    """What a browser sends for one <form>: its inputs' names and values (no buttons)."""

    def __init__(self, action_part: str):
        super().__init__()
        self.action_part = action_part
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action_part in (a.get("action") or ""):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ("on" if a.get("type") ==
                                                              "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self._select, self._select_value, self._first_option = a["name"], None, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._select_value = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + unescape(data))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            if self._textarea and self.fields[-1][1].startswith("\n"):
                self.fields[-1] = (self.fields[-1][0], self.fields[-1][1][1:])
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = self._select_value if self._select_value is not None else self._first_option
            self.fields.append((self._select, chosen or ""))
            self._select = None


def browser_fields(html: str, action_part: str) -> dict[str, list[str]]:
    reader = _FormReader(action_part)
    reader.feed(html)
    out: dict[str, list[str]] = {}
    for name, value in reader.fields:
        out.setdefault(name, []).append(value)
    return out


def confirm(app, email: str = "ada@example.com") -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.email_confirmed_at = utcnow()
        db.session.commit()


def new_form(client, app, sandbox, ds: str = "tasks") -> int:
    """Connect acme, confirm the owner, press "Share a form"; the new form's id."""
    connect(client, sandbox)
    confirm(app)
    forms_page = ds_url(app, sandbox, ds) + "/forms"
    html = client.get(forms_page).get_data(as_text=True)
    token = browser_fields(html, "/forms")["csrf_token"][0]
    resp = client.post(forms_page, data={"csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(re.search(r"/forms/(\d+)", resp.headers["Location"]).group(1))


def save(client, form_id: int, changes: dict | None = None, drop: tuple = (), **buttons):
    """Fill the builder as a browser would (what it shows, with `changes`; names in `drop`
    unticked) and press Save (or a button given in `buttons`, e.g. move="up:abcd")."""
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    data = browser_fields(html, f"/forms/{form_id}")
    for name in drop:
        data.pop(name, None)
    data.update({k: v if isinstance(v, list) else [v] for k, v in (changes or {}).items()})
    data.update({k: [v] for k, v in buttons.items()})
    return client.post(f"/forms/{form_id}", data=data)


def field(name: str, part: str, ds: str = "tasks") -> str:
    """The builder's input for one setting of a property's field (label, default, ...)."""
    return f"{key(name, ds)}-{part}"


def public_id(app, form_id: int) -> str:
    with app.app_context():
        return db.session.get(PublicForm, form_id).public_id


def open_form(app, form_id: int, **changes) -> str:
    """Change a form directly (the builder has its own tests); its public path."""
    with app.app_context():
        form = db.session.get(PublicForm, form_id)
        for name, value in changes.items():
            setattr(form, name, value)
        db.session.commit()
        return f"/f/{form.public_id}"


def visitor_fields(client, path: str) -> dict[str, list[str]]:
    """What a browser would send for the public form at `path` as served (token included)."""
    resp = client.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return browser_fields(resp.get_data(as_text=True), "/f/")


def send(client, path: str, answers: dict, fields: dict | None = None, **kw):
    """GET the form like a visitor, fill in `answers` (by input name), POST it."""
    data = visitor_fields(client, path) if fields is None else dict(fields)
    data.update({k: v if isinstance(v, list) else [v] for k, v in answers.items()})
    return client.post(path, data=data, **kw)


def form_rows(app) -> list[RowSubmission]:
    with app.app_context():
        rows = list(db.session.scalars(select(RowSubmission).order_by(RowSubmission.id)))
        db.session.expunge_all()
        return rows
