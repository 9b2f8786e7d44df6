"""Settings: defaults, then instance/settings.py, then the environment, then test overrides.

Nothing is read at import time. In development, missing secrets are generated into the
instance folder; in production the app refuses to start without real ones.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

from .crypto import TokenKeyError, fernet_from

DEFAULTS = {
    "NOTION_API_BASE_URL": "https://api.notion.com",
    "NOTION_VERSION": "2025-09-03",
    "NOTION_CONNECT_TIMEOUT": 5.0,
    "NOTION_READ_TIMEOUT": 30.0,
    # Sends outside a web request (the outbox's background sweep) wait past Notion's own 60 s
    # server limit, so a slow create gets its answer instead of becoming an uncertain one.
    "NOTION_BACKGROUND_READ_TIMEOUT": 65.0,
    # bandit B105 takes these two for passwords: a timeout and a hash method name.
    "NOTION_TOKEN_TIMEOUT": 10.0,  # nosec B105
    "NOTION_SANDBOX_PORT": 5001,
    # Development: the port `make run` serves on (macOS's AirPlay Receiver takes 5000: PORT=5050).
    "PORT": 5000,
    # The pace of Notion calls per connection (notion/pacing.py); the RQ queue of the sender.
    "NOTION_RATE": 2.5,
    "NOTION_BURST": 4,
    # Notion's second level: all connections to one workspace share its budget (§5.3).
    "NOTION_WORKSPACE_RATE": 3.0,
    "NOTION_WORKSPACE_BURST": 10,
    "RQ_QUEUE": "notion",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "session",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    # The row form's body with its files (ops/http.py): each file is also held to its
    # workspace's own limit; a body past this gets the form's friendly page, not a bare 413.
    "ROW_UPLOAD_MAX_MB": 50.0,
    # Log-in throttling (accounts/throttle.py), per (email, client address) and per address:
    # from the limit on, each failure doubles the wait (429 + Retry-After), up to the cap; a
    # counter is forgotten a window after its last failure.
    "LOGIN_THROTTLE_LIMIT": 10,
    "LOGIN_THROTTLE_ADDRESS_LIMIT": 100,
    "LOGIN_THROTTLE_DELAY": 30.0,
    "LOGIN_THROTTLE_MAX_DELAY": 15 * 60.0,
    "LOGIN_THROTTLE_WINDOW": 60 * 60.0,
    # Sign-up attempts per client address, counted the same way.
    "SIGNUP_THROTTLE_LIMIT": 10,
    "SIGNUP_THROTTLE_DELAY": 60.0,
    "SIGNUP_THROTTLE_MAX_DELAY": 60 * 60.0,
    "SIGNUP_THROTTLE_WINDOW": 60 * 60.0,
    # Password-reset requests per client address and per email typed (known or not), and
    # confirmation mails sent again per account, counted the same way.
    "PASSWORD_RESET_THROTTLE_LIMIT": 5,
    "PASSWORD_RESET_THROTTLE_EMAIL_LIMIT": 3,
    "PASSWORD_RESET_THROTTLE_DELAY": 60.0,
    "PASSWORD_RESET_THROTTLE_MAX_DELAY": 60 * 60.0,
    "PASSWORD_RESET_THROTTLE_WINDOW": 60 * 60.0,
    "CONFIRMATION_THROTTLE_LIMIT": 3,
    "CONFIRMATION_THROTTLE_DELAY": 60.0,
    "CONFIRMATION_THROTTLE_MAX_DELAY": 60 * 60.0,
    "CONFIRMATION_THROTTLE_WINDOW": 60 * 60.0,
    # Outgoing mail (notion_app/mail.py): MAIL_URL smtp://host:25, smtp://user:pass@host:587
    # (STARTTLS), smtps://user:pass@host:465; without it the mail is logged (development).
    "MAIL_FROM": "Notion Rows <no-reply@localhost>",
    "MAIL_TIMEOUT": 10.0,
    # Server-side login sessions (T40), in seconds: a session unused for SESSION_IDLE_TIMEOUT,
    # or older than SESSION_MAX_AGE however busy, ends and the person logs in again.
    "SESSION_IDLE_TIMEOUT": 7 * 24 * 3600,
    "SESSION_MAX_AGE": 30 * 24 * 3600,
    # Stored data per account (T41): drafts' and imports' parsed files, unsent rows and the
    # files waiting to go with them.
    "ACCOUNT_STORAGE_QUOTA_MB": 200,
    # Drafts never sent and untouched for this many days are purged.
    "DRAFT_RETENTION_DAYS": 7,
    # How often the worker's housekeeping purges expired sessions, old drafts, sent files.
    "HOUSEKEEPING_SECONDS": 3600.0,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000000",  # nosec B105
    "SEND_BUDGET_SECONDS": 5.0,
    # The RQ sender (outbox/sender.py): how long one job sweeps, how often the worker's safety
    # sweep looks for due rows, and how long a claimed row is leased to its sender.
    "OUTBOX_JOB_BUDGET_SECONDS": 240.0,
    "OUTBOX_SAFETY_SWEEP_SECONDS": 3.0,
    "OUTBOX_LEASE_SECONDS": 300.0,
    # A page Notion made a moment ago may not be in a query's results yet: an uncertain create
    # is looked for again until this long after its attempt before the row is sent again.
    "RECONCILE_SETTLE_SECONDS": 10.0,
    # The rows API (notion_app/api): requests per token (the limits library's syntax,
    # "120/minute"; counted like the log-in throttle: Redis, else the database), and the largest
    # request body it reads (a 413 past it).
    "API_RATE_LIMIT": "120/minute",
    "API_MAX_BODY_BYTES": 1024 * 1024,
    # Public forms (notion_app/public_forms, T43): POSTs per client address and per form within
    # FORM_RATE_WINDOW seconds (then 429 with Retry-After); the least seconds between serving a
    # form and taking its answers (faster is a bot); how long a served form can be sent; the
    # largest body a form takes.
    "FORM_RATE_LIMIT": 20,
    "FORM_RATE_FORM_LIMIT": 2000,
    "FORM_RATE_WINDOW": 600.0,
    "FORM_MIN_SECONDS": 3.0,
    "FORM_TOKEN_MAX_AGE": 24 * 3600,
    "FORM_BODY_MAX_MB": 1.0,
    # Webhooks out (notion_app/webhooks, T46): each POST's timeout, how long a delivery is
    # retried, how many days the delivery log keeps finished ones, and WEBHOOK_ALLOW_PRIVATE
    # (http:// and loopback/private addresses: tests and development only; production refuses).
    "WEBHOOK_TIMEOUT_SECONDS": 10.0,
    "WEBHOOK_RETRY_HOURS": 24.0,
    "WEBHOOK_LOG_DAYS": 30,
    "WEBHOOK_ALLOW_PRIVATE": False,
    # Public forms with a file picker (public_forms/uploads.py): the largest body, all of a
    # visitor's files together; each file is also held to the form's own cap.
    "FORM_UPLOAD_MAX_MB": 25.0,
}

# Environment variables read as strings (docs/deploy.md lists them all).
ENV_STRINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "NOTION_CLIENT_ID",
    "NOTION_CLIENT_SECRET",
    "NOTION_REDIRECT_URI",
    "NOTION_API_BASE_URL",
    "NOTION_VERSION",
    "TOKEN_ENCRYPTION_KEY",
    "REDIS_URL",
    "PREFERRED_URL_SCHEME",
    "APP_ENV",
    "LOG_LEVEL",
    "RQ_QUEUE",
    "MAIL_URL",
    "MAIL_FROM",
    "NOTION_SANDBOX_SECRET",
    "API_RATE_LIMIT",
)
ENV_FLAGS = ("NOTION_SANDBOX", "BEHIND_PROXY", "WEBHOOK_ALLOW_PRIVATE")
ENV_INTS = (
    "NOTION_SANDBOX_PORT",
    "PORT",
    "NOTION_BURST",
    "NOTION_WORKSPACE_BURST",
    "SESSION_IDLE_TIMEOUT",
    "SESSION_MAX_AGE",
    "DRAFT_RETENTION_DAYS",
    "LOGIN_THROTTLE_LIMIT",
    "LOGIN_THROTTLE_ADDRESS_LIMIT",
    "SIGNUP_THROTTLE_LIMIT",
    "PASSWORD_RESET_THROTTLE_LIMIT",
    "PASSWORD_RESET_THROTTLE_EMAIL_LIMIT",
    "CONFIRMATION_THROTTLE_LIMIT",
    "FORM_RATE_LIMIT", "FORM_RATE_FORM_LIMIT", "FORM_TOKEN_MAX_AGE",
)
ENV_FLOATS = (
    "NOTION_RATE",
    "NOTION_WORKSPACE_RATE",
    "NOTION_BACKGROUND_READ_TIMEOUT",
    "OUTBOX_JOB_BUDGET_SECONDS",
    "OUTBOX_SAFETY_SWEEP_SECONDS",
    "OUTBOX_LEASE_SECONDS",
    "RECONCILE_SETTLE_SECONDS",
    "HOUSEKEEPING_SECONDS",
    "ACCOUNT_STORAGE_QUOTA_MB",
    "ROW_UPLOAD_MAX_MB",
    "MAIL_TIMEOUT",
    "FORM_RATE_WINDOW", "FORM_MIN_SECONDS", "FORM_BODY_MAX_MB",
    "FORM_UPLOAD_MAX_MB",  # public forms' files
)


def dev_redirect_uri(port: int) -> str:
    """Development's callback: always `localhost` (the host the session cookie belongs to)."""
    return f"http://localhost:{port}/notion/callback"

