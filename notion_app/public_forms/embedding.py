"""Who may show a public form in an <iframe>: the form's own allowed origins, nobody else.

The app's pages all say `frame-ancestors 'none'` (ops/http.py). A public form's pages say
`frame-ancestors` with the origins its owner listed (still 'none' when there are none), and
drop X-Frame-Options (which cannot list origins; CSP wins where both are given). A redirect
after sending goes to the owner's https:// page, so that origin is added to `form-action`.
Public form pages are never cached: each carries a freshly signed token.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import g

from .models import PublicForm

BASE_POLICY = ("default-src 'self'; img-src 'self' https: data:; object-src 'none'; "
               "base-uri 'none'")


def policy(form: PublicForm) -> str:
    ancestors = " ".join(form.embed_origins or []) or "'none'"
    action = "'self'"
    if form.redirect_url:
        parts = urlsplit(form.redirect_url)
        action += f" {parts.scheme}://{parts.netloc}"
    return f"{BASE_POLICY}; frame-ancestors {ancestors}; form-action {action}"


def snippet(url: str, title: str) -> str:
    """The <iframe> an owner pastes into their page."""
    from markupsafe import escape

    return (f'<iframe src="{escape(url)}" title="{escape(title)}" width="100%" height="800" '
            f'style="border:0" loading="lazy"></iframe>')


def frame_headers(response):
    """After the app's own headers (registered before them, so it runs after): the form's."""
    form = g.get("public_form")
    if form is not None:
        response.headers["Content-Security-Policy"] = policy(form)
        if form.embed_origins:
            response.headers.pop("X-Frame-Options", None)
        response.headers["Cache-Control"] = "no-store"
    return response
