"""People, relation and files values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from .base import (
    MAX_FILE_NAME,
    MAX_ITEMS,
    FieldError,
    _Context,
    _Raw,
    _short,
    clean_text,
    normalize_id,
)
from .text import check_url

NOT_LISTABLE = (
    "This integration may not list the workspace's people: paste a person's id or ask the "
    "owner to enable the capability."
)


def _people(raw: _Raw, ctx: _Context, prop: Mapping):
    """People by Notion id (accepted by shape: guests are never in Notion's list of users) or by
    email, looked up in the workspace's list when it is available."""
    ids = []
    for value in [*raw.values, *raw.new]:
        for part in re.split(r"[\s,;]+", value):
            if not part:
                continue
            if "@" in part:
                if ctx.users_by_email is None:
                    raise FieldError(
                        f"“{_short(part)}” cannot be looked up by email. {NOT_LISTABLE}"
                    )
                user_id = ctx.users_by_email.get(part.lower())
                if user_id is None:
                    raise FieldError(
                        f"No workspace member has the email “{_short(part)}”. Guests are not "
                        "listed by Notion: give a guest's Notion id instead."
                    )
                part = user_id
            try:
                user_id = normalize_id(part)
            except FieldError:
                raise FieldError(
                    f"“{_short(part)}” is not a Notion person id (32 hexadecimal characters) "
                    "or an email."
                ) from None
            if ctx.known_user_ids is not None and user_id not in ctx.known_user_ids:
                raise FieldError(f"“{_short(part)}” is not a workspace member.")
            ids.append(user_id)
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_ITEMS:
        raise FieldError(f"Choose at most {MAX_ITEMS} people.")
    return [{"object": "user", "id": user_id} for user_id in ids] if ids else None


def _relation(raw: _Raw, ctx: _Context, prop: Mapping):
    ids = []
    for value in raw.values:
        for part in re.split(r"[\s,]+", value):
            if part:
                ids.append(normalize_id(part))
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_ITEMS:
        raise FieldError(f"Link at most {MAX_ITEMS} pages.")
    return [{"id": page_id} for page_id in ids] if ids else None


def _files(raw: _Raw, ctx: _Context, prop: Mapping):
    files = []
    urls = raw.values
    if ctx.unknown_as_new:  # CSV: comma-separated URLs
        urls = [part for value in raw.values for part in value.split(",")]
    for i, url in enumerate(urls):
        url = url.strip()
        name = raw.names[i].strip() if i < len(raw.names) else ""
        if not url:
            if name:
                raise FieldError("Give the file's URL as well as its name.")
            continue
        url = check_url(url)
        if not name:
            parts = urlsplit(url)
            name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or parts.netloc
            name = clean_text(name).replace("\n", " ").strip() or "file"
        if len(name) > MAX_FILE_NAME:
            raise FieldError(f"File names are at most {MAX_FILE_NAME} characters.")
        files.append({"type": "external", "name": name, "external": {"url": url}})
    if len(files) > MAX_ITEMS:
        raise FieldError(f"Attach at most {MAX_ITEMS} files.")
    return files or None
