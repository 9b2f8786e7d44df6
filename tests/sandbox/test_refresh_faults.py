"""The token endpoint can answer a refresh with every failure Notion gives:
429, 5xx, a timeout, a dropped connection, invalid_client and invalid_grant."""

import pytest
import requests

from .conftest import token_call

TOKEN = "/v1/oauth/token"


def refresh(sandbox_url, tok, timeout=5):
    return requests.post(f"{sandbox_url}{TOKEN}", auth=("test-client", "test-secret"),
                         json={"grant_type": "refresh_token",
                               "refresh_token": tok["refresh_token"]}, timeout=timeout)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_refresh_answers_an_injected_status_and_the_refresh_token_still_works(
    connect, sandbox_url, control, status
):
    tok = connect()
    control.fail_next(status, path=TOKEN, retry_after=90)
    failed = refresh(sandbox_url, tok)
    assert failed.status_code == status and failed.json()["object"] == "error"
    if status == 429:
        assert failed.headers["Retry-After"] == "90"
    assert refresh(sandbox_url, tok).status_code == 200  # nothing was used up


def test_refresh_can_time_out(connect, sandbox_url, control):
    tok = connect()
    control.fail_next(path=TOKEN, kind="hang", seconds=1.0, status=504)
    with pytest.raises(requests.ReadTimeout):
        refresh(sandbox_url, tok, timeout=0.3)


def test_refresh_can_drop_the_connection(connect, sandbox_url, control):
    tok = connect()
    control.fail_next(path=TOKEN, kind="drop")
    with pytest.raises(requests.ConnectionError):
        refresh(sandbox_url, tok)
    assert refresh(sandbox_url, tok).status_code == 200


@pytest.mark.parametrize(("error", "status"), [("invalid_client", 401), ("invalid_grant", 400)])
def test_refresh_answers_rfc6749_errors(connect, sandbox_url, control, error, status):
    tok = connect()
    control.fail_next(path=TOKEN, kind="oauth", error=error)
    resp = refresh(sandbox_url, tok)
    assert resp.status_code == status and resp.json()["error"] == error


def test_a_wrong_client_secret_is_invalid_client(connect, sandbox_url):
    tok = connect()
    resp = token_call(sandbox_url, {"grant_type": "refresh_token",
                                    "refresh_token": tok["refresh_token"]},
                      auth=("test-client", "wrong"))
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
