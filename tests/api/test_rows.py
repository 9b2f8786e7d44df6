"""Adding rows through the API: accepted at once, sent by the sender exactly once, with the
CSV import's value rules (`values`) or Notion's own shapes (`properties`)."""

from __future__ import annotations

from helpers import calls, ds_ids

from api.support import api_rows, bearer, connection_id, send_all
from notion_app.extensions import db
from notion_app.models import RowSubmission


def post_row(client, secret, ds, body, **headers):
    return client.post(f"/api/v1/data-sources/{ds}/rows", json=body,
                       headers=bearer(secret, **headers))


def created(sandbox) -> list[dict]:
    return [p["request_properties"] for p in sandbox.pages()]


def test_a_row_is_accepted_at_once_and_sent_once_by_the_sender(app, client, sandbox, ada, tasks):
    sandbox.clear_requests()
    resp = post_row(client, ada, tasks, {"values": {
        "Name": "Call Ada", "Priority": "High", "Tags": ["Bug", "Docs"], "Due": "2025-01-31",
        "Done": True, "Estimate": 3, "Progress": "12.5"}})
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["state"] == "pending"
    assert resp.headers["Location"] == f"/api/v1/rows/{body['id']}"
    assert calls(sandbox, "/v1/pages", "POST") == 0  # the request did not wait for Notion

    assert send_all(app) == 1
    assert send_all(app) == 0
    [props] = created(sandbox)
    assert props["Name"]["title"][0]["text"]["content"] == "Call Ada"
    assert props["Priority"]["select"] == {"name": "High"}
    assert props["Tags"]["multi_select"] == [{"name": "Bug"}, {"name": "Docs"}]
    assert props["Due"]["date"] == {"start": "2025-01-31"}
    assert props["Done"]["checkbox"] is True
    assert props["Progress"]["number"] == 0.125  # a percentage, like a CSV cell

    row = client.get(resp.headers["Location"], headers=bearer(ada)).get_json()
    assert row["state"] == "sent"
    assert row["notion_page_url"].startswith("http")
    assert row["notion_page_id"]


def test_values_follow_the_csv_rules(app, client, sandbox, ada, tasks):
    resp = post_row(client, ada, tasks, {"values": {
        "Name": "Rules", "Tags": "Bug, Brand new", "Assignee": ["ada@acme.example"],
        "Due": "2025-01-31T09:00/2025-01-31T10:30", "Done": "no", "Notes": None}})
    assert resp.status_code == 202, resp.get_json()
    send_all(app)
    [props] = created(sandbox)
    assert props["Tags"]["multi_select"] == [{"name": "Bug"}, {"name": "Brand new"}]
    assert props["Due"]["date"] == {"start": "2025-01-31T09:00:00", "end": "2025-01-31T10:30:00"}
    assert props["Done"]["checkbox"] is False
    assert len(props["Assignee"]["people"]) == 1
    assert "Notes" not in props


def test_properties_in_notion_shapes_are_checked_like_the_row_form(app, client, sandbox, ada,
                                                                     tasks):
    resp = post_row(client, ada, tasks, {"properties": {
        "Name": {"title": [{"text": {"content": "Shaped"}}]},
        "Priority": {"select": {"name": "Low"}},
        "Due": {"date": {"start": "2025-02-01T09:30:15+02:00"}},
        "Done": {"checkbox": True},
        "Progress": {"number": 0.5},
    }})
    assert resp.status_code == 202, resp.get_json()
    send_all(app)
    [props] = created(sandbox)
    assert props["Name"]["title"][0]["text"]["content"] == "Shaped"
    assert props["Due"]["date"]["start"] == "2025-02-01T09:30:15+02:00"
    assert props["Progress"]["number"] == 0.5
    assert props["Done"]["checkbox"] is True


def test_each_bad_value_is_named_at_its_field_and_nothing_is_saved(app, client, sandbox, ada,
                                                                     tasks):
    sandbox.clear_requests()
    resp = post_row(client, ada, tasks, {"values": {
        "Name": ["a", "list"], "Due": "soon", "Nope": "x", "Score": 3, "Estimate": {"n": 1},
        "Link": "ftp://x"}})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["status"] == 422
    by_pointer = {e["pointer"]: e["detail"] for e in problem["errors"]}
    assert set(by_pointer) == {"/values/Name", "/values/Due", "/values/Nope", "/values/Score",
                               "/values/Estimate", "/values/Link"}
    assert "not a list" in by_pointer["/values/Name"]
    assert "not a date" in by_pointer["/values/Due"]
    assert "no property" in by_pointer["/values/Nope"]
    assert "cannot be written" in by_pointer["/values/Score"]
    assert api_rows(app) == []
    assert calls(sandbox, "/v1/pages") == 0


