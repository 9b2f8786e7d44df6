"""gunicorn settings for the Procfile's `web:` line; every knob can come from the environment.

gthread workers: a slow Notion call holds one thread, not a whole worker. Timeouts stay under the
platform router's 30 s, so a stuck request is ended by gunicorn (and logged) before the router
gives the user an H12. The access log goes to stdout and never contains a query string (an OAuth
callback carries the authorization code in it): `%(U)s` is the path only.
"""

import multiprocessing
import os


def _int(name: str, default: int, least: int = 1) -> int:
    try:
        return max(least, int(os.environ.get(name, default)))
    except ValueError:
        return default


bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", min(4, 2 * multiprocessing.cpu_count()))
threads = _int("GUNICORN_THREADS", 8)
timeout = _int("GUNICORN_TIMEOUT", 25)  # < the router's 30 s
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)  # < the platform's 30 s SIGTERM grace
keepalive = 5
# Recycle workers now and then (bounded memory) -- except when the built-in Notion sandbox of
# development runs inside one of them: recycling that worker would wipe the sandbox's state.
_on = {"1", "true", "yes", "on"}
_sandbox = os.environ.get("NOTION_SANDBOX", "").lower() in _on or not (
    os.environ.get("NOTION_CLIENT_ID") or os.environ.get("DYNO")
    or os.environ.get("APP_ENV") == "production"
)
# 0 turns recycling off (gunicorn's meaning); it must not become "recycle after every request".
# Off by default: worker memory stays flat (bench/README.md) and each restart costs tail latency.
max_requests = 0 if _sandbox else _int("GUNICORN_MAX_REQUESTS", 0, least=0)
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")  # ProxyFix does the trusting
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No %(r)s / %(q)s: they include the query string. pid tells which worker answered.
access_log_format = (
    '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms pid=%(p)s '
    'request_id=%({x-request-id}i)s'
)
