"""Public forms (issue 15): a link anyone can open to add a row to its owner's data source.

`builder` holds the owner's pages, `public` the visitor's /f/<id>; `settings` (the builder's
work), `fields` (which properties a visitor fills in), `tokens` (the stateless anti-forgery
token), `abuse` (honeypot, rate limits, closed forms), `submissions` (answers -> the outbox) and
`embedding` (who may frame a form) do the work. `init_app` wires them into the app.
"""

from __future__ import annotations

from flask import Flask, current_app, request


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from . import builder, embedding, public

    app.register_blueprint(builder.bp)
    app.register_blueprint(public.bp)
    # The signed token of tokens.py replaces the session's CSRF token, which a form inside
    # another site's <iframe> never has (its SameSite=Lax cookie is not sent there).
    csrf.exempt(public.bp)
    # First of all, before anything reads the body (ops/http.py's NUL check does).
    app.before_request_funcs.setdefault(None, []).insert(0, _body_limit)
    # Registered before ops/http.py's security headers, so it runs after them.
    app.after_request(embedding.frame_headers)


def _body_limit():
    if request.endpoint == "public_forms.submit":
        request.max_content_length = int(current_app.config["FORM_BODY_MAX_MB"] * 1024 * 1024)
