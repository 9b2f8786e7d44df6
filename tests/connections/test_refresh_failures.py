"""Only `invalid_grant` on the refresh call means "reconnect".

Against the sandbox over HTTP: the access token expires, the refresh call meets each failure
Notion can give, and the app decides. A 429, a 5xx, a timeout or a dropped connection is
temporary: the row waits for its time and then goes out, the connection stays connected.
`invalid_client` is the operator's settings: a log line, a "misconfigured" page and a waiting row,
never "reconnect". `invalid_grant` alone flags the connection.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from helpers import ds_url
from rows import send, submit
from sqlalchemy import update

from notion_app.extensions import db
from notion_app.models import NotionConnection, RowSubmission, utcnow
from notion_app.outbox import delivery

TOKEN = "/v1/oauth/token"


def state_of(app, conn_id: int) -> str:
    with app.app_context():
        return db.session.get(NotionConnection, conn_id).state


def make_due(app) -> None:
    with app.app_context():
        db.session.execute(
            update(RowSubmission).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def created(sandbox) -> list[str]:
    return [p["request_properties"]["Name"]["title"][0]["text"]["content"]
            for p in sandbox.pages()]


def refresh_calls(sandbox) -> int:
    return sum(1 for r in sandbox.requests(path=TOKEN)
               if (r["body"] or {}).get("grant_type") == "refresh_token")


TEMPORARY = {
    "429": {"status": 429, "retry_after": 30},
    "500": {"status": 500},
    "503": {"status": 503},
    "timeout": {"kind": "hang", "seconds": 1.5, "status": 504},
    "connection error": {"kind": "drop"},
}


@pytest.mark.parametrize("fault", TEMPORARY.values(), ids=list(TEMPORARY))
def test_a_temporary_refresh_failure_keeps_the_connection_and_the_row_waits(
    app, conn_ids, sandbox, fault
):
    app.config["NOTION_TOKEN_TIMEOUT"] = 0.5  # the hang (1.5 s) outlasts it: a read timeout
    sandbox.expire_access_tokens()
    sandbox.fail_next(path=TOKEN, **fault)
    before = utcnow()
    row = send(app, submit(app, conn_ids, "After the hiccup"))
    assert refresh_calls(sandbox) == 1  # the refresh was tried and met the fault
    assert row.state == "pending" and row.next_attempt_at is not None
    assert "reconnect" not in (row.last_error or "").lower()
    assert state_of(app, conn_ids[1]) == "active"
    if fault.get("retry_after"):  # the token endpoint's Retry-After is honoured: not before
        assert row.next_attempt_at >= before + timedelta(seconds=fault["retry_after"])
    make_due(app)
    with app.app_context():
        assert delivery.sweep() == 1
    assert created(sandbox) == ["After the hiccup"]
    assert state_of(app, conn_ids[1]) == "active"


def test_invalid_grant_alone_asks_for_a_reconnect(app, conn_ids, sandbox):
    sandbox.expire_access_tokens()
    sandbox.fail_next(path=TOKEN, kind="oauth", error="invalid_grant")
    row = send(app, submit(app, conn_ids, "Waits"))
    assert row.state == "pending" and row.last_error == delivery.WAITING_FOR_RECONNECT
    assert state_of(app, conn_ids[1]) == "needs_reconnect"


def test_invalid_client_is_the_operators_settings_not_a_reconnect(
    app, user_client, conn_ids, sandbox, caplog
):
    sandbox.expire_access_tokens()
    sandbox.fail_next(path=TOKEN, kind="oauth", error="invalid_client", count=2)
    with caplog.at_level(logging.ERROR, logger="notion_app.notion.oauth"):
        row = send(app, submit(app, conn_ids, "Kept"))
    assert row.state == "pending" and row.next_attempt_at is not None
    assert row.last_error == delivery.MISCONFIGURED
    assert state_of(app, conn_ids[1]) == "active"
    assert any("invalid_client" in r.getMessage() and "NOTION_CLIENT_SECRET" in r.getMessage()
               for r in caplog.records if r.levelno >= logging.ERROR)

    resp = user_client.get(ds_url(app, sandbox, "tasks"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 503
    assert "This app is misconfigured" in page
    assert "reconnect" not in page.lower()
    assert state_of(app, conn_ids[1]) == "active"

    # The operator fixes the settings (here: Notion stops refusing): the row goes out.
    make_due(app)
    with app.app_context():
        assert delivery.sweep() == 1
    assert created(sandbox) == ["Kept"]


def test_check_deploy_says_it_cannot_verify_the_client_credentials(runner):
    result = runner.invoke(args=["check-deploy"])
    line = next(x for x in result.output.splitlines() if x.startswith("unchecked:"))
    assert "NOTION_CLIENT_ID" in line and "invalid_client" in line and "misconfigured" in line
