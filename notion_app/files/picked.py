"""The files a person picked in a row form's `files` fields, checked before a byte is stored:
the workspace's own size limit and the kinds Notion takes, said at the field."""

from __future__ import annotations

import os
from collections.abc import Iterable

from werkzeug.datastructures import FileStorage, MultiDict

from . import checks
from .storage import NewFile


def field_name(key: str) -> str:
    """The file input of a `files` field (its link input keeps the field's own key)."""
    return f"{key}-upload"


def _size(upload: FileStorage) -> int:
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def collect(fields: Iterable, files: MultiDict, limit: int | None
            ) -> tuple[list[NewFile], dict[str, str], int]:
    """(the files to save with the row, {property name: what is wrong}, their total size).
    A field with one refused file keeps none of its files: the person picks them again."""
    picked, errors, total = [], {}, 0
    for field in fields:
        if field.type != "files" or not field.writable:
            continue
        problems, mine = [], []
        for upload in files.getlist(field_name(field.key)):
            if not upload or not upload.filename:
                continue  # an empty picker sends one nameless part
            name = checks.clean_name(upload.filename)
            size = _size(upload)
            why = checks.problem(name, size, limit)
            if why:
                problems.append(why)
                continue
            mine.append((NewFile(field.name, name, checks.guess_type(name), upload.stream), size))
        if problems:
            errors[field.name] = " ".join(problems) + " Nothing was sent; pick the files again."
            continue
        picked += [new for new, _ in mine]
        total += sum(size for _, size in mine)
    return picked, errors, total
