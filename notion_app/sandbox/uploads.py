"""Notion's File Upload endpoints (`/v1/file_uploads`): create, send (the one endpoint that takes
`multipart/form-data`), complete, retrieve and list. The rules are in `files.py`."""

from flask import Blueprint, g, request

from . import files
from .api import _id, _known_keys, _list, authenticate
from .errors import json_body, ok, state, validation
from .validation import fail

bp = Blueprint("sandbox_uploads", __name__, url_prefix="/v1/file_uploads")
bp.before_request(authenticate)
CREATE_KEYS = {"mode", "filename", "content_type", "number_of_parts", "external_url"}


def _base() -> str:
    return request.host_url.rstrip("/")


def _filename(body: dict, required: bool):
    name = body.get("filename")
    if name is None:
        if required:
            raise validation("body failed validation: body.filename should be defined, instead "
                             "was `undefined`.")
        return None
    if not isinstance(name, str) or not name.strip():
        raise fail("body.filename", "a non-empty string", name)
    if len(name.encode()) > files.MAX_FILENAME_BYTES:
        raise validation(f"body failed validation: body.filename should be at most "
                         f"{files.MAX_FILENAME_BYTES} bytes long, instead was "
                         f"{len(name.encode())} bytes.")
    return name


def _parts(body: dict, mode: str):
    raw = body.get("number_of_parts")
    if mode != "multi_part":
        if raw is not None:
            raise validation("body failed validation: body.number_of_parts should be not "
                             "present unless body.mode is `\"multi_part\"`.")
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= files.MAX_PARTS:
        raise fail("body.number_of_parts", f"a number from 1 to {files.MAX_PARTS}", raw)
    return raw


def _external_url(body: dict, mode: str):
    url = body.get("external_url")
    if mode != "external_url":
        if url is not None:
            raise validation("body failed validation: body.external_url should be not present "
                             "unless body.mode is `\"external_url\"`.")
        return None
    if not isinstance(url, str) or not url.startswith("https://") or len(url) > 2000:
        raise validation("body failed validation: body.external_url should be a public "
                         "`https://` URL.")
    return url


@bp.post("")
def create():
    body = json_body()
    _known_keys(body, CREATE_KEYS)
    mode = body.get("mode", "single_part")
    if mode not in files.MODES:
        raise fail("body.mode", '`"single_part"`, `"multi_part"` or `"external_url"`', mode)
    filename = _filename(body, required=mode != "single_part")
    content_type = body.get("content_type")
    if content_type is not None and not isinstance(content_type, str):
        raise fail("body.content_type", "a string", content_type)
    parts, url = _parts(body, mode), _external_url(body, mode)
    files.check_type(filename, files.content_type_for(filename, content_type),
                     "body failed validation")
    st = state()
    with st.lock:
        up = files.new_upload(st, g.bot, mode, filename, content_type, parts, url)
        return ok(files.render(up, _base()))


@bp.post("/<raw_id>/send")
def send(raw_id):
    oid = _id(raw_id, "file_upload_id")
    if request.mimetype != "multipart/form-data":
        raise validation("The request body must be multipart/form-data, with the file under "
                         "the form key `file`.")
    part = request.files.get("file")
    if part is None:
        raise validation("body failed validation: body.file should be defined, instead was "
                         "`undefined`.")
    data = part.read(files.SINGLE_PART_MAX + 1)
    st = state()
    with st.lock:
        up = files.visible(st, g.bot, oid)
        files.receive(st, up, data, request.form.get("part_number"), part.filename,
                      part.mimetype if part.mimetype != "application/octet-stream" else None)
        return ok(files.render(up, _base()))


@bp.post("/<raw_id>/complete")
def complete(raw_id):
    oid = _id(raw_id, "file_upload_id")
    st = state()
    with st.lock:
        up = files.visible(st, g.bot, oid)
        files.complete(up)
        return ok(files.render(up, _base()))


@bp.get("/<raw_id>")
def retrieve(raw_id):
    oid = _id(raw_id, "file_upload_id")
    st = state()
    with st.lock:
        return ok(files.render(files.visible(st, g.bot, oid), _base()))


@bp.get("")
def list_uploads():
    """This integration's uploads, newest first, optionally of one status."""
    status = request.args.get("status")
    if status is not None and status not in files.STATUSES:
        raise fail("query.status", "one of " + ", ".join(f'`"{s}"`' for s in files.STATUSES),
                   status)
    st = state()
    with st.lock:
        mine = [files.render(up, _base()) for up in st.uploads.values()
                if up["bot_id"] == g.bot["bot_id"]]
    mine = [up for up in reversed(mine) if status is None or up["status"] == status]
    return _list(mine, request.args.get("start_cursor"), request.args.get("page_size"),
                 "file_upload", where="query")
