"""Notion's OAuth endpoints: the consent page, the token endpoint, revoke and introspect."""

import secrets
import time
from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from .errors import OAuthError, ok, read_body, state
from .ids import make_id, new_id, now

bp = Blueprint("sandbox_oauth", __name__, url_prefix="/v1/oauth")
CODE_TTL = 600
AUTH_PARAMS = ("client_id", "redirect_uri", "response_type", "owner", "state")


def _error_page(message: str):
    return render_template("sandbox_error.html", message=message), 400


def _check_authorize(params):
    """The client registration behind an authorize request, or an error page (never a redirect)."""
    client = state().clients.get(params.get("client_id", ""))
    if client is None:
        return None, _error_page("Unknown or missing client_id.")
    if params.get("redirect_uri") not in client["redirect_uris"]:
        return None, _error_page("redirect_uri is missing or not registered for this integration.")
    if params.get("response_type") != "code":
        return None, _error_page("response_type must be code.")
    if params.get("owner") != "user":
        return None, _error_page("owner must be user.")
    return client, None


def _redirect(uri: str, **params):
    sep = "&" if "?" in uri else "?"
    return "", 302, {"Location": uri + sep + urlencode(params)}


@bp.get("/authorize")
def authorize_page():
    """Show a consent page like Notion's, with a workspace, user and page picker."""
    params = {k: request.args[k] for k in AUTH_PARAMS if k in request.args}
    client, error = _check_authorize(params)
    if error:
        return error
    st = state()
    workspaces = sorted(st.workspaces.values(), key=lambda w: w["key"])
    if not workspaces:
        return _error_page("The sandbox has no workspaces (it was started without seed data).")
    chosen = request.args.get("workspace", "")
    workspace = next((w for w in workspaces if chosen in (w["key"], w["id"])), workspaces[0])
    people = [u for u in st.users.values() if u["workspace_id"] == workspace["id"]]
    items = st.top_level_items(workspace["id"])
    return render_template("consent.html", client=client, params=params, workspaces=workspaces,
                           workspace=workspace, people=people, items=items,
                           template=st.settings.get("template"))


@bp.post("/authorize")
def authorize_submit():
    """Allow issues a code bound to the client and redirect URI; Cancel sends access_denied."""
    form = request.form
    params = {k: form[k] for k in AUTH_PARAMS if k in form}
    client, error = _check_authorize(params)
    if error:
        return error
    extra = {"state": params["state"]} if "state" in params else {"state": ""}
    action = form.get("action")
    if action not in ("allow", "duplicate"):
        return _redirect(params["redirect_uri"], error="access_denied", **extra)
    st = state()
    with st.lock:
        workspace = st.workspaces.get(form.get("workspace_id", ""))
        user = st.users.get(form.get("user_id", ""))
        if workspace is None or user is None or user["workspace_id"] != workspace["id"]:
            return _error_page("Choose a workspace and one of its members.")
        duplicated = None
        if action == "duplicate":
            if not st.settings.get("template"):
                return _error_page("This integration has no template to duplicate.")
            duplicated = duplicate_template(st, workspace["id"], user["id"])
            picked = {duplicated}
        else:
            offered = {i[1] for i in st.top_level_items(workspace["id"])}
            picked = set(form.getlist("page_ids"))
            if not picked <= offered:
                return _error_page("Some picked pages are not in this workspace.")
        code = secrets.token_urlsafe(24)
        st.codes[code] = {"client_id": client["client_id"], "redirect_uri": params["redirect_uri"],
                          "workspace_id": workspace["id"], "user_id": user["id"],
                          "grants": picked, "granted_at": time.time(),
                          "duplicated_template_id": duplicated,
                          "expires": time.time() + CODE_TTL}
    return _redirect(params["redirect_uri"], code=code, **extra)


def duplicate_template(st, workspace_id: str, user_id: str) -> str:
    """Copy the integration's template into the workspace: a top-level page with a database
    inside (shared with the bot through the page). Returns the new page's id."""
    title = str(st.settings["template"])
    stamp = now()
    page_id, db_id, ds_id = new_id(), new_id(), new_id()
    st.add_page(None, page_id, workspace_id, {"type": "workspace", "workspace": True}, title,
                stamp, user_id)
    props = {"Name": {"id": "title", "name": "Name", "description": None, "type": "title",
                      "title": {}},
             "Notes": {"id": "nts1", "name": "Notes", "description": None, "type": "rich_text",
                       "rich_text": {}}}
    st.add_database(f"template_{db_id[:8]}", db_id, workspace_id, f"{title} rows", None, stamp,
                    [(f"template_{ds_id[:8]}", ds_id, f"{title} rows", props)],
                    parent={"type": "page_id", "page_id": page_id})
    return page_id


def _client_auth():
    auth = request.authorization
    st = state()
    if auth is None or auth.type != "basic":
        raise OAuthError("invalid_client", "Client authentication is required (HTTP Basic).", 401)
    client = st.clients.get(auth.username or "")
    if client is None or not secrets.compare_digest(client["client_secret"], auth.password or ""):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return client


