"""Request-wide behaviour: security headers and the globals every template sees."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, redirect, request
from flask_login import current_user

from ..buttons import PostForm

# Names a browser on this machine may use for the app; development sends them all to one.
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]"}
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
# The forms whose bodies carry files (ROW_UPLOAD_MAX_MB instead of MAX_CONTENT_LENGTH).
UPLOAD_ENDPOINTS = {"data_sources.append_row"}


def init_app(app: Flask) -> None:
    if not app.config.get("PRODUCTION"):
        # First of all: no session, CSRF check or login runs for a host about to be left.
        app.before_request_funcs.setdefault(None, []).insert(0, _to_configured_host)
    # Before the CSRF check reads the body: the forms that take files take larger bodies.
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
    app.context_processor(
        lambda: {
            # formdata=None: never parse the body here (a 413 page must not re-raise 413).
            "logout_form": PostForm(formdata=None),
            "sandbox_on": _sandbox_on(app),
            "view_functions": app.view_functions,
        }
    )


def _to_configured_host():
    """Development: a request for 127.0.0.1 goes to the configured host (NOTION_REDIRECT_URI's),
    where Notion's sign-in comes back; otherwise the session cookie stays behind on 127.0.0.1 and
    the connection fails. The redirect URI itself always comes from configuration (T6)."""
    target = urlsplit(current_app.config.get("NOTION_REDIRECT_URI") or "")
    if not target.netloc or request.host == target.netloc:
        return None
    if request.host.rsplit(":", 1)[0] not in LOOPBACK_NAMES:
        return None
    path = request.full_path if request.query_string else request.path
    # 307 keeps a form's method and body; a page is simply fetched again.
    return redirect(f"{target.scheme}://{target.netloc}{path}",
                    302 if request.method in ("GET", "HEAD") else 307)


def _upload_limit():
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = int(current_app.config["ROW_UPLOAD_MAX_MB"] * 1024 * 1024)


def _refuse_nul():
    """No field takes a NUL character and PostgreSQL cannot store one: a request carrying one
    (wapiti sends `%00`) gets a 400 that says so, not a 500 at the first query."""
    if request.blueprint == "api":
        return None  # the rows API refuses bad values itself, as problems (api/problems.py)
    values = list(request.args.items(multi=True))
    if request.mimetype in FORM_TYPES:
        values += request.form.items(multi=True)
    if any("\x00" in name or "\x00" in value for name, value in values):
        from ..errors import page

        return page(400, "This form contains a NUL character",
                    "No field accepts the NUL character (\\0). Go back, remove it and submit "
                    "again; nothing was saved.")
    return None


def _sandbox_on(app: Flask) -> bool:
    return bool(app.config.get("NOTION_SANDBOX"))


def _security_headers(response):
    """Security headers on every answer (docs/architecture.md); no-store on signed-in pages."""
    authorize_origin = _origin(current_app.config["NOTION_API_BASE_URL"])
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action 'self' {authorize_origin}",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("PRODUCTION"):
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if current_user.is_authenticated or request.path.startswith("/notion/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