def test_a_missing_title_and_bad_notion_shapes_are_refused(client, ada, tasks):
    resp = post_row(client, ada, tasks, {"properties": {
        "Done": {"checkbox": "yes"}, "Priority": "High", "Due": {"date": {"start": 5}}}})
    assert resp.status_code == 422
    pointers = {e["pointer"] for e in resp.get_json()["errors"]}
    assert pointers == {"/properties/Name", "/properties/Done", "/properties/Priority",
                        "/properties/Due"}


def test_the_body_must_be_values_or_properties(client, ada, tasks):
    for body in ({}, {"values": {"Name": "x"}, "properties": {}}, {"rows": []}, [1, 2]):
        resp = post_row(client, ada, tasks, body)
        assert resp.status_code == 422, body
        assert resp.mimetype == "application/problem+json"
        assert resp.get_json()["errors"], body
    resp = client.post(f"/api/v1/data-sources/{tasks}/rows", data="{not json",
                       headers=bearer(ada, **{"Content-Type": "application/json"}))
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"


def test_a_body_over_the_limit_is_a_413(app, client, ada, tasks):
    app.config["API_MAX_BODY_BYTES"] = 2000
    resp = post_row(client, ada, tasks, {"values": {"Name": "x" * 5000}})
    assert resp.status_code == 413
    assert resp.mimetype == "application/problem+json"
    assert api_rows(app) == []


def test_the_history_names_the_token(app, client, user_client, ada, tasks):
    post_row(client, ada, tasks, {"values": {"Name": "From a program"}})
    page = user_client.get("/rows").get_data(as_text=True)
    assert "API: Zapier" in page


def test_rows_are_listed_by_state_a_page_at_a_time(app, client, ada, tasks):
    ids = [post_row(client, ada, tasks, {"values": {"Name": f"R{i}"}}).get_json()["id"]
           for i in range(5)]
    first = client.get("/api/v1/rows?limit=2&state=pending", headers=bearer(ada)).get_json()
    assert [r["id"] for r in first["rows"]] == ids[::-1][:2]
    second = client.get(f"/api/v1/rows?limit=2&state=pending&cursor={first['next_cursor']}",
                        headers=bearer(ada)).get_json()
    assert [r["id"] for r in second["rows"]] == ids[::-1][2:4]
    assert client.get("/api/v1/rows?state=sent", headers=bearer(ada)).get_json()["rows"] == []
    send_all(app)
    sent = client.get("/api/v1/rows?state=sent&limit=100", headers=bearer(ada)).get_json()
    assert sorted(r["id"] for r in sent["rows"]) == ids
    assert sent["next_cursor"] is None
    bad = client.get("/api/v1/rows?state=lost", headers=bearer(ada))
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["parameter"] == "state"


def test_what_the_token_sees(app, client, sandbox, ada, tasks):
    conns = client.get("/api/v1/connections", headers=bearer(ada)).get_json()["connections"]
    assert [c["id"] for c in conns] == [connection_id(app)]
    listed = client.get(f"/api/v1/connections/{conns[0]['id']}/data-sources",
                        headers=bearer(ada)).get_json()["data_sources"]
    assert tasks in {d["id"] for d in listed}
    ds = client.get(f"/api/v1/data-sources/{tasks}", headers=bearer(ada)).get_json()
    fields = {f["name"]: f for f in ds["fields"]}
    assert fields["Name"]["required"] is True
    assert fields["Priority"]["options"] == ["High", "Medium", "Low"]
    assert fields["Tags"]["limits"]["max_items"] == 100
    assert "Score" not in fields  # a formula: Notion computes it
    assert ds_ids(sandbox)["projects"] == fields["Project"]["related_data_source_id"]


def test_a_row_id_of_the_database_is_its_outbox_row(app, client, ada, tasks):
    resp = post_row(client, ada, tasks, {"values": {"Name": "Stored"}})
    with app.app_context():
        row = db.session.get(RowSubmission, resp.get_json()["id"])
        assert row.title_text == "Stored"
        assert row.client_nonce  # the outbox's own once-only guard


def test_an_id_past_the_databases_integers_is_a_404(client, ada):
    """Found by schemathesis on PostgreSQL (T48): a 500 before."""
    resp = client.get(f"/api/v1/rows/{2**31}", headers=bearer(ada))
    assert resp.status_code == 404
    assert client.get(f"/api/v1/connections/{2**63}/data-sources",
                      headers=bearer(ada)).status_code == 404
