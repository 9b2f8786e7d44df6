"""Request-wide behaviour: security headers, error pages, template globals."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from .forms import PostForm


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    app.context_processor(
        lambda: {
            # formdata=None: never parse the body here (a 413 page must not re-raise 413).
            "logout_form": PostForm(formdata=None),
            "sandbox_on": _sandbox_on(app),
            "view_functions": app.view_functions,
        }
    )
    app.register_error_handler(400, _error_page(400, "Bad request"))
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(403, _error_page(403, "Forbidden"))
    app.register_error_handler(404, _error_page(404, "Page not found"))
    app.register_error_handler(405, _error_page(405, "Method not allowed"))
    app.register_error_handler(413, _error_page(413, "File too large"))
    app.register_error_handler(500, _error_page(500, "Something went wrong"))


def _sandbox_on(app: Flask) -> bool:
    return bool(app.config.get("NOTION_SANDBOX"))


def _error_page(status: int, title: str):
    def handler(_error):
        return render_template("errors/error.html", status=status, title=title), status

    return handler


def _csrf_error(error: CSRFError):
    html = render_template(
        "errors/error.html",
        status=400,
        title="This form has expired",
        detail="Go back, reload the page and submit the form again.",
    )
    return html, 400


def _untrusted_host(_error):
    """A Host outside TRUSTED_HOSTS: no URL can be built for it, so no templated page."""
    return "Bad request: unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}


def _security_headers(response):
    """The headers of security.md; no-store on every signed-in page."""
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