def _body():
    encoding, body = read_body()
    if encoding == "form":
        return body
    if encoding == "json" and isinstance(body, dict):
        return body
    if encoding == "none":
        return {}
    raise OAuthError("invalid_request", "The request body must be a JSON object.")


@bp.post("/token")
def token():
    """Exchange a code or a refresh token for a new access and refresh token."""
    client = _client_auth()
    body = _body()
    grant = body.get("grant_type")
    st = state()
    with st.lock:
        duplicated = None
        if grant == "authorization_code":
            bot_id, duplicated = _redeem_code(st, client, body)
        elif grant == "refresh_token":
            bot_id = _redeem_refresh(st, client, body)
        elif not grant:
            raise OAuthError("invalid_request", "grant_type is required.")
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type: {grant}.")
        access, refresh = st.issue_tokens(bot_id)
        bot = st.bots[bot_id]
        ws = st.workspaces[bot["workspace_id"]]
        # "bearer" is a token type, not a password (bandit B105).
        return ok({  # nosec B105
            "access_token": access, "token_type": "bearer", "refresh_token": refresh,
            "bot_id": bot_id, "workspace_id": ws["id"], "workspace_name": ws["name"],
            "workspace_icon": ws["icon"],
            "owner": {"type": "user", "user": st.user_object(bot["user_id"])},
            "duplicated_template_id": duplicated,
        })


def _redeem_code(st, client, body) -> tuple[str, str | None]:
    code = body.get("code")
    if not isinstance(code, str) or not code:
        raise OAuthError("invalid_request", "code is required.")
    if "redirect_uri" not in body:
        raise OAuthError("invalid_request", "redirect_uri is required.")
    entry = st.codes.pop(code, None)
    if entry is None:
        raise OAuthError("invalid_grant", "Invalid code: this code has been revoked.")
    if entry["expires"] < time.time():
        raise OAuthError("invalid_grant", "Invalid code: this code has expired.")
    if entry["client_id"] != client["client_id"]:
        raise OAuthError("invalid_grant", "Invalid code: this code was issued to another client.")
    if entry["redirect_uri"] != body.get("redirect_uri"):
        raise OAuthError("invalid_grant", "redirect_uri does not match the redirection URI used "
                         "in the authorization request.")
    bot_id = make_id("bot", client["client_id"], entry["workspace_id"], entry["user_id"])
    bot = st.bots.setdefault(bot_id, {"bot_id": bot_id, "access": None, "refresh": None})
    before = bot.get("granted_at") or {}
    bot.update(client_id=client["client_id"], workspace_id=entry["workspace_id"],
               user_id=entry["user_id"], grants=set(entry["grants"]),
               granted_at={i: before.get(i, entry["granted_at"]) for i in entry["grants"]})
    return bot_id, entry.get("duplicated_template_id")


def _redeem_refresh(st, client, body) -> str:
    token = body.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise OAuthError("invalid_request", "refresh_token is required.")
    entry = st.refresh_tokens.get(token)
    if entry is None or st.bots[entry["bot_id"]]["client_id"] != client["client_id"]:
        raise OAuthError("invalid_grant", "Invalid refresh token.")
    return entry["bot_id"]


@bp.post("/introspect")
def introspect():
    """Whether a token is active, and when it was issued."""
    client = _client_auth()
    tok = _body().get("token")
    st = state()
    with st.lock:
        entry = st.access_tokens.get(tok) if isinstance(tok, str) else None
        if entry and st.bots[entry["bot_id"]]["client_id"] == client["client_id"]:
            return ok({"active": True, "iat": entry["iat"]})
    return ok({"active": False})


@bp.post("/revoke")
def revoke():
    """Kill an access token or a refresh token, and record which.

    Whether Notion also kills the other token of the pair is unconfirmed:
    by default only the named token dies, so a client has to revoke both; the
    `revoke_cascades` setting kills the pair. Unknown tokens get 200 too (RFC 7009).
    """
    client = _client_auth()
    tok = _body().get("token")
    if not isinstance(tok, str) or not tok:
        raise OAuthError("invalid_request", "token is required.")
    st = state()
    with st.lock:
        kind = "access" if tok in st.access_tokens else "refresh" if tok in \
            st.refresh_tokens else None
        entry = st.access_tokens.get(tok) or st.refresh_tokens.get(tok)
        bot = st.bots[entry["bot_id"]] if entry else None
        if bot is None or bot["client_id"] != client["client_id"]:
            kind, bot = None, None
        st.revocations.append({"kind": kind or "unknown",
                               "bot_id": bot["bot_id"] if bot else None})
        if bot is not None:
            both = st.settings.get("revoke_cascades")
            if kind == "access" or both:
                st.access_tokens.pop(bot["access"], None)
                bot["access"] = None
            if kind == "refresh" or both:
                st.refresh_tokens.pop(bot["refresh"], None)
                bot["refresh"] = None
    return ok({})
