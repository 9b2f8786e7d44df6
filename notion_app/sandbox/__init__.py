"""A contract-faithful stand-in for the Notion API, for the demo and every test.

Never imported by the app outside dev mode and tests.
"""

from flask import Flask, request

from . import api, control, faults, oauth, uploads
from .errors import NotionError, OAuthError, error_response, oauth_error_response
from .state import SandboxState


def create_sandbox_app(settings: dict | None = None) -> Flask:
    """Build the sandbox: its own state, seeded with demo data, and its blueprints."""
    app = Flask(__name__)
    app.extensions["notion_sandbox"] = SandboxState(settings)
    app.before_request(faults.record_request)
    app.after_request(faults.finish_request)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(uploads.bp)
    app.register_blueprint(control.bp)
    app.register_error_handler(NotionError, error_response)
    app.register_error_handler(OAuthError, oauth_error_response)
    app.register_error_handler(404, _unknown_url)
    app.register_error_handler(405, _unknown_url)
    return app


def _unknown_url(error):
    """Notion answers unknown paths and methods with invalid_request_url."""
    if request.path.startswith("/v1/"):
        return error_response(NotionError(400, "invalid_request_url", "Invalid request URL."))
    return error
