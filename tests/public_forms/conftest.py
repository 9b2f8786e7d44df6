"""Public forms are tested without the minimum-time wait unless a test asks for it (the check
has its own tests, which date their tokens in the past instead of sleeping); `client` is the
form's owner, signed up (a test logs out to be the visitor)."""

from __future__ import annotations

import pytest
from helpers import signup


@pytest.fixture
def app(app):
    app.config.update(FORM_MIN_SECONDS=0.0)
    return app


@pytest.fixture
def client(client):
    signup(client)
    return client
