"""The rows API blueprint, `/api/v1/`: JSON in and out, `Authorization: Bearer <token>` only.

A session cookie never authenticates here (nothing reads `current_user`), which is why the
blueprint alone is exempt from CSRF. Every request is authenticated and counted against
API_RATE_LIMIT before its body is read; every error is a problem (problems.py). Rows go into
the outbox like every other row and are sent by the sender: a POST answers 202 at once.
"""

from __future__ import annotations

import contextlib
import uuid

import flask
from flask import current_app, g, request, url_for
from flask_smorest import Blueprint
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, default_exceptions

from .. import outbox
from ..connections.tokens import NeedsReconnect
from ..data_sources import catalog
from ..extensions import db
from ..models import ConnectionState, NotionConnection, RowSubmission
from ..notion import properties
from ..notion.errors import NotionError, NotionNotFound, NotionRateLimited
from ..notion.ids import canonical_id
from ..notion.oauth import TokenResponseError
from . import describe, idempotency, limits, rows, schemas, tokens
from .problems import field_errors, from_http_exception, problem

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="The rows API")
ERRORS = (401, 404, 429)
MAX_ID = 2**31 - 1  # ids are 32-bit integers in every database the app runs on


@bp.before_request
def authenticate():
    """The bearer token, then the rate limit: before anything reads the body or calls Notion."""
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return problem(401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    wait = limits.retry_after(token)
    if wait:
        return problem(429, headers={"Retry-After": str(wait)})
    g.api_token = token
    return None


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def http_error(error: HTTPException):
    return from_http_exception(error)


# Flask looks for a handler of the status code before a handler of its class, in the app too:
# each code gets this blueprint's handler, or the app's HTML error pages would answer.
for _code in default_exceptions:
    bp.register_error_handler(_code, http_error)
bp.register_error_handler(HTTPException, http_error)


@bp.errorhandler(NeedsReconnect)
def needs_reconnect(_error):
    return problem(409, "Notion no longer accepts this workspace's connection: reconnect it in "
                        "the app. Rows already accepted are kept and sent after the reconnect.",
                   title="Reconnect needed")


@bp.errorhandler(NotionError)
@bp.errorhandler(TokenResponseError)
def notion_error(error):
    if isinstance(error, NotionNotFound):
        return problem(404, "Notion does not share this data source with the app.")
    if isinstance(error, NotionRateLimited):
        wait = max(1, int((error.retry_after or 1) + 0.999))
        return problem(503, "Notion asked us to slow down.", headers={"Retry-After": str(wait)})
    return problem(502, "Notion did not answer as expected; try again in a moment.")


def _documented(*codes: int):
    """Document the problems an operation can answer (the default error covers the rest)."""
    def decorate(view):
        for code in reversed(codes):
            view = bp.alt_response(code, response=_RESPONSE_NAMES[code])(view)
        return view
    return decorate


_RESPONSE_NAMES = {401: "UNAUTHORIZED", 404: "NOT_FOUND", 409: "CONFLICT",
                   413: "REQUEST_ENTITY_TOO_LARGE", 422: "UNPROCESSABLE_ENTITY",
                   429: "TOO_MANY_REQUESTS"}


@bp.get("/connections")
@bp.response(200, schemas.ConnectionList)
@_documented(*ERRORS)
def list_connections():
    """The Notion workspaces this token sees."""
    return {"connections": [_connection(c) for c in tokens.connections(g.api_token)]}


@bp.get("/connections/<int:connection_id>/data-sources")
@bp.response(200, schemas.DataSourceList)
@_documented(*ERRORS)
def list_data_sources(connection_id: int):
    """The data sources shared with the app through one connection (as far as the token sees)."""
    conn = _connection_or_404(connection_id)
    found = [ds for group in catalog.database_groups(conn) for ds in group["data_sources"]]
    found = [ds for ds in found if tokens.allows_data_source(g.api_token, ds["id"])]
    return {"data_sources": [
        {"id": ds["id"], "title": ds["title"], "database_id": ds.get("database_id"),
         "url": ds.get("url")} for ds in found]}


@bp.get("/data-sources/<data_source_id>")
@bp.response(200, schemas.DataSource)
@_documented(*ERRORS)
def data_source(data_source_id: str):
    """One data source's writable fields: their types, options and limits."""
    conn, ds = _data_source_or_404(data_source_id)
    schema_props = catalog.schema(conn, ds["id"]).get("properties") or {}
    fields = [describe.field(f) for f in properties.form_fields(schema_props) if f.writable]
    return {"id": ds["id"], "connection_id": conn.id, "title": ds.get("title") or "Untitled",
            "url": ds.get("url"), "fields_": fields}


@bp.post("/data-sources/<data_source_id>/rows")
@bp.arguments(schemas.IdempotencyHeaders, location="headers", as_kwargs=True)
@bp.arguments(schemas.NewRow)
@bp.response(202, schemas.Row, headers={"Location": {
    "description": "The row's address in this API", "schema": {"type": "string"}}})
@_documented(401, 404, 409, 413, 422, 429)
def add_row(body: dict, data_source_id: str, idempotency_key: str | None = None):
    """Add a row: saved at once, sent to Notion by the app's sender (follow `Location`)."""
    token = g.api_token
    record = None
    if idempotency_key:
        digest = idempotency.request_digest(request.path, request.get_json(silent=True))
        outcome = idempotency.begin(token, idempotency_key, digest)
        if outcome.record is None:
            return _earlier(outcome)
        record = outcome.record
    try:
        answer = _add_row(token, data_source_id, body, record)
    except Exception:
        if record is not None:
            db.session.rollback()
            idempotency.give_back(record)
        raise
    if record is not None:
        if answer.status_code == 202:
            idempotency.finish(record, 202, answer.get_json(), answer.get_json()["id"])
        else:
            idempotency.give_back(record)
    return answer


def _add_row(token, data_source_id: str, body: dict, record):
    conn, ds = _data_source_or_404(data_source_id)
    schema_props = catalog.schema(conn, ds["id"]).get("properties") or {}
    if "values" in body:
        users = _users(conn) if rows.wants_emails(body["values"]) else None
        props, errors = rows.from_values(schema_props, body["values"], users)
        under = "values"
    else:
        props, errors = rows.from_notion_shapes(schema_props, body["properties"])
        under = "properties"
    errors = errors or rows.size_errors(ds["id"], props)
    if errors:
        return problem(422, errors=field_errors(errors, under))
    nonce = idempotency.nonce(record) if record is not None else uuid.uuid4().hex
    row, _created = outbox.submit(
        tokens.owner(token), conn, ds, schema_props,
        outbox.NewRow(props, nonce, api_token_id=token.id))
    return _row_answer(row, 202)


def _earlier(outcome: idempotency.Outcome):
    if outcome.status == 409:
        return problem(409, headers={"Retry-After": "1"})
    if outcome.status == 422:
        return problem(422, "This Idempotency-Key was used with another request body; use a new "
                            "key for a new row.", errors=[{"parameter": "Idempotency-Key",
                                                           "in": "headers",
                                                           "detail": "Used for another body."}])
    answer = current_app.response_class(
        current_app.json.dumps(outcome.answer), status=outcome.status,
        mimetype="application/json")
    answer.headers["Idempotent-Replayed"] = "true"
    if outcome.answer and "id" in outcome.answer:
        answer.headers["Location"] = url_for(".row", row_id=outcome.answer["id"])
    return answer


@bp.get("/rows/<int:row_id>")
@bp.response(200, schemas.Row)
@_documented(*ERRORS)
def row(row_id: int):
    """One row: its state, its Notion page once sent, Notion's refusal if it failed."""
    if row_id > MAX_ID:  # no such row; PostgreSQL would refuse to compare it (found by T48)
        raise NotFound()
    found = db.session.scalar(_rows_query(g.api_token).where(RowSubmission.id == row_id))
    if found is None:
        raise NotFound()
    return _row_answer(found, 200)


@bp.get("/rows")
@bp.arguments(schemas.RowQuery, location="query", as_kwargs=True)
@bp.response(200, schemas.RowPage)
@_documented(401, 422, 429)
def list_rows(limit: int, state: str | None = None, cursor: int | None = None):
    """The rows this token sees, newest first, `limit` at a time (`cursor`: the next page)."""
    query = _rows_query(g.api_token)
    if state:
        query = query.where(RowSubmission.state == state)
    if cursor:
        query = query.where(RowSubmission.id < cursor)
    found = list(db.session.scalars(query.order_by(RowSubmission.id.desc()).limit(limit + 1)))
    shown = found[:limit]
    return {"rows": [rows.row_json(r) for r in shown],
            "next_cursor": shown[-1].id if len(found) > limit else None}


def not_found(rest: str):
    """Unknown addresses under /api/v1/ are problems too, never an HTML page; a known address
    asked with another method is a 405 that says which it takes."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        with contextlib.suppress(HTTPException):
            if adapter.match(request.path, method=method)[0] != "api.not_found":
                allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound()


# Flask's own add_url_rule: an address that is not in the document.
flask.Blueprint.add_url_rule(bp, "/<path:rest>", view_func=not_found,
                             methods=["GET", "POST", "PUT", "PATCH", "DELETE"])


def _rows_query(token):
    query = select(RowSubmission).where(RowSubmission.user_id == token.user_id)
    if token.connection_id is not None:
        query = query.where(RowSubmission.connection_id == token.connection_id)
    if token.data_source_id is not None:
        query = query.where(RowSubmission.data_source_id == token.data_source_id)
    return query


def _row_answer(found: RowSubmission, status: int):
    body = schemas.Row().dump(rows.row_json(found))
    answer = current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype="application/json")
    if status == 202:
        answer.headers["Location"] = url_for(".row", row_id=found.id)
    return answer


def _connection(conn: NotionConnection) -> dict:
    return {"id": conn.id, "workspace_id": conn.workspace_id,
            "workspace_name": conn.workspace_name, "state": conn.state}


def _connection_or_404(connection_id: int) -> NotionConnection:
    conn = tokens.connection(g.api_token, connection_id)
    if conn is None:
        raise NotFound()
    return conn


def _data_source_or_404(data_source_id: str) -> tuple[NotionConnection, dict]:
    """The data source and the token's connection that shares it; what is known without a
    Notion call first, then each connection asks Notion (the id is untrusted until then)."""
    token = g.api_token
    wanted = canonical_id(data_source_id)
    if wanted is None or not tokens.allows_data_source(token, wanted):
        raise NotFound()
    conns = tokens.connections(token)
    for conn in conns:
        found = catalog.shared_data_source(conn, wanted, only_cached=True)
        if found:
            return conn, found
    for conn in conns:
        if conn.state == ConnectionState.ACTIVE:
            found = catalog.shared_data_source(conn, wanted)
            if found:
                return conn, found
    raise NotFound()


def _users(conn: NotionConnection):
    users = catalog.workspace_users(conn)
    return None if users is False else users
