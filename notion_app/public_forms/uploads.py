"""Files a visitor picks in a public form's `files` fields, checked before a byte is stored.

Each file is held to the form's own cap (the owner's builder setting, never above the
workspace's limit), the kinds Notion takes (files/checks.py) and the owner's account quota
(ACCOUNT_STORAGE_QUOTA_MB: visitors' files are stored as the owner's until Notion has them). A
field with one refused file keeps none of its files and says why in the visitor's words, in the
form's language; the other answers stay as typed. Accepted files go with the row to the outbox
(files/storage.NewFile), which uploads them to Notion later, as it does the row form's.

The workspace's limit is read from the app's cache (`catalog.peek`), never asked of Notion in a
visitor's request; when the cache has none, the owner's cap (checked against the workspace's
limit when saved) or Notion's free plan's 5 MB holds.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, MultiDict

from ..data_sources import catalog
from ..files import checks, picked
from ..files.storage import NewFile
from ..imports.storage import quota_bytes, used_bytes
from .fields import FormField
from .models import PublicForm

MiB = checks.MiB


def with_files(fields: Iterable[FormField]) -> list[FormField]:
    """The form's file pickers (a hidden files field is no picker)."""
    return [f for f in fields if f.type == "files" and not f.hidden]


def body_cap() -> int:
    """The most a form with files takes in one body (FORM_UPLOAD_MAX_MB), all files together."""
    return int(float(current_app.config["FORM_UPLOAD_MAX_MB"]) * MiB)


def workspace_limit(form: PublicForm) -> int | None:
    """The workspace's per-file limit as the app last heard it (no Notion call)."""
    value = catalog.peek(form.connection, "upload_limit") if form.connection else None
    return value if isinstance(value, int) and value > 0 else None


def file_limit(form: PublicForm) -> int:
    """The largest file a visitor may send: the form's cap, the workspace's limit, the body cap,
    whichever is smallest."""
    known = [x for x in (form.file_limit_bytes, workspace_limit(form)) if x]
    return min([*known, body_cap()]) if known else min(checks.DEFAULT_LIMIT, body_cap())


def picker(form: PublicForm) -> dict:
    """What each picker says and the browser's `accept` list."""
    limit = file_limit(form)
    return {"limit_text": checks.size_text(limit), "body_text": checks.size_text(body_cap()),
            "accept": checks.ACCEPT_ATTRIBUTE}


def input_name(field: FormField) -> str:
    return picked.field_name(field.key)


def _size(upload: FileStorage) -> int:
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def problem(name: str, size: int, limit: int) -> str | None:
    """Why a visitor's file cannot be taken, in a sentence of the form's language."""
    if checks.content_type(name) is None:
        return _("%(name)s: this form cannot take this kind of file. Try a PDF, an image, a "
                 "document, audio or video.", name=name)
    if size == 0:
        return _("%(name)s is empty.", name=name)
    if size > limit:
        return _("%(name)s is %(size)s; this form takes files up to %(limit)s.", name=name,
                 size=checks.size_text(size), limit=checks.size_text(limit))
    return None


def collect(form: PublicForm, fields: Iterable[FormField], files: MultiDict
            ) -> tuple[tuple[NewFile, ...], dict[str, str]]:
    """(the files to save with the row, {property name: what is wrong}); nothing is stored."""
    limit, out, errors, total = file_limit(form), [], {}, 0
    for field in with_files(fields):
        problems, mine = [], []
        for upload in files.getlist(input_name(field)):
            if not upload or not upload.filename:
                continue  # an empty picker sends one nameless part
            name = checks.clean_name(upload.filename)
            size = _size(upload)
            if why := problem(name, size, limit):
                problems.append(why)
                continue
            mine.append((NewFile(field.name, name, checks.guess_type(name), upload.stream), size))
        if problems:
            errors[field.name] = " ".join([*problems, _("Nothing was sent; pick the files again.")])
        elif not mine and field.required:
            errors[field.name] = _("This field is required.")
        else:
            out += [new for new, _bytes in mine]
            total += sum(size for _new, size in mine)
    if out and not errors and used_bytes(form.user) + total > quota_bytes():
        # The owner's storage, not the visitor's doing: said without the owner's figures.
        errors[out[0].property_name] = _(
            "This form cannot take more files right now. Send your answers without files, or "
            "try again later.")
    return (tuple(out) if not errors else ()), errors
