"""Two levels of pacing: a bucket per connection and one per workspace,
shared by every connection to it; a 429's `rate_limit_reason` picks the bucket it penalizes,
and a Retry-After over 60 s goes back to the caller instead of being slept."""

import pytest
import responses

from notion_app.notion.client import NotionClient
from notion_app.notion.errors import NotionRateLimited
from notion_app.notion.pacing import LayeredPacer, MemoryPacer, PacerTimeout

API = "https://api.notion.com"
TOKEN = "ntn_secret_token_value_123"
A, B = ("bot-a", "ws-1"), ("bot-b", "ws-1")  # two connections (two local users), one workspace
OTHER = ("bot-c", "ws-2")


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time():
    return FakeTime()


def layered(fake, rate=100.0, burst=100, ws_rate=1.0, ws_burst=2):
    def mem(r, b):
        return MemoryPacer(r, b, clock=fake.clock, sleep=fake.sleep)

    return LayeredPacer(mem(rate, burst), mem(ws_rate, ws_burst), sleep=fake.sleep)


def test_connections_of_one_workspace_share_its_budget(fake_time):
    pacer = layered(fake_time)
    assert pacer.reserve(A, timeout=0) == 0 and pacer.reserve(B, timeout=0) == 0
    with pytest.raises(PacerTimeout):  # B's own bucket is full; the workspace's is spent
        pacer.reserve(B, timeout=0)
    with pytest.raises(PacerTimeout):
        pacer.reserve(A, timeout=0)
    assert pacer.reserve(OTHER, timeout=0) == 0  # another workspace has its own


def test_the_connection_budget_still_applies_under_the_workspace_one(fake_time):
    pacer = layered(fake_time, rate=1.0, burst=1, ws_rate=100.0, ws_burst=100)
    assert pacer.reserve(A, timeout=0) == 0
    with pytest.raises(PacerTimeout):
        pacer.reserve(A, timeout=0)
    assert pacer.reserve(B, timeout=0) == 0


def test_a_wait_is_the_longer_of_the_two(fake_time):
    pacer = layered(fake_time, ws_rate=0.5, ws_burst=1)
    pacer.acquire(A)
    assert pacer.acquire(B) == pytest.approx(2.0)  # the workspace's interval, not B's


@pytest.mark.parametrize(("reason", "a_blocked", "b_blocked"), [
    ("workspace_rate_limit", True, True),  # every connection to the workspace waits
    ("integration_rate_limit", True, False),  # only the connection that was told
    (None, True, False),
])
def test_penalize_blocks_the_bucket_the_reason_names(fake_time, reason, a_blocked, b_blocked):
    pacer = layered(fake_time, ws_burst=100, ws_rate=100.0)
    pacer.penalize(A, 120, reason)
    for key, blocked in ((A, a_blocked), (B, b_blocked)):
        if blocked:
            with pytest.raises(PacerTimeout) as info:
                pacer.reserve(key, timeout=5)
            assert info.value.retry_after >= 120
        else:
            assert pacer.reserve(key, timeout=5) == 0


def _error(reason):
    return {"object": "error", "status": 429, "code": "rate_limited", "message": "slow down",
            "additional_data": {"rate_limit_reason": reason}}


@responses.activate
def test_client_reads_the_reason_and_never_sleeps_a_long_retry_after(fake_time):
    pacer = layered(fake_time, ws_burst=100, ws_rate=100.0)
    a = NotionClient(TOKEN, pacer=pacer, pace_key=A, sleep=fake_time.sleep, max_wait=30)
    b = NotionClient(TOKEN, pacer=pacer, pace_key=B, sleep=fake_time.sleep, max_wait=30)
    responses.get(f"{API}/v1/users/me", status=429, json=_error("workspace_rate_limit"),
                  headers={"Retry-After": "120"})
    with pytest.raises(NotionRateLimited) as info:
        a.users_me()
    assert info.value.retry_after == 120 and info.value.rate_limit_reason == "workspace_rate_limit"
    assert fake_time.slept == []  # handed back to the caller, not slept
    with pytest.raises(NotionRateLimited) as paced:  # B is held by the workspace's penalty
        b.users_me()
    assert paced.value.code == "paced" and paced.value.retry_after >= 119
    assert b.calls == 0 and len(responses.calls) == 1
