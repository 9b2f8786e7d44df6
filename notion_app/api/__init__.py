"""The rows API: personal tokens, `/api/v1/` (JSON, bearer tokens, idempotency keys), and its
OpenAPI document. Programs add rows through the same outbox as people (`outbox.submit`).

Modules: `models` (ApiToken, IdempotencyKey), `tokens` (create, authenticate, revoke, scope),
`schemas` (the marshmallow schemas that validate requests and make the OpenAPI document),
`problems` (RFC 9457 answers), `limits` (API_RATE_LIMIT per token), `idempotency`, `rows` (a
request body -> Notion properties with the CSV and row-form parsers), `views` (the API
blueprint), `pages` (the account page's token section and /api/docs), `cli` (`flask api-token`).
"""


def init_app(app) -> None:
    """The API blueprint with its OpenAPI document, the token pages, the CLI command."""
    from . import cli, openapi, pages

    openapi.init_app(app)
    app.register_blueprint(pages.bp)
    cli.init_app(app)