SANDBOX_CLIENT_ID = "sandbox-dev-integration"


def load(config, instance_path: str, environ, test_config: dict | None = None, *,
         strict: bool = True) -> None:
    """Fill `config` (a flask.Config): defaults, instance/settings.py, the environment, test
    overrides; then the derived settings. `strict=False` reports instead of refusing (for the
    deploy checklist, which must list every problem of a configuration that cannot start)."""
    config.from_mapping(DEFAULTS)
    config.from_pyfile(os.path.join(instance_path, "settings.py"), silent=True)
    config.update(from_environ(environ))
    config.update(test_config or {})
    try:
        finalize(config, instance_path)
    except ConfigError:
        if strict:
            raise


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def is_true(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def from_environ(environ: os._Environ | dict) -> dict:
    """The settings the environment gives (docs/deploy.md)."""
    found = {name: environ[name] for name in ENV_STRINGS if environ.get(name)}
    found.update({name: is_true(environ[name]) for name in ENV_FLAGS if name in environ})
    found.update({name: int(environ[name]) for name in ENV_INTS if environ.get(name)})
    found.update({name: float(environ[name]) for name in ENV_FLOATS if environ.get(name)})
    if environ.get("TRUSTED_HOSTS"):
        found["TRUSTED_HOSTS"] = [h.strip() for h in environ["TRUSTED_HOSTS"].split(",") if h]
    if "APP_ENV" not in found:
        found["APP_ENV"] = "production" if _looks_like_production(environ) else "development"
    # On a platform (a Heroku-style dyno) the router is the one proxy hop: trust it by default.
    # Anywhere else (gunicorn included) X-Forwarded-For is the client's to choose: off unless
    # BEHIND_PROXY says so (T39).
    found["ON_PLATFORM"] = bool(environ.get("DYNO"))
    if "BEHIND_PROXY" not in found and found["ON_PLATFORM"]:
        found["BEHIND_PROXY"] = True
    return found


def _looks_like_production(environ) -> bool:
    """A Heroku-style dyno, or gunicorn without FLASK_DEBUG, is production."""
    under_gunicorn = "gunicorn" in environ.get("SERVER_SOFTWARE", "")
    return bool(environ.get("DYNO")) or (under_gunicorn and not is_true(environ.get("FLASK_DEBUG")))


def normalize_database_url(url: str) -> str:
    """Heroku's `postgres://` and plain `postgresql://` mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def finalize(config: dict, instance_path: str) -> None:
    """Fill in derived settings and check that the result can run safely."""
    production = config.get("APP_ENV") == "production"
    config["PRODUCTION"] = production
    config.setdefault("BEHIND_PROXY", False)
    if not production:
        _fill_dev_secrets(config, Path(instance_path))
        if "NOTION_SANDBOX" not in config:
            config["NOTION_SANDBOX"] = not config.get("NOTION_CLIENT_ID")
    else:
        config["NOTION_SANDBOX"] = False
    url = config.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'app.db'}"
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
        config.get("SQLALCHEMY_DATABASE_URI") or url
    )
    if production:
        config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
        # Flask's own default is "http", so setdefault would never apply.
        config["PREFERRED_URL_SCHEME"] = "https"
        missing = production_problems(config)
        if missing:
            raise ConfigError("Refusing to start in production: " + "; ".join(missing))


def production_problems(config: dict) -> list[str]:
    """What a production configuration still misses (also used by `flask check-deploy`)."""
    problems = []
    if len(config.get("SECRET_KEY") or "") < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    try:
        fernet_from(config.get("TOKEN_ENCRYPTION_KEY") or "")
    except TokenKeyError as exc:
        problems.append(f"{exc} (generate one with `flask generate-key`)")
    for name in ("NOTION_CLIENT_ID", "NOTION_CLIENT_SECRET", "NOTION_REDIRECT_URI"):
        if not config.get(name):
            problems.append(f"{name} must be set (from your Notion integration's settings)")
    redirect = config.get("NOTION_REDIRECT_URI") or ""
    if redirect and not redirect.startswith("https://"):
        problems.append("NOTION_REDIRECT_URI must be an https:// URL in production")
    if not config.get("DATABASE_URL"):
        problems.append("DATABASE_URL must point at PostgreSQL (SQLite is for a laptop)")
    elif normalize_database_url(config["DATABASE_URL"]).startswith("sqlite"):
        problems.append("DATABASE_URL points at SQLite; use PostgreSQL in production")
    if config.get("WEBHOOK_ALLOW_PRIVATE"):
        problems.append("WEBHOOK_ALLOW_PRIVATE must be off in production (webhooks could reach "
                        "the app's own network)")
    return problems


def _fill_dev_secrets(config: dict, instance: Path) -> None:
    """Generate the secrets a laptop needs once, into instance/dev-secrets.json (mode 600)."""
    wanted = {
        "SECRET_KEY": lambda: secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
        "SANDBOX_CLIENT_SECRET": lambda: secrets.token_urlsafe(32),
        # What the development sandbox's control API asks for, and what a sandbox already on
        # NOTION_SANDBOX_PORT must prove it holds before this app reuses it.
        "NOTION_SANDBOX_SECRET": lambda: secrets.token_urlsafe(32),
    }
    if all(config.get(name) for name in wanted):
        return
    path = instance / "dev-secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    if any(name not in stored for name in wanted):
        stored.update({n: make() for n, make in wanted.items() if n not in stored})
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh)
    for name in wanted:
        if not config.get(name):
            config[name] = stored[name]
