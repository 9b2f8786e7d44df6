"""The public form's rate limits are shared by every worker (issue 15 point 4): two app
processes' worth of apps on one database and one Redis count one address's POSTs together, in
Redis (nothing in the database's throttle table)."""

from __future__ import annotations

import secrets

import pytest
from conftest import make_config
from helpers import key, signup
from sqlalchemy import select
from workers import rq_app

from notion_app import create_app
from notion_app.extensions import db
from notion_app.models import LoginThrottle, RowSubmission
from public_forms.support import new_form, open_form, send

pytestmark = pytest.mark.redis


def test_two_workers_share_one_addresss_limit_in_redis(tmp_path, sandbox, sandbox_server):
    with rq_app(tmp_path, sandbox_server.url, prefix="forms", FORM_RATE_LIMIT=2,
                FORM_MIN_SECONDS=0.0) as first:
        config = make_config(tmp_path, sandbox_server.url, **{
            k: first.config[k] for k in ("REDIS_URL", "RQ_QUEUE", "SECRET_KEY",
                                         "TOKEN_ENCRYPTION_KEY", "SQLALCHEMY_DATABASE_URI")},
            FORM_RATE_LIMIT=2, FORM_MIN_SECONDS=0.0)
        second = create_app(config)  # the same database and Redis: another worker
        owner = first.test_client()
        signup(owner)
        path = open_form(first, new_form(owner, first, sandbox), is_open=True)
        # A fresh address each run: the counters live in the shared Redis for a window.
        address = {"REMOTE_ADDR": f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9"}
        one, two = first.test_client(), second.test_client()
        assert send(one, path, {key("Name"): "A"}, environ_base=address).status_code == 303
        assert send(two, path, {key("Name"): "B"}, environ_base=address).status_code == 303
        assert send(one, path, {key("Name"): "C"}, environ_base=address).status_code == 429
        assert send(two, path, {key("Name"): "D"}, environ_base=address).status_code == 429
        with first.app_context():
            titles = db.session.scalars(select(RowSubmission.title_text)).all()
            assert sorted(titles) == ["A", "B"]
            assert db.session.scalar(select(LoginThrottle)) is None  # counted in Redis
        with second.app_context():
            db.session.remove()
            db.engine.dispose()
