"""Fixtures of the rows API tests: a confirmed ada connected to acme through the sandbox."""

from __future__ import annotations

import pytest
from helpers import connect, ds_ids

from api.support import confirm, make_token


@pytest.fixture
def ada(app, user_client, sandbox):
    """ada, confirmed, connected to acme; a token for all of her workspaces."""
    connect(user_client, sandbox)
    confirm(app)
    return make_token(app)


@pytest.fixture
def tasks(sandbox) -> str:
    return ds_ids(sandbox)["tasks"]
