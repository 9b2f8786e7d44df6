"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = ROOT / "instance"


def create_app(test_config: dict | None = None) -> Flask:
    from . import config, errors, extensions, localization
    from .accounts import users
    from .connections import tokens
    from .notion import oauth
    from .ops import cli, deployment, devsandbox, http
    from .outbox import sender

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load(app.config, app.instance_path, os.environ, test_config)
    deployment.init_app(app)
    extensions.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    extensions.login_manager.user_loader(users.load_user)
    localization.init_app(app)
    if app.config["NOTION_SANDBOX"]:
        devsandbox.start(app)
    oauth.init_app(app)
    tokens.init_app(app)
    sender.init_app(app)
    _register_blueprints(app)
    http.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from . import api
    from .accounts.preferences import bp as preferences
    from .accounts.views import bp as accounts
    from .connections.views import bp as connections
    from .data_sources.views import bp as data_sources
    from .imports.views import bp as imports
    from .ops.health import bp as health
    from .outbox.views import bp as history
    from .public_forms import init_app as public_forms_init

    for blueprint in (accounts, preferences, connections, data_sources, history, imports, health):
        app.register_blueprint(blueprint)
    api.init_app(app)  # the rows API, its OpenAPI document and token pages (notion_app/api)
    from . import webhooks
    webhooks.init_app(app)  # webhooks out: endpoints, delivery log, sender (notion_app/webhooks)
    public_forms_init(app)  # the form builder and /f/<id> (issue 15)
    if not app.config["PRODUCTION"]:
        from .mail import mailbox_bp

        app.register_blueprint(mailbox_bp)  # /_dev/mailbox: the mail a laptop does not send
