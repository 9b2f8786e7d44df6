"""Public forms (issue 15): a link anyone can open to add a row to its owner's data source.

`builder` holds the owner's pages, `public` the visitor's /f/<id>; `settings` (the builder's
work), `fields` (which properties a visitor fills in), `tokens` (the stateless anti-forgery
token), `abuse` (honeypot, rate limits, closed forms), `submissions` (answers -> the outbox),
`embedding` (who may frame a form), `uploads` (visitors' files) and `failures` (the owner's mail
when Notion refuses a row) do the work. `init_app` wires them into the app.
"""

from __future__ import annotations

from flask import Flask, current_app, request


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from ..outbox import listeners
    from . import builder, embedding, failures, public

    app.register_blueprint(builder.bp)
    app.register_blueprint(public.bp)
    # The signed token of tokens.py replaces the session's CSRF token, which a form inside
    # another site's <iframe> never has (its SameSite=Lax cookie is not sent there).
    csrf.exempt(public.bp)
    # First of all, before anything reads the body (ops/http.py's NUL check does).
    app.before_request_funcs.setdefault(None, []).insert(0, _body_limit)
    # Registered before ops/http.py's security headers, so it runs after them.
    app.after_request(embedding.frame_headers)
    listeners.on_failed(app, failures.row_failed)  # "Email me when a submission fails"


def _body_limit():
    """1 MB of answers (FORM_BODY_MAX_MB); a form with a file picker takes its files too, up to
    FORM_UPLOAD_MAX_MB in all (each file is also held to the form's own cap, uploads.py)."""
    if request.endpoint == "public_forms.submit":
        from . import public, uploads

        form = public.find((request.view_args or {}).get("public_id", ""))
        if form is not None and public.takes_files(form):
            request.max_content_length = uploads.body_cap()
        else:
            request.max_content_length = int(current_app.config["FORM_BODY_MAX_MB"] * 1024 * 1024)
