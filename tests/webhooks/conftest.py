"""Fixtures of the webhook tests: a receiver on loopback (so WEBHOOK_ALLOW_PRIVATE is on unless
a test turns it off), and ada confirmed and connected to acme through the sandbox."""

from __future__ import annotations

import pytest
from api.support import confirm

from webhooks.support import Receiver


@pytest.fixture
def receiver():
    found = Receiver().start()
    yield found
    found.stop()


@pytest.fixture
def hooks_app(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    return app


@pytest.fixture
def ada(hooks_app, conn_ids):
    confirm(hooks_app)
    return conn_ids
