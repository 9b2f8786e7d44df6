"""error_from_response, Retry-After parsing and property_for."""

import email.utils
import json
import time

import pytest
import requests

from notion_app.notion.errors import (
    NotionConflict,
    NotionError,
    NotionForbidden,
    NotionNotFound,
    NotionRateLimited,
    NotionServerError,
    NotionUnauthorized,
    NotionValidationError,
    error_from_response,
    parse_retry_after,
    property_for,
    redact,
)


def make_response(status, body=b"", headers=None):
    resp = requests.Response()
    resp.status_code = status
    resp._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    resp.headers.update(headers or {})
    return resp


def envelope(status, code, message):
    return {"object": "error", "status": status, "code": code, "message": message,
            "request_id": "17359c46-ca0d-4156-be70-12a5eebc3346"}


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "validation_error", NotionValidationError),
        (400, "invalid_request_url", NotionValidationError),
        (401, "unauthorized", NotionUnauthorized),
        (403, "restricted_resource", NotionForbidden),
        (404, "object_not_found", NotionNotFound),
        (409, "conflict_error", NotionConflict),
        (429, "rate_limited", NotionRateLimited),
        (529, "service_overload", NotionRateLimited),
        (500, "internal_server_error", NotionServerError),
        (502, "bad_gateway", NotionServerError),
        (503, "service_unavailable", NotionServerError),
        (504, "gateway_timeout", NotionServerError),
    ],
)
def test_envelope_maps_to_class(status, code, cls):
    err = error_from_response(make_response(status, envelope(status, code, "msg")))
    assert type(err) is cls
    assert (err.status, err.code, err.message) == (status, code, "msg")
    assert err.request_id == "17359c46-ca0d-4156-be70-12a5eebc3346"


def test_real_recorded_401():
    body = (b'{"object":"error","status":401,"code":"unauthorized","message":"API token is '
            b'invalid.","request_id":"17359c46-ca0d-4156-be70-12a5eebc3346"}')
    err = error_from_response(make_response(401, body))
    assert isinstance(err, NotionUnauthorized) and err.message == "API token is invalid."


def test_html_and_empty_bodies():
    err = error_from_response(make_response(502, b"<html><body>Bad gateway</body></html>",
                                            {"x-notion-request-id": "rid"}))
    assert isinstance(err, NotionServerError) and err.code is None and err.request_id == "rid"
    assert "<html>" not in err.message
    err = error_from_response(make_response(429, b"", {"Retry-After": "7"}))
    assert isinstance(err, NotionRateLimited) and err.retry_after == 7
    err = error_from_response(make_response(418, b"[1, 2]"))
    assert type(err) is NotionError and err.status == 418


def test_rfc6749_body():
    err = error_from_response(make_response(401, {"error": "invalid_client"}))
    assert isinstance(err, NotionUnauthorized) and err.code == "invalid_client"


def test_messages_never_carry_tokens():
    body = envelope(400, "validation_error", "bad token ntn_abc123XYZ and secret_zzz and "
                    "Bearer abc.def and nrt_4991090011501E")
    err = error_from_response(make_response(400, body), secrets=["s3cr3t-value"])
    for secret in ("ntn_abc123XYZ", "secret_zzz", "abc.def", "nrt_4991"):
        assert secret not in str(err)
    assert redact("x s3cr3t-value y", ["s3cr3t-value"]) == "x [REDACTED] y"
    assert redact("failed basic validation") == "failed basic validation"


def test_retry_after_forms():
    assert parse_retry_after("3") == 3
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-4") == 0
    now = time.time()
    later = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(30, abs=1)
    earlier = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0


@pytest.mark.parametrize(
    ("message", "names", "expected"),
    [
        ("body failed validation: body.properties.Priority.select.name should be a string",
         None, "Priority"),
        ("Priority is expected to be select.", None, "Priority"),
        ("Due date is not a property that exists.", None, "Due date"),
        ("body failed validation: body.properties.v1.2 score.number should be a number",
         ["v1", "v1.2 score", "Name"], "v1.2 score"),
        ("v1.2 score is expected to be number.", ["v1.2 score", "v1"], "v1.2 score"),
        ("Something else went wrong.", ["Name"], None),
        ("Something else went wrong.", None, None),
        ("", None, None),
    ],
)
def test_property_for(message, names, expected):
    assert property_for(message, names) == expected


def test_validation_error_names_the_property():
    body = envelope(400, "validation_error",
                    "body failed validation: body.properties.Priority.select.name should be "
                    "shorter than 100 characters")
    err = error_from_response(make_response(400, body), property_names=["Priority", "Name"])
    assert err.property_name == "Priority"
