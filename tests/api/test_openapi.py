"""T48: the OpenAPI document is valid, is the one the requests are checked with, and
schemathesis finds no 5xx and no answer that breaks it, with a real token and real ids."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.support import api_rows, bearer, connection_id

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
# Small enough for the suite (~20 s): 6 operations x 2 modes x 2 kinds of ids.
EXAMPLES = 12


def test_the_document_is_valid_openapi(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    spec = resp.get_json()
    validate(spec)
    assert spec["openapi"] == "3.0.3"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_document_is_made_from_the_schemas_that_validate_requests(client, ada, tasks):
    spec = client.get("/api/openapi.json").get_json()
    new_row = spec["components"]["schemas"]["NewRow"]
    assert set(new_row["properties"]) == {"values", "properties"}
    post = spec["paths"]["/api/v1/data-sources/{data_source_id}/rows"]["post"]
    assert {p["name"] for p in post["parameters"]} >= {"Idempotency-Key"}
    problem = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert list(problem) == ["application/problem+json"]
    # what the document calls unknown is refused by the API for the same reason
    resp = client.post(f"/api/v1/data-sources/{tasks}/rows", headers=bearer(ada),
                       json={"values": {"Name": "x"}, "extra": 1})
    assert resp.status_code == 422
    assert {e["pointer"] for e in resp.get_json()["errors"]} == {"/extra"}


def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, client, ada, tasks):
    """Each operation with generated ids and with real ones, valid and invalid requests; the
    POST also with a valid row, so its 202 is checked against the document too."""
    app.config["API_RATE_LIMIT"] = "100000/minute"
    row = client.post(f"/api/v1/data-sources/{tasks}/rows", headers=bearer(ada),
                      json={"values": {"Name": "Seen by schemathesis"}}).get_json()["id"]
    real = {"data_source_id": tasks, "connection_id": connection_id(app), "row_id": row}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        ids = {p.name: real[p.name] for p in operation.path_parameters}
        variants = [{"generation_mode": mode, "path_parameters": path_parameters or None}
                    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                    for path_parameters in ({}, ids)]
        if operation.method == "post":
            variants.append({"path_parameters": ids, "body": VALID_ROW})
        for variant in variants:
            _runner(operation.as_strategy(**variant), bearer(ada))()
            tried += 1
    assert tried == 6 * 2 * 2 + 1
    assert any(r.title_text == "Posted by schemathesis" for r in api_rows(app))  # 202s checked


VALID_ROW = {"values": {"Name": "Posted by schemathesis", "Priority": "High", "Done": True}}


def _runner(strategy, headers):
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run
