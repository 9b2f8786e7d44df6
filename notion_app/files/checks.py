"""What the app checks before a byte of a file is stored or sent, in the person's words: the
workspace's own size limit, the kinds of file Notion takes, the account's storage quota."""

from __future__ import annotations

import mimetypes
import os

MiB = 1024 * 1024
# Notion's limit when it does not say (a free workspace's).
DEFAULT_LIMIT = 5 * MiB

# The extensions Notion's "supported file types" page lists, with the type the app sends for
# each (the one place to change when Notion changes its list).
ACCEPTED = {
    "aac": "audio/aac", "mid": "audio/midi", "midi": "audio/midi", "mp3": "audio/mpeg",
    "m4a": "audio/mp4", "oga": "audio/ogg", "ogg": "audio/ogg", "wav": "audio/wav",
    "wma": "audio/x-ms-wma",
    "pdf": "application/pdf", "txt": "text/plain", "csv": "text/csv", "json": "application/json",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "gif": "image/gif", "heic": "image/heic", "jpeg": "image/jpeg", "jpg": "image/jpeg",
    "png": "image/png", "svg": "image/svg+xml", "tif": "image/tiff", "tiff": "image/tiff",
    "webp": "image/webp", "ico": "image/vnd.microsoft.icon",
    "avi": "video/x-msvideo", "flv": "video/x-flv", "m4v": "video/x-m4v", "mp4": "video/mp4",
    "mkv": "video/x-matroska", "webm": "video/webm", "mov": "video/quicktime",
    "mpeg": "video/mpeg", "wmv": "video/x-ms-wmv",
}
# For the file picker's `accept` attribute.
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in sorted(ACCEPTED))


def size_text(size: int) -> str:
    """6.2 MB, 5 MB, 300 KB, 12 bytes: how people read a file's size."""
    if size >= MiB:
        return f"{size / MiB:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} byte" + ("" if size == 1 else "s")


def clean_name(filename: str | None) -> str:
    """The file's own name (a browser may send a path), at most 900 bytes as Notion allows."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip() or "file"
    while len(name.encode()) > 900:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:-1] + dot + ext) if dot and stem else name[:-1]
    return name


def content_type(filename: str) -> str | None:
    """The type Notion is told for this file; None when Notion does not take it."""
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    return ACCEPTED.get(ext)


def problem(filename: str, size: int, limit: int | None) -> str | None:
    """Why this file cannot go to this workspace, in a sentence; None when it can."""
    limit = limit or DEFAULT_LIMIT
    if content_type(filename) is None:
        ext = filename.rpartition(".")[2].lower() if "." in filename else ""
        kind = f"“.{ext}” files" if ext else "files without an extension"
        return f"{filename}: Notion does not take {kind}. Try a PDF, an image, a document, " \
               f"audio or video."
    if size == 0:
        return f"{filename} is empty."
    if size > limit:
        return f"{filename} is {size_text(size)}; this workspace takes files up to " \
               f"{size_text(limit)}."
    return None


def guess_type(filename: str) -> str:
    return content_type(filename) or mimetypes.guess_type(filename)[0] or \
        "application/octet-stream"
