"""Fixtures for NotionClient unit tests: a faked api.notion.com (`responses`) and a client whose
sleeps are recorded instead of slept."""

import pytest
import responses

from notion_app.notion.client import NotionClient

API = "https://api.notion.com"
TOKEN = "ntn_secret_token_value_123"
DS = "393abc1e-edcd-8179-9372-000bd163e729"


class Sleeper:
    def __init__(self):
        self.slept = []

    def __call__(self, seconds):
        self.slept.append(seconds)


@pytest.fixture
def sleeper():
    return Sleeper()


@pytest.fixture
def client(sleeper):
    return NotionClient(TOKEN, sleep=sleeper, rand=lambda: 0.5)


@pytest.fixture
def fake():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps
