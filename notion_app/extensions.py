"""Flask extensions, created unbound and bound to an app in the factory; the engine's settings."""

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so migrations can name what they change on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# Bound with its locale and time zone selectors by localization.init_app.
babel = Babel()


def init_app(app: Flask) -> None:
    """Bind the extensions; SQLite gets WAL and a busy timeout; a Redis client when configured."""
    db.init_app(app)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if app.config.get("REDIS_URL"):
        app.extensions["redis"] = redis_client(app.config["REDIS_URL"])
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in to continue."


def redis_client(url: str, **options):
    """A Redis client for `url` (timeouts on; Heroku's `rediss://` certificates are self-signed,
    and Heroku's documented way to connect is TLS without verifying them)."""
    import redis

    if url.startswith("rediss://"):
        options.setdefault("ssl_cert_reqs", None)
    options.setdefault("socket_timeout", 5)
    options.setdefault("socket_connect_timeout", 5)
    return redis.Redis.from_url(url, **options)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work beside a writer; the busy timeout waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
