"""Notion's response envelopes: success with request_id, error objects, RFC OAuth errors."""

import hashlib
import json
import uuid

from flask import current_app, g, jsonify, request

NOT_FOUND_TAIL = (
    "Make sure the relevant pages and databases are shared with your integration \"{name}\"."
)
FAULT_CODES = {
    403: ("restricted_resource", "API token does not have access to this resource."),
    409: ("conflict_error", "Conflict occurred while saving. Please try again."),
    429: ("rate_limited", "You have been rate limited. Please try again in a few minutes."),
    500: ("internal_server_error", "Unexpected error occurred."),
    502: ("bad_gateway", "Bad gateway."),
    503: ("service_unavailable", "Notion is unavailable, please try again later."),
    504: ("gateway_timeout", "Notion timed out, please try again later."),
    529: ("service_overload", "Notion is overloaded, please try again later."),
}


class NotionError(Exception):
    """Raised by views; rendered as Notion's error envelope."""

    def __init__(self, status, code, message, additional_data=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.additional_data, self.headers = additional_data, headers or {}


class OAuthError(Exception):
    """Raised by the token endpoints; rendered in the RFC 6749 shape."""

    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def state():
    return current_app.extensions["notion_sandbox"]


def request_id() -> str:
    if "request_id" not in g:
        g.request_id = str(uuid.uuid4())
    return g.request_id


def ok(body: dict, status=200):
    body = dict(body)
    body["request_id"] = request_id()
    return jsonify(body), status


def error_response(err: NotionError):
    body = {"object": "error", "status": err.status, "code": err.code, "message": err.message}
    if err.additional_data is not None:
        body["additional_data"] = err.additional_data
    body["request_id"] = request_id()
    resp = jsonify(body)
    resp.status_code = err.status
    resp.headers.update(err.headers)
    return resp


def oauth_error_response(err: OAuthError):
    resp = jsonify({"error": err.error, "error_description": err.description,
                    "request_id": request_id()})
    resp.status_code = err.status
    return resp


# `additional_data.rate_limit_reason` of a 429 (the exact strings are unconfirmed, §5.3).
CONNECTION_LIMIT = "integration_rate_limit"
WORKSPACE_LIMIT = "workspace_rate_limit"


def fault_error(status: int, retry_after=None, reason=None) -> NotionError:
    code, message = FAULT_CODES.get(status, ("internal_server_error", "Unexpected error."))
    headers, extra = {}, None
    if status in (429, 529):
        headers["Retry-After"] = str(int(retry_after if retry_after is not None else 1))
    if status == 429:
        extra = {"rate_limit_reason": reason or CONNECTION_LIMIT}
    return NotionError(status, code, message, extra, headers)


EDGE_PAGES = {
    403: ("Attention Required!", "Sorry, you have been blocked. This website is using a "
          "security service to protect itself from online attacks."),
    413: ("413 Request Entity Too Large", "The request body is too large."),
}


def edge_page(status: int):
    """The HTML page Notion's edge (its CDN) answers with: not Notion's JSON envelope."""
    title, text = EDGE_PAGES.get(status, (f"{status} Error", "The web server reported an error."))
    html = (f"<!DOCTYPE html><html><head><title>{title} | Cloudflare</title></head>"
            f"<body><h1>{title}</h1><p>{text}</p><p>Ray ID: {uuid.uuid4().hex[:16]}</p>"
            "</body></html>")
    return current_app.response_class(html, status=status, mimetype="text/html")


def validation(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def not_found(kind: str, oid: str, bot: dict) -> NotionError:
    name = state().clients.get(bot["client_id"], {}).get("name", "Sandbox integration")
    message = f"Could not find {kind} with ID: {oid}. " + NOT_FOUND_TAIL.format(name=name)
    return NotionError(404, "object_not_found", message, {"integration_id": bot["bot_id"]})


def read_body():
    """(encoding, parsed body) of the current request, for the log and the views."""
    raw = request.get_data(cache=True)
    ctype = (request.mimetype or "").lower()
    if not raw:
        return "none", None
    if ctype == "application/x-www-form-urlencoded":
        form = request.form
        return "form", {k: (v if len(v) > 1 else v[0]) for k, v in form.lists()}
    if ctype == "multipart/form-data":  # a file upload's send: sizes and digests, not bytes
        return "multipart", _multipart_summary()
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            return "json", json.loads(raw)
        except ValueError:
            return "json", raw.decode("utf-8", "replace")
    return "other", raw.decode("utf-8", "replace")


def _multipart_summary() -> dict:
    out: dict = {k: v for k, v in request.form.items()}
    for key, part in request.files.items():
        data = part.read()
        part.seek(0)
        out[key] = {"filename": part.filename, "content_type": part.mimetype,
                    "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return out


def json_body(allow_empty=True) -> dict:
    """The request's JSON object, or Notion's invalid_json / validation_error."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if allow_empty:
            return {}
        raise validation("body failed validation: body should be an object, instead was "
                         "`undefined`.")
    try:
        body = json.loads(raw)
    except ValueError:
        raise NotionError(400, "invalid_json", "Error parsing JSON body.") from None
    if not isinstance(body, dict):
        raise validation(f"body failed validation: body should be an object, instead was "
                         f"`{json.dumps(body)}`.")
    return body
