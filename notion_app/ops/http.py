"""Request-wide behaviour: security headers and the globals every template sees."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_login import current_user

from ..buttons import PostForm


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
