"""Database engine settings: SQLite with WAL and a busy timeout; Redis client when configured."""

from flask import Flask
from sqlalchemy import event

from .extensions import db


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if app.config.get("REDIS_URL"):
        import redis

        from .deployment import redis_options

        url = app.config["REDIS_URL"]
        app.extensions["redis"] = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, **redis_options(url)
        )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work beside a writer; the busy timeout waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
