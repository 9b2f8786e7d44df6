"""Notion's OAuth: Authlib's registry does the authorize and token legs; refresh, revoke here.

Notion wants HTTP Basic client auth and a JSON body on its token endpoint (`POST /v1/oauth/token`),
while Authlib sends form-encoded bodies. A registered client auth method keeps Authlib's flow and
changes only the body encoding.
"""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import parse_qsl

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from .errors import parse_retry_after

log = logging.getLogger(__name__)

AUTH_METHOD = "client_secret_basic_json"
TOKEN_FIELDS_REQUIRED = ("access_token", "bot_id")


class TokenResponseError(Exception):
    """The token endpoint did not give us a usable token; `reason` is safe to show."""

    def __init__(self, reason: str, status: int | None = None, code: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code


class TokenEndpointUnavailable(TokenResponseError):
    """The token endpoint could not be reached, failed or asked us to slow down (network,
    timeout, 5xx, 429): temporary. `retry_after` is Notion's Retry-After when it sent one."""

    def __init__(self, reason: str, status: int | None = None, code: str | None = None,
                 retry_after: float | None = None):
        super().__init__(reason, status, code)
        self.retry_after = retry_after


class TokenGrantRejected(TokenResponseError):
    """`invalid_grant`: the refresh token is revoked, expired or already used. Only this means
    the person has to reconnect."""


class ClientMisconfigured(TokenResponseError):
    """`invalid_client`: Notion refused this app's client id or secret. The operator's
    configuration, not the person's: reconnecting cannot fix it."""


def _basic(client_id: str, client_secret: str) -> str:
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def basic_json_auth(auth, method, uri, headers, body):
    """Authlib client auth method: Basic credentials, and the form body re-encoded as JSON."""
    headers["Authorization"] = _basic(auth.client_id, auth.client_secret)
    fields = dict(parse_qsl(body or "", keep_blank_values=True))
    body = json.dumps(fields)
    headers["Content-Type"] = "application/json"
    headers["Content-Length"] = str(len(body.encode()))
    return uri, headers, body


def init_app(app: Flask) -> None:
    """Register `notion` on an OAuth registry of this app's own.

    One registry per app: Authlib caches a created client, so a shared registry would keep the
    first app's credentials and endpoints for every later app (tests make many apps).
    """
    oauth = OAuth(app)
    base = app.config["NOTION_API_BASE_URL"].rstrip("/")
    oauth.register(
        "notion",
        client_id=app.config.get("NOTION_CLIENT_ID"),
        client_secret=app.config.get("NOTION_CLIENT_SECRET"),
        authorize_url=f"{base}/v1/oauth/authorize",
        authorize_params={"owner": "user"},
        access_token_url=f"{base}/v1/oauth/token",
        client_auth_methods=[(AUTH_METHOD, basic_json_auth)],
        client_kwargs={
            "token_endpoint_auth_method": AUTH_METHOD,
            "timeout": app.config["NOTION_TOKEN_TIMEOUT"],
            "headers": {"Notion-Version": app.config["NOTION_VERSION"]},
        },
    )


def notion() -> OAuth:
    """This app's Authlib client for Notion."""
    return current_app.extensions["authlib.integrations.flask_client"].notion


def validate_token(token: dict | None) -> dict:
    """Accept only a real token response: Authlib hands back error bodies as if they were tokens."""
    if not isinstance(token, dict):
        raise TokenResponseError("Notion sent an answer we could not read.")
    if "error" in token or token.get("object") == "error":
        code = token.get("error") or token.get("code")
        raise TokenResponseError(_describe(code), code=str(code))
    missing = [
        f for f in TOKEN_FIELDS_REQUIRED if not isinstance(token.get(f), str) or not token[f]
    ]
    if missing:
        raise TokenResponseError("Notion's answer had no access token.")
    refresh = token.get("refresh_token")
    if refresh is not None and not isinstance(refresh, str):
        raise TokenResponseError("Notion's answer had a malformed refresh token.")
    return token


def _describe(code) -> str:
    return {
        "invalid_grant": "The authorization code was not accepted (it may have expired). "
        "Please connect again.",
        "invalid_client": "Notion did not accept this app's client credentials. "
        "The administrator needs to check NOTION_CLIENT_ID and NOTION_CLIENT_SECRET.",
    }.get(code, "Notion refused the authorization. Please try again.")


def _oauth_post(path: str, payload: dict) -> requests.Response:
    cfg = current_app.config
    url = cfg["NOTION_API_BASE_URL"].rstrip("/") + path
    return requests.post(  # nosec B113 - the timeout is the next argument
        url,
        timeout=cfg["NOTION_TOKEN_TIMEOUT"],
        data=json.dumps(payload),
        headers={
            "Authorization": _basic(cfg["NOTION_CLIENT_ID"], cfg["NOTION_CLIENT_SECRET"]),
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Notion-Version": cfg["NOTION_VERSION"],
        },
    )


UNAVAILABLE = "Notion could not be reached to refresh the token."
MISCONFIGURED = (
    "This app's Notion settings are wrong (Notion refused its client credentials). "
    "The administrator has to fix NOTION_CLIENT_ID / NOTION_CLIENT_SECRET."
)


def refresh_token(refresh: str) -> dict:
    """Exchange a refresh token for a new access token and a new refresh token.

    Only `invalid_grant` raises `TokenGrantRejected` (reconnect). `invalid_client` raises
    `ClientMisconfigured`; a network failure, timeout, 429 or 5xx `TokenEndpointUnavailable`;
    anything else unreadable the base `TokenResponseError` (temporary too).
    """
    payload = {"grant_type": "refresh_token", "refresh_token": refresh}
    try:
        resp = _oauth_post("/v1/oauth/token", payload)
    except requests.RequestException as exc:
        log.warning("notion token refresh failed: %s", type(exc).__name__)
        raise TokenEndpointUnavailable(UNAVAILABLE, code=type(exc).__name__) from None
    try:
        body = resp.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    code = body.get("error") or body.get("code")
    code = code if isinstance(code, str) else None
    if resp.status_code >= 500 or resp.status_code == 429:
        log.warning("notion token refresh answered %s (temporary)", resp.status_code)
        raise TokenEndpointUnavailable(
            UNAVAILABLE, resp.status_code, code,
            retry_after=parse_retry_after(resp.headers.get("Retry-After")),
        )
    if resp.status_code != 200:
        if code == "invalid_grant":
            raise TokenGrantRejected(_describe(code), resp.status_code, code)
        if code == "invalid_client":
            log.error(
                "notion refused the client credentials (invalid_client, HTTP %s): check "
                "NOTION_CLIENT_ID and NOTION_CLIENT_SECRET", resp.status_code,
            )
            raise ClientMisconfigured(MISCONFIGURED, resp.status_code, code)
        log.warning("notion token refresh refused: HTTP %s %s", resp.status_code, code)
        raise TokenResponseError(UNAVAILABLE, resp.status_code, code)
    return validate_token(body)


class RevokeNotConfirmed(Exception):
    """Notion did not confirm a revoke (no answer, an error status, or an unreadable body)."""


def revoke_token(token: str) -> None:
    """Revoke one token (access or refresh) at Notion; `RevokeNotConfirmed` unless Notion
    answered 200 with a JSON object that is not an error (`{}` or `{"request_id": ...}`)."""
    try:
        resp = _oauth_post("/v1/oauth/revoke", {"token": token})
    except requests.RequestException as exc:
        raise RevokeNotConfirmed(f"no answer ({type(exc).__name__})") from None
    try:
        body = resp.json()
    except ValueError:
        body = None
    if resp.status_code != 200:
        code = body.get("error") or body.get("code") if isinstance(body, dict) else None
        raise RevokeNotConfirmed(f"HTTP {resp.status_code}" + (f" {code}" if code else ""))
    if not isinstance(body, dict) or "error" in body or body.get("object") == "error":
        raise RevokeNotConfirmed("an answer that was not a confirmation")
