"""The API's request and response shapes (marshmallow). They validate every request and are
what the OpenAPI document at /api/openapi.json is generated from, so the two cannot drift."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..models import RowState

STATES = [state.value for state in RowState]
# An Idempotency-Key: printable ASCII without spaces, like the IETF draft's examples.
KEY_RE = r"^[\x21-\x7e]{1,255}$"


class Problem(ma.Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Dict(), metadata={
        "description": "One entry per field: `pointer` (a JSON pointer into the body) or "
                       "`parameter` (with `in`: query or headers), and `detail`."})


class Connection(ma.Schema):
    id = fields.Integer(required=True)
    workspace_id = fields.String(required=True)
    workspace_name = fields.String(allow_none=True)
    state = fields.String(required=True, metadata={
        "description": "`active`, or `needs_reconnect` (rows wait until it is reconnected)."})


class ConnectionList(ma.Schema):
    connections = fields.List(fields.Nested(Connection), required=True)


class DataSourceSummary(ma.Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    database_id = fields.String(allow_none=True)
    url = fields.String(allow_none=True)


class DataSourceList(ma.Schema):
    data_sources = fields.List(fields.Nested(DataSourceSummary), required=True)


class Field(ma.Schema):
    name = fields.String(required=True)
    id = fields.String(required=True)
    type = fields.String(required=True, metadata={"example": "select"})
    required = fields.Boolean(required=True)
    description = fields.String(allow_none=True)
    options = fields.List(fields.String(), metadata={
        "description": "select, multi_select, status: the option names."})
    allows_new_options = fields.Boolean()
    number_format = fields.String(allow_none=True)
    related_data_source_id = fields.String(allow_none=True)
    accepts = fields.String(required=True, metadata={
        "description": "What `values` takes for this field, in words."})
    limits = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Notion's limits for this field (characters, items)."})


class DataSource(ma.Schema):
    id = fields.String(required=True)
    connection_id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    fields_ = fields.List(fields.Nested(Field), required=True, data_key="fields")


class NewRow(ma.Schema):
    """A row: `values` with the rules of a CSV cell, or `properties` in Notion's own shapes."""

    values = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=255)),
                         values=fields.Raw(allow_none=True), metadata={
        "description": "Property name -> a string, number, boolean or list, read like a CSV "
                       "cell: ISO dates (`2025-01-31`, `2025-01-31T09:00/2025-01-31T10:00`), "
                       "people by id or email, relations by page id, select options by name "
                       "(a new name adds an option), percents as percentages (`12.5`).",
        "example": {"Name": "Call Ada", "Done": False, "Due": "2025-01-31"}})
    properties = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=255)),
                             values=fields.Raw(metadata={"type": "object"}), metadata={
        "description": "Property name -> a Notion property value, as in Notion's create-a-page "
                       "request (text content only; annotations and links are not kept).",
        "example": {"Name": {"title": [{"text": {"content": "Call Ada"}}]}}})

    @ma.validates_schema
    def one_of_them(self, data, **kwargs):
        if ("values" in data) == ("properties" in data):
            raise ma.ValidationError("Give either `values` or `properties`.")


class Row(ma.Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES), metadata={
        "description": "pending, sending, sent, failed (Notion refused it: see `error`), "
                       "unknown (being checked with Notion before any resend), cancelled, "
                       "discarded."})
    connection_id = fields.Integer(allow_none=True)
    data_source_id = fields.String(required=True)
    title = fields.String(allow_none=True)
    notion_page_id = fields.String(allow_none=True)
    notion_page_url = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    error_property = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True)


class RowPage(ma.Schema):
    rows = fields.List(fields.Nested(Row), required=True)
    next_cursor = fields.Integer(allow_none=True, metadata={
        "description": "Give it as `cursor` for the next page; null on the last one."})


class RowQuery(ma.Schema):
    state = fields.String(validate=validate.OneOf(STATES))
    cursor = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class IdempotencyHeaders(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = fields.String(
        data_key="Idempotency-Key", validate=validate.Regexp(KEY_RE), metadata={
            "description": "Optional, per token, kept 24 h: the same key and body give the "
                           "first answer again; the same key with another body is a 422."})
