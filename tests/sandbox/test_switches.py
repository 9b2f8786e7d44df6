"""Control switches: rate limit, injected faults, ambiguous creates, revocation, the logs."""

import time

import requests

from .conftest import REDIRECT_URI, Api, token_call


def row(seed, title="Row"):
    ds = seed["databases"]["tasks"]["data_sources"]["tasks"]
    return {"parent": {"data_source_id": ds},
            "properties": {"Name": {"title": [{"text": {"content": title}}]}}}


def test_health_and_settings(control):
    assert control.health() == {"sandbox": True}
    assert control.settings()["rate_limit"] is None
    changed = control.settings(latency_ms=5, hang_seconds=0.2)
    assert changed["latency_ms"] == 5 and changed["hang_seconds"] == 0.2
    control.reset()
    assert control.settings()["latency_ms"] == 0


def test_rate_limit_answers_429_with_retry_after(api, control):
    control.settings(rate_limit={"rate": 1.0, "burst": 3})
    statuses = [api.get("/v1/users/me") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    limited = statuses[-1]
    body = limited.json()
    assert body["code"] == "rate_limited" and body["additional_data"]["rate_limit_reason"]
    assert int(limited.headers["Retry-After"]) >= 1


def test_rate_limit_is_per_token(connect, sandbox_url, control):
    control.settings(rate_limit={"rate": 0.5, "burst": 1})
    one = Api(sandbox_url, connect(user="ada")["access_token"])
    two = Api(sandbox_url, connect(user="grace")["access_token"])
    assert one.get("/v1/users/me").status_code == 200
    assert one.get("/v1/users/me").status_code == 429
    assert two.get("/v1/users/me").status_code == 200


def test_fail_next_by_path_and_method(api, control, seed):
    control.fail_next(503, count=2, path="/v1/pages", method="POST")
    assert api.get("/v1/users/me").status_code == 200
    first, second, third = (api.post("/v1/pages", row(seed)) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [503, 503, 200]
    assert first.json()["code"] == "service_unavailable"
    assert len(control.pages()) == 1


def test_injected_429_and_529_carry_retry_after(api, control):
    control.fail_next(429, retry_after=2)
    control.fail_next(529, retry_after=3)
    first, second = api.get("/v1/users/me"), api.get("/v1/users/me")
    assert (first.status_code, first.headers["Retry-After"]) == (429, "2")
    assert (second.status_code, second.headers["Retry-After"]) == (529, "3")
    assert second.json()["code"] == "service_overload"


def test_random_faults(api, control):
    control.settings(random_faults={"probability": 1.0, "statuses": [502], "paths": "/v1/users"})
    assert api.get("/v1/users/me").status_code == 502
    assert api.post("/v1/search", {}).status_code == 200
    control.settings(random_faults=None)
    assert api.get("/v1/users/me").status_code == 200


def test_ambiguous_status_creates_then_fails(api, control, seed):
    control.ambiguous(count=1, mode="status", status=502)
    resp = api.post("/v1/pages", row(seed, "Maybe"))
    assert resp.status_code == 502 and resp.json()["code"] == "bad_gateway"
    assert [p["page"]["properties"]["Name"]["title"][0]["plain_text"]
            for p in control.pages()] == ["Maybe"]
    assert api.post("/v1/pages", row(seed)).status_code == 200


def test_ambiguous_hang_outlasts_the_client_timeout(api, control, seed, sandbox_url):
    control.settings(hang_seconds=0.6)
    control.ambiguous(count=1, mode="hang")
    started = time.monotonic()
    try:
        requests.post(f"{sandbox_url}/v1/pages", json=row(seed, "Hung"), timeout=0.2,
                      headers={"Authorization": f"Bearer {api.token}",
                               "Notion-Version": "2025-09-03"})
        raise AssertionError("the request should have timed out")
    except requests.exceptions.ReadTimeout:
        pass
    assert time.monotonic() - started < 0.6
    assert len(control.pages()) == 1


def test_revoke_all_kills_every_token(connect, sandbox_url, control):
    tok = connect()
    control.revoke_all()
    assert Api(sandbox_url, tok["access_token"]).get("/v1/users/me").status_code == 401
    refresh = token_call(sandbox_url, {"grant_type": "refresh_token",
                                       "refresh_token": tok["refresh_token"]})
    assert refresh.status_code == 400


def test_expired_access_token_can_be_refreshed(connect, sandbox_url, control):
    tok = connect()
    control.expire_access_tokens()
    assert Api(sandbox_url, tok["access_token"]).get("/v1/users/me").status_code == 401
    fresh = token_call(sandbox_url, {"grant_type": "refresh_token",
                                     "refresh_token": tok["refresh_token"]})
    assert fresh.status_code == 200
    assert Api(sandbox_url, fresh.json()["access_token"]).get("/v1/users/me").status_code == 200


def test_latency(api, control):
    control.settings(latency_ms=150)
    started = time.monotonic()
    api.get("/v1/users/me")
    assert time.monotonic() - started >= 0.15


def test_request_log_filters_and_clears(api, control, seed):
    control.clear_requests()
    api.get("/v1/users/me")
    api.post("/v1/pages", row(seed))
    log = control.requests()
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("GET", "/v1/users/me", 200), ("POST", "/v1/pages", 200)]
    assert log[0]["auth_scheme"] == "bearer" and log[0]["token"] == api.token
    assert log[0]["body_encoding"] == "none" and log[1]["body_encoding"] == "json"
    assert log[1]["body"] == row(seed)
    assert [r["path"] for r in control.requests(method="POST")] == ["/v1/pages"]
    control.clear_requests()
    assert control.requests() == []


def test_reset_keeps_clients_but_forgets_tokens(connect, sandbox_url, control):
    control.register_client("later", "s3", [REDIRECT_URI], "Later")
    tok = connect()
    control.reset()
    assert Api(sandbox_url, tok["access_token"]).get("/v1/users/me").status_code == 401
    resp = requests.get(f"{sandbox_url}/v1/oauth/authorize", timeout=5, params={
        "client_id": "later", "redirect_uri": REDIRECT_URI, "response_type": "code",
        "owner": "user"})
    assert resp.status_code == 200


def test_seed_ids_are_deterministic_and_complete(control, seed):
    assert seed["workspaces"]["acme"]["name"] == "Acme Corp"
    assert seed["workspaces"]["acme"]["icon"] and seed["workspaces"]["globex"]["name"] == "Globex"
    assert seed["users"]["ada"] == {"id": seed["users"]["ada"]["id"], "name": "Ada Lovelace",
                                    "email": "ada@acme.example", "workspace": "acme"}
    assert seed["users"]["hedy"]["workspace"] == "globex"
    inventory = seed["databases"]["inventory"]
    assert inventory["workspace"] == "acme" and set(inventory["data_sources"]) == {
        "warehouse_a", "warehouse_b"}
    assert sum(d["workspace"] == "globex" for d in seed["databases"].values()) == 105
    control.reset()
    assert control.seed() == seed


def test_control_calls_are_not_logged(control):
    control.settings(latency_ms=0)
    control.seed()
    assert control.requests() == []


def test_added_people_authorize_as_distinct_bots(control, connect):
    added = control.add_people("acme", 3, prefix="bench")
    assert [p["key"] for p in added] == ["bench-0", "bench-1", "bench-2"]
    bots = {connect(workspace="acme", user=p["key"])["bot_id"] for p in added}
    assert len(bots) == 3
    assert connect(workspace="acme", user="bench-1")["owner"]["user"]["name"] == "Bench 1"
    more = control.add_people("acme", 1, prefix="bench")
    assert more[0]["key"] == "bench-3"
