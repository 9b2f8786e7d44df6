"""Running behind a Heroku-style platform: proxy headers, log redaction, the deploy checklist."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import normalize_database_url, production_problems
from . import logs

# The platform's router is one proxy hop: trust one X-Forwarded-For/-Proto/-Host value.
PROXY_FIX_DEFAULT = {"x_for": 1, "x_proto": 1, "x_host": 1}


def init_app(app: Flask) -> None:
    cfg = app.config
    logs.install(cfg)
    if cfg.get("PRODUCTION"):
        logs.configure_production_logging(cfg.get("LOG_LEVEL", "INFO"))
    # Only with BEHIND_PROXY (config.from_environ turns it on on a dyno): without a proxy that
    # overwrites X-Forwarded-For, trusting it lets any client choose its address (T39).
    if cfg.get("BEHIND_PROXY"):
        hops = {**PROXY_FIX_DEFAULT, **(cfg.get("PROXY_FIX") or {})}
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)


def deploy_report(config: dict) -> tuple[list[str], list[str]]:
    """(problems, recommendations) for a production deployment: `flask check-deploy`."""
    problems, notes = [], []
    # The root cause first: outside production every other check is moot.
    if not config.get("PRODUCTION"):
        problems.append("APP_ENV is not production (set APP_ENV=production, or run on a dyno)")
    problems += production_problems(config)
    if not config.get("TRUSTED_HOSTS"):
        problems.append(
            "TRUSTED_HOSTS is not set: list the host names the app answers to, comma-separated "
            "(e.g. your-app.herokuapp.com)"
        )
    if config.get("BEHIND_PROXY"):
        if not config.get("ON_PLATFORM"):
            notes.append(
                "BEHIND_PROXY is on without a platform (no DYNO): X-Forwarded-For/-Proto/-Host "
                "are trusted for one hop, so make sure a proxy in front of the app sets them "
                "and that clients cannot reach the app directly (else they choose their address "
                "and escape the login throttle)"
            )
    elif config.get("ON_PLATFORM"):
        problems.append(
            "ProxyFix is off (BEHIND_PROXY is 0) on a platform: behind the platform's router "
            "the app would not see https or the client's address; secure cookies, redirects "
            "and the login throttle break"
        )
    else:
        notes.append(
            "ProxyFix is off (no DYNO and BEHIND_PROXY is not set): X-Forwarded-* headers are "
            "ignored, so clients cannot spoof their address; set BEHIND_PROXY=1 if a proxy "
            "of yours (that overwrites X-Forwarded-For) serves the app"
        )
    if config.get("PREFERRED_URL_SCHEME", "http") != "https":
        problems.append("PREFERRED_URL_SCHEME must be https in production")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE must be on in production")
    if config.get("NOTION_SANDBOX"):
        problems.append("NOTION_SANDBOX must be off in production")
    url = normalize_database_url(config.get("DATABASE_URL") or "")
    if url and not url.startswith(("postgresql", "sqlite")):
        notes.append(f"DATABASE_URL uses {url.split(':', 1)[0]}; only PostgreSQL is tested")
    if not config.get("REDIS_URL"):
        notes.append(
            "REDIS_URL is not set (recommended: add Redis so background sending runs on the "
            "worker dyno and rate-limit counters are shared)"
        )
    if not config.get("MAIL_URL"):
        notes.append(
            "MAIL_URL is not set: mail (someone tried to sign up with your address) is not "
            "sent, only logged; set smtp://host:25, smtp://user:pass@host:587 (STARTTLS) or "
            "smtps://user:pass@host:465, and MAIL_FROM"
        )
    return problems, notes


# check-deploy calls nothing: whether Notion accepts the client id and secret shows only when a
# token is exchanged or refreshed. Say so, and say what the app does when it does not.
NOTION_CREDENTIALS_NOTE = (
    "NOTION_CLIENT_ID / NOTION_CLIENT_SECRET are not verified here (this check calls nothing); "
    "if Notion refuses them (invalid_client) the app logs 'notion refused the client "
    "credentials (invalid_client ...)' at ERROR, people see a 'This app is misconfigured' page "
    "and their rows wait, connections stay connected: fix the settings and the rows go out"
)


def config_from_environ(environ) -> dict:
    """The configuration the environment gives, loaded exactly as the app loads it, without
    starting the app (it may refuse to): every problem is reported below."""
    from flask import Config

    from .. import INSTANCE_PATH, ROOT
    from .. import config as settings

    cfg = Config(str(ROOT))
    settings.load(cfg, str(INSTANCE_PATH), environ, strict=False)
    return dict(cfg)


def print_report(config: dict, echo=print) -> int:
    """Print the checklist; 0 when nothing is missing, 1 otherwise."""
    problems, notes = deploy_report(config)
    for problem in problems:
        echo(f"problem: {problem}")
    for note in notes:
        echo(f"note: {note}")
    echo(f"unchecked: {NOTION_CREDENTIALS_NOTE}")
    if problems:
        echo(f"{len(problems)} problem(s): fix them before deploying (see docs/deploy.md)")
        return 1
    echo("ok: this configuration is ready for production")
    return 0


if __name__ == "__main__":
    import os
    import sys

    # `python -m notion_app.ops.deployment`: the same checklist when the app refuses to start.
    sys.exit(print_report(config_from_environ(os.environ)))
