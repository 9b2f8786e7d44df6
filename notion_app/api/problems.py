"""RFC 9457 problem details: every error the API gives is `application/problem+json`, with one
entry per field in `errors` (a JSON pointer into the body, or the name of a query parameter or
header, and what is wrong with it)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import Response
from werkzeug.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
DETAILS = {
    400: "The request could not be read.",
    401: "Give a valid API token: `Authorization: Bearer <token>`.",
    403: "This token may not do that.",
    404: "There is no such object, or this token may not see it.",
    405: "This address does not take that method.",
    409: "A request with this Idempotency-Key is still being saved: try again in a second.",
    413: "The request body is too large.",
    415: "Send the body as JSON (`Content-Type: application/json`).",
    422: "Some values are not valid: see `errors`.",
    429: "Too many requests for this token: wait for Retry-After seconds.",
    500: "Something went wrong on our side; nothing you sent was lost.",
}


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            errors: list[dict] | None = None, headers: Mapping | None = None) -> Response:
    """An `application/problem+json` answer."""
    from werkzeug.http import HTTP_STATUS_CODES

    body = {"type": "about:blank", "title": title or HTTP_STATUS_CODES.get(status, "Error"),
            "status": status, "detail": detail or DETAILS.get(status, "")}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(by_field: Mapping[str, str], under: str) -> list[dict]:
    """One entry per property: `{"pointer": "/values/<name>", "detail": ...}`."""
    return [{"pointer": f"/{under}/{_escape(name)}", "detail": text}
            for name, text in by_field.items()]


def from_http_exception(error: HTTPException) -> Response:
    """Any HTTP error inside the API, including webargs' validation errors (`data.messages`:
    {location: {field: [messages]}}) as one entry per field; a 405 says what is allowed."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = _flatten(data.get("messages") or {})
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if errors:
        detail = DETAILS[422] if status == 422 else "The request is not valid: see `errors`."
    else:
        detail = _description(error)
    return problem(status, detail, errors=errors or None, headers=headers)


def _description(error: HTTPException) -> str:
    """Our words for the status, unless the code raising it gave its own (never for a 5xx,
    whose text could say more than it should)."""
    status = error.code or 500
    custom = type(error).description != error.description
    return error.description if custom and status < 500 else DETAILS.get(status, "")


def _flatten(messages: Mapping) -> list[dict]:
    out: list[dict] = []
    for location, found in messages.items():
        if location == "json":
            _walk(found, "", out)
        else:
            for name, texts in (found.items() if isinstance(found, Mapping) else ()):
                out.append({"parameter": str(name), "in": location, "detail": _text(texts)})
    return out


def _walk(found, pointer: str, out: list[dict]) -> None:
    if isinstance(found, Mapping):
        for name, inner in found.items():
            part = "" if name == "_schema" else "/" + _escape(str(name))
            _walk(inner, pointer + part, out)
        return
    out.append({"pointer": pointer or "/", "detail": _text(found)})


def _text(texts) -> str:
    if isinstance(texts, list | tuple):
        return " ".join(str(t) for t in texts if not isinstance(t, Mapping | list))
    return str(texts)


def _escape(name: str) -> str:
    """A JSON pointer reference token (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")
