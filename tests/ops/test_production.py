"""The app in its production configuration: T14 cookie flags, T21 security headers on every
route, T34 generic error pages, proxy headers, trusted hosts, the health check."""

from __future__ import annotations

import logging
import re

import pytest
from cryptography.fernet import Fernet
from helpers import PASSWORD

from notion_app import create_app
from notion_app.extensions import db

HOST = "app.example.com"
BASE = f"https://{HOST}"
CANARY = "prod-secret-key-canary-" + "c" * 24
CLIENT_SECRET = "prod-client-secret-canary-77aa"


def production_config(database_uri: str, **extra) -> dict:
    config = {
        "APP_ENV": "production",
        "SECRET_KEY": CANARY,
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        # Passes the "Postgres in production" check; the tests' database is used underneath.
        "DATABASE_URL": "postgres://user@db.example.com:5432/app",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "NOTION_CLIENT_ID": "prod-client",
        "NOTION_CLIENT_SECRET": CLIENT_SECRET,
        "NOTION_REDIRECT_URI": f"{BASE}/notion/callback",
        "NOTION_API_BASE_URL": "http://127.0.0.1:9",
        "TRUSTED_HOSTS": [HOST],
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "BACKGROUND_SENDER": False,
        "BEHIND_PROXY": True,  # as on a dyno (config.from_environ turns it on with DYNO)
    }
    config.update(extra)
    return config


@pytest.fixture
def prod_app(app):
    """The production configuration on the test database (`app` made the tables)."""
    prod = create_app(production_config(app.config["SQLALCHEMY_DATABASE_URI"]))

    @prod.get("/_test/boom")
    def boom():
        raise RuntimeError(f"kaboom with {CANARY} and {CLIENT_SECRET} inside")

    @prod.get("/_test/where")
    def where():
        from flask import request

        return {"scheme": request.scheme, "remote": request.remote_addr, "host": request.host,
                "secure": request.is_secure}

    yield prod
    with prod.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def prod_client(prod_app):
    client = prod_app.test_client()
    client.environ_base.update(HTTP_HOST=HOST, HTTP_REFERER=f"{BASE}/")
    return client


def form_post(client, page, action=None, data=None):
    html = client.get(page, base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    return client.post(action or page, base_url=BASE, data={"csrf_token": token, **(data or {})})


def signup(client, email="prod@example.com"):
    resp = form_post(client, "/auth/signup", data={"email": email, "password": PASSWORD,
                                                   "confirm": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return resp


def test_production_config_is_hardened(prod_app):
    cfg = prod_app.config
    assert cfg["PRODUCTION"] and not cfg["NOTION_SANDBOX"]
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]
    assert cfg["PREFERRED_URL_SCHEME"] == "https"
    assert cfg["BEHIND_PROXY"]


def test_t14_cookie_flags_in_production(prod_client):
    """T14: every cookie the app sets is Secure, HttpOnly and SameSite=Lax."""
    set_cookies = []
    set_cookies += prod_client.get("/auth/signup", base_url=BASE).headers.getlist("Set-Cookie")
    set_cookies += signup(prod_client).headers.getlist("Set-Cookie")
    logout = form_post(prod_client, "/connections", "/auth/logout")
    set_cookies += logout.headers.getlist("Set-Cookie")
    login = form_post(prod_client, "/auth/login",
                      data={"email": "prod@example.com", "password": PASSWORD})
    assert login.status_code == 302
    set_cookies += login.headers.getlist("Set-Cookie")
    assert set_cookies
    for cookie in set_cookies:
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly"} <= flags, cookie
        assert "SameSite=Lax" in cookie, cookie


def route_urls(app) -> list[tuple[str, str]]:
    """(method, url) for every route, with placeholder arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            found.append(("GET", "/static/app.css"))
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{arg}>", "1", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


REQUIRED_HEADERS = {
    "Content-Security-Policy": None,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def missing_headers(resp, signed_in: bool) -> list[str]:
    missing = [name for name, value in REQUIRED_HEADERS.items()
               if resp.headers.get(name) is None or (value and resp.headers[name] != value)]
    csp = resp.headers.get("Content-Security-Policy", "")
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'", "form-action 'self' http://127.0.0.1:9"):
        if directive not in csp:
            missing.append(f"CSP {directive}")
    if signed_in and resp.headers.get("Cache-Control") != "no-store":
        missing.append("Cache-Control: no-store")
    return missing


def test_t21_security_headers_on_every_route(prod_app, prod_client):
    """T21: every route, GET and POST, logged out and in, answers with every header."""
    routes = route_urls(prod_app)
    assert len(routes) >= 12
    problems = []
    for signed_in in (False, True):
        if signed_in:
            signup(prod_client, "headers@example.com")
        for method, url in routes:
            if url == "/auth/logout" or "delete" in url:
                continue  # would end the session half way; covered by the POST-without-CSRF run
            resp = prod_client.open(url, method=method, base_url=BASE)
            assert resp.status_code < 500 or url == "/_test/boom", (method, url, resp.status_code)
            problems += [(method, url, signed_in, h) for h in missing_headers(resp, signed_in)]
            resp.close()
    for url in ("/auth/logout", "/auth/account/delete", "/no/such/page"):
        resp = prod_client.post(url, base_url=BASE)
        problems += [("POST", url, True, h) for h in missing_headers(resp, True)]
    assert problems == [], f"{len(problems)} missing: {problems[:10]}"


def test_t34_forced_errors_show_a_generic_page(prod_client, caplog):
    """T34: an exception in a view gives the generic page: no traceback, no secret."""
    caplog.set_level(logging.DEBUG)
    resp = prod_client.get("/_test/boom", base_url=BASE)
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "Something went wrong" in html
    for leak in ("Traceback", "RuntimeError", "kaboom", CANARY, CLIENT_SECRET, "File \""):
        assert leak not in html
        assert all(leak not in v for v in resp.headers.values())
    assert "Exception on /_test/boom" in caplog.text  # logged for the operator...
    assert CANARY not in caplog.text and CLIENT_SECRET not in caplog.text  # ...redacted


def test_t34_database_down_gives_generic_page_and_503_health(app):
    """T34: with the database unreachable, pages are generic 500s and /healthz a 503 JSON."""
    down = create_app(production_config(
        "postgresql+psycopg://nobody@127.0.0.1:9/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    ))
    client = down.test_client()
    client.environ_base.update(HTTP_HOST=HOST, HTTP_REFERER=f"{BASE}/")
    health = client.get("/healthz", base_url=BASE)
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "down"}
    resp = form_post(client, "/auth/login", data={"email": "a@b.co", "password": "x" * 12})
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "Something went wrong" in html
    for leak in ("Traceback", "OperationalError", "psycopg", "127.0.0.1:9", CANARY):
        assert leak not in html


def test_proxy_headers_are_trusted_one_hop(prod_client):
    resp = prod_client.get("/_test/where", base_url=f"http://{HOST}", headers={
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
    })
    assert resp.get_json() == {"scheme": "https", "remote": "203.0.113.9", "host": HOST,
                               "secure": True}


def test_untrusted_hosts_are_refused(prod_client):
    assert prod_client.get("/", base_url="https://evil.example").status_code == 400
    spoofed = prod_client.get("/", base_url=BASE, headers={"X-Forwarded-Host": "evil.example"})
    assert spoofed.status_code == 400
    assert prod_client.get("/", base_url=BASE).status_code == 200


def test_healthz_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
