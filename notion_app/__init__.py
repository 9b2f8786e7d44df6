"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import config as settings
from .extensions import csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_pyfile("settings.py", silent=True)
    app.config.update(settings.from_environ(os.environ))
    app.config.update(test_config or {})
    settings.finalize(app.config, app.instance_path)
    from . import deployment

    deployment.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    from . import cli, web

    web.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import clients, database, jobs
    from .accounts import load_user
    from .notion import oauth

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to continue."
    login_manager.user_loader(load_user)
    if app.config["NOTION_SANDBOX"]:
        from . import devsandbox

        devsandbox.start(app)
    oauth.init_app(app)
    clients.init_app(app)
    jobs.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from . import auth, connections, databases, history, imports, main, notion_failures  # noqa: F401

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(connections.bp)
    app.register_blueprint(databases.bp)  # with the history routes imported above
    app.register_blueprint(imports.bp)
    notion_failures.init_app(app)
