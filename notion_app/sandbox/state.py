"""The sandbox's in-memory world: seed objects, tokens, codes, faults and the request log."""

import copy
import secrets
import threading
import time

from . import seed
from .ids import iso, make_id, notion_url, plain, rich_text_item

DEFAULT_SETTINGS = {
    "latency_ms": 0,
    # Per access token, and per workspace shared by all its tokens (Notion has both, §5.3).
    "rate_limit": {"rate": 3.0, "burst": 10, "workspace": {"rate": 3.0, "burst": 10}},
    "random_faults": None,
    "hang_seconds": 65.0,
    # A body over 500 KB is refused before anything is created: with a 413 from the edge
    # (an HTML page) or with Notion's 400 validation_error. Which one Notion sends is unconfirmed.
    "oversize_status": 413,
    # Notion's "500 KB" (read as 500,000 bytes); tests lower it to play a Notion stricter than
    # the app's own measure.
    "max_body_bytes": 500_000,
    # Notion applies a template after the create has answered: this long after, here.
    "template_delay_ms": 500,
    # Search is eventually consistent: it leaves out what was shared less than this many seconds
    # ago (directly or through a parent page), while GET answers at once.
    "search_index_delay": 0,
    # Data source queries are eventually consistent too: a row created less than this many
    # seconds ago is not in a query's results yet (GET /v1/pages/{id} finds it at once).
    "query_index_delay": 0,
    # The integration lacks the "read user information" capability: GET /v1/users is a 403.
    "users_forbidden": False,
    # The integration has a template: the consent page offers to duplicate it (its title).
    "template": None,
    "revoke_cascades": False,
    # Whether a select/multi-select value with a new name adds the option (unconfirmed, §4.1);
    # off: Notion refuses it ("... is an invalid select option for property X.").
    "select_new_options": True,
    # The workspace's per-file limit (`bot.workspace_limits` of GET /v1/users/me): 5 MiB on a
    # free plan, more on paid ones.
    "max_file_upload_size_in_bytes": 5 * 1024 * 1024,
    # A file upload not attached to a page within this many seconds expires (about an hour).
    "upload_expiry_seconds": 3600,
    # external_url imports: the sandbox cannot fetch, so they succeed at once, or fail with this.
    "external_import_fails": False,
}


def _token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32).replace("-", "x").replace("_", "y")


class SandboxState:
    """Everything the sandbox knows; one lock guards every change."""

    def __init__(self, settings: dict | None = None):
        self.lock = threading.RLock()
        self.clients: dict[str, dict] = {}
        self.initial = dict(DEFAULT_SETTINGS)
        for key in DEFAULT_SETTINGS:
            if settings and key in settings:
                self.initial[key] = copy.deepcopy(settings[key])
        self.seeded = True if settings is None else settings.get("seed", True)
        # The control API (/_sandbox/...) answers only callers that send this secret
        # (X-Sandbox-Secret); None leaves it open (tests' own sandboxes). Never in `settings`,
        # so GET /_sandbox/settings cannot show it.
        self.control_secret: str | None = (settings or {}).get("control_secret")
        for client in (settings or {}).get("clients", []):
            self.register_client(client)
        self.reset()

    # ----- lifecycle -------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.settings = copy.deepcopy(self.initial)
            self.workspaces, self.users, self.databases, self.data_sources = {}, {}, {}, {}
            self.pages: dict[str, dict] = {}
            self.keys: dict[str, dict] = {"pages": {}, "databases": {}}
            self.codes, self.bots, self.access_tokens, self.refresh_tokens = {}, {}, {}, {}
            self.requests: list[dict] = []
            self.faults: list[dict] = []
            self.ambiguous = {"count": 0, "mode": "status", "status": 502}
            self.buckets: dict[str, list[float]] = {}
            self.created_pages: list[dict] = []
            self.updated_pages: list[dict] = []  # every PATCH /v1/pages, oldest first
            # Page templates by id: {"id", "name", "is_default", "data_source_id", "values",
            # "content"}; not pages of the data source (queries and search never list them).
            self.templates: dict[str, dict] = {}
            # File uploads by id (files.py), and every send's size and SHA-256, oldest first.
            self.uploads: dict[str, dict] = {}
            self.received: list[dict] = []
            self.revocations: list[dict] = []  # {"kind": access|refresh|unknown, "bot_id"}
            if self.seeded:
                seed.build(self)

    def register_client(self, client: dict) -> dict:
        entry = {
            "client_id": str(client["client_id"]),
            "client_secret": str(client["client_secret"]),
            "redirect_uris": [str(u) for u in client.get("redirect_uris", [])],
            "name": str(client.get("name") or "Sandbox integration"),
        }
        with self.lock:
            self.clients[entry["client_id"]] = entry
        return entry

    # ----- seed builders ---------------------------------------------------------------------
    def add_workspace(self, key, wid, name, icon):
        self.workspaces[wid] = {"key": key, "id": wid, "name": name, "icon": icon}

    def workspace_key(self, key):
        return next(w for w in self.workspaces.values() if w["key"] == key)

    def add_user(self, key, uid, name, email, workspace_id, guest=False):
        self.users[uid] = {"key": key, "id": uid, "name": name, "email": email,
                           "workspace_id": workspace_id, "guest": guest}

    def add_page(self, key, pid, workspace_id, parent, title, created, author):
        page = self._new_page(pid, workspace_id, parent, created, author)
        page["values"]["title"] = [rich_text_item(title)]
        page["title_prop"] = "title"
        self.pages[pid] = page
        if key:
            self.keys["pages"][key] = pid
        return page

    def add_database(self, key, dbid, workspace_id, title, icon, created, sources, parent=None):
        self.databases[dbid] = {
            "key": key, "id": dbid, "title": title, "workspace_id": workspace_id,
            "parent": dict(parent or seed.TOP), "icon": icon, "created_time": created,
            "data_source_ids": [s[1] for s in sources],
        }
        self.keys["databases"][key] = dbid
        for ds_key, dsid, name, props in sources:
            self.data_sources[dsid] = {"key": ds_key, "id": dsid, "name": name,
                                       "database_id": dbid, "properties": props,
                                       "created_time": created, "next_unique": 1}

    def add_template(self, key, tid, ds_id, name, simple: dict, content: list[str],
                     is_default=False):
        """A page template of a data source: property values (simple python values, as in
        `add_row`) and paragraphs of content, applied to a page created with it."""
        ds = self.data_sources[ds_id]
        values = {n: self._simple_value(ds["properties"][n], v) for n, v in simple.items()}
        self.templates[tid] = {"key": key, "id": tid, "name": name, "is_default": is_default,
                               "data_source_id": ds_id, "values": values,
                               "content": list(content)}
        return self.templates[tid]

    def templates_of(self, ds_id: str) -> list[dict]:
        return [t for t in self.templates.values() if t["data_source_id"] == ds_id]

    def settle(self, page: dict, force: bool = False) -> None:
        """Apply the template a page was created with once its moment has come (Notion does it
        asynchronously, after the create has answered): the template's property values fill
        what the create left empty, and its content becomes the page's."""
        pending = page.get("template_pending")
        if not pending or (not force and time.monotonic() < pending["at"]):
            return
        template = self.templates.get(pending["template_id"])
        page["template_pending"] = None
        if template is None:  # deleted in the meantime
            return
        for name, value in template["values"].items():
            if page["values"].get(name) in (None, [], ""):
                page["values"][name] = copy.deepcopy(value)
        page["content"] = list(template["content"])
        page["template_applied"] = template["id"]

    def add_row(self, key, pid, ds_id, simple: dict, created, author):
        """Add a seed row from simple python values."""
        ds = self.data_sources[ds_id]
        db = self.databases[ds["database_id"]]
        parent = {"type": "data_source_id", "data_source_id": ds_id, "database_id": db["id"]}
        page = self._new_page(pid, db["workspace_id"], parent, created, author)
        for name, value in simple.items():
            prop = ds["properties"][name]
            page["values"][name] = self._simple_value(prop, value)
        self.finish_row(page, ds)
        self.pages[pid] = page
        self.keys["pages"][key] = pid
        return page

    def _simple_value(self, prop, value):
        ptype = prop["type"]
        if ptype in ("title", "rich_text"):
            return [rich_text_item(value)]
        if ptype in ("select", "status"):
            opt = next(o for o in prop[ptype]["options"] if o["name"] == value)
            return {"id": opt["id"], "name": opt["name"], "color": opt["color"]}
        if ptype == "multi_select":
            opts = {o["name"]: o for o in prop[ptype]["options"]}
            return [{"id": opts[v]["id"], "name": v, "color": opts[v]["color"]} for v in value]
        if ptype == "people":
            return [self.user_object(uid) for uid in value]
        if ptype == "relation":
            return [{"id": rid} for rid in value]
        return value

    def _new_page(self, pid, workspace_id, parent, created, author):
        return {"id": pid, "workspace_id": workspace_id, "parent": parent,
                "created_time": created, "last_edited_time": created, "created_by": author,
                "last_edited_by": author, "values": {}, "title_prop": None, "unique": None,
                "content": [], "template_pending": None, "template_applied": None}

    def finish_row(self, page, ds):
        """Number the row and note its title property."""
        for name, prop in ds["properties"].items():
            if prop["type"] == "unique_id":
                page["unique"] = ds["next_unique"]
                ds["next_unique"] += 1
            if prop["type"] == "title":
                page["title_prop"] = name

    # ----- rendering -------------------------------------------------------------------------
    def user_object(self, uid: str) -> dict:
        user = self.users[uid]
        return {"object": "user", "id": uid, "name": user["name"], "avatar_url": None,
                "type": "person", "person": {"email": user["email"]}}

    def bot_user(self, bot: dict) -> dict:
        client = self.clients.get(bot["client_id"], {"name": "Sandbox integration"})
        ws = self.workspaces[bot["workspace_id"]]
        return {"object": "user", "id": bot["bot_id"], "name": client["name"], "avatar_url": None,
                "type": "bot",
                "bot": {"owner": {"type": "user", "user": self.user_object(bot["user_id"])},
                        "workspace_id": ws["id"], "workspace_name": ws["name"],
                        "workspace_limits": {"max_file_upload_size_in_bytes": int(
                            self.settings["max_file_upload_size_in_bytes"])}}}

    def page_title(self, page) -> str:
        return plain(page["values"].get(page["title_prop"] or "title", []))

    def render_page(self, page: dict) -> dict:
        self.settle(page)
        if page["parent"]["type"] == "data_source_id":
            ds = self.data_sources[page["parent"]["data_source_id"]]
            props = {name: self._render_value(page, prop) for name, prop in
                     ds["properties"].items()}
        else:
            props = {"title": {"id": "title", "type": "title",
                               "title": page["values"].get("title", [])}}
        return {
            "object": "page", "id": page["id"],
            "created_time": iso(page["created_time"]),
            "last_edited_time": iso(page["last_edited_time"]),
            "created_by": {"object": "user", "id": page["created_by"]},
            "last_edited_by": {"object": "user", "id": page["last_edited_by"]},
            "cover": None, "icon": None, "parent": dict(page["parent"]),
            "in_trash": bool(page.get("in_trash")), "is_archived": bool(page.get("in_trash")),
            "is_locked": bool(page.get("is_locked")),
            "properties": props,
            "url": notion_url(self.page_title(page), page["id"]),
            "public_url": None, "archived": bool(page.get("in_trash")),
        }

    def _render_value(self, page, prop) -> dict:
        ptype, values = prop["type"], page["values"]
        name = prop["name"]
        out = {"id": prop["id"], "type": ptype}
        defaults = {"title": [], "rich_text": [], "multi_select": [], "people": [],
                    "relation": [], "files": [], "checkbox": False}
        if ptype == "created_time":
            out[ptype] = iso(page["created_time"])
        elif ptype == "last_edited_time":
            out[ptype] = iso(page["last_edited_time"])
        elif ptype == "created_by":
            out[ptype] = self._actor(page["created_by"])
        elif ptype == "last_edited_by":
            out[ptype] = self._actor(page["last_edited_by"])
        elif ptype == "unique_id":
            out[ptype] = {"prefix": prop["unique_id"]["prefix"], "number": page["unique"]}
        elif ptype == "formula":
            estimate = values.get("Estimate")
            out[ptype] = {"type": "number",
                          "number": None if estimate is None else estimate * 2}
        elif ptype == "rollup":
            related = values.get(prop["rollup"]["relation_property_name"], [])
            out[ptype] = {"type": "number", "number": len(related),
                          "function": prop["rollup"]["function"]}
        elif ptype == "status" and name not in values:
            first = prop["status"]["options"][0]
            out[ptype] = {"id": first["id"], "name": first["name"], "color": first["color"]}
        else:
            out[ptype] = copy.deepcopy(values.get(name, defaults.get(ptype)))
        if ptype == "relation":
            out["has_more"] = False
        return out

    def _actor(self, uid):
        if uid in self.users:
            return self.user_object(uid)
        return {"object": "user", "id": uid}

    def render_database(self, db: dict) -> dict:
        return {
            "object": "database", "id": db["id"], "title": [rich_text_item(db["title"])],
            "description": [], "parent": dict(db["parent"]), "is_inline": False,
            "in_trash": False, "is_locked": False,
            "created_time": iso(db["created_time"]), "last_edited_time": iso(db["created_time"]),
            "data_sources": [{"id": i, "name": self.data_sources[i]["name"]}
                             for i in db["data_source_ids"]],
            "icon": self._icon(db["icon"]), "cover": None,
            "url": notion_url("", db["id"]), "public_url": None, "archived": False,
        }

    def visible_properties(self, ds: dict, bot: dict | None) -> dict:
        """The schema as this bot sees it: relations to a data source it cannot see, and
        rollups through such a relation, are left out (what Notion does)."""
        if bot is None:
            return ds["properties"]
        hidden = {name for name, p in ds["properties"].items() if p["type"] == "relation"
                  and not self.can_see(bot, "data_source", p["relation"]["data_source_id"])}
        return {name: p for name, p in ds["properties"].items() if name not in hidden
                and not (p["type"] == "rollup"
                         and (p["rollup"] or {}).get("relation_property_name") in hidden)}

    def render_data_source(self, ds: dict, bot: dict | None = None) -> dict:
        db = self.databases[ds["database_id"]]
        author = next(u for u in self.users.values() if u["workspace_id"] == db["workspace_id"])
        return {
            "object": "data_source", "id": ds["id"], "cover": None,
            "icon": self._icon(db["icon"]), "created_time": iso(ds["created_time"]),
            "created_by": {"object": "user", "id": author["id"]},
            "last_edited_by": {"object": "user", "id": author["id"]},
            "last_edited_time": iso(ds["created_time"]),
            "title": [rich_text_item(ds["name"])], "description": [], "is_inline": False,
            "properties": copy.deepcopy(self.visible_properties(ds, bot)),
            "parent": {"type": "database_id", "database_id": db["id"]},
            "database_parent": dict(db["parent"]),
            "url": notion_url("", db["id"]), "public_url": None,
            "in_trash": False, "archived": False,
        }

    @staticmethod
    def _icon(emoji):
        return {"type": "emoji", "emoji": emoji} if emoji else None

    # ----- visibility ------------------------------------------------------------------------
    def top_level_items(self, workspace_id: str) -> list[tuple[str, str, str]]:
        """(kind, id, title) of what the page picker offers in a workspace."""
        items = [("page", p["id"], self.page_title(p)) for p in self.pages.values()
                 if p["workspace_id"] == workspace_id and p["parent"]["type"] == "workspace"]
        items += [("database", d["id"], d["title"]) for d in self.databases.values()
                  if d["workspace_id"] == workspace_id and d["parent"]["type"] == "workspace"]
        return items

    def _lineage(self, kind: str, oid: str) -> list[str]:
        """The object's id and its ancestors' (database, page, ...): sharing any of them shares
        it, like Notion (a database inside a shared page is shared)."""
        chain: list[str] = []
        while oid and oid not in chain:
            if kind == "data_source":
                ds = self.data_sources.get(oid)
                if ds is None:
                    return []
                kind, oid = "database", ds["database_id"]
                continue
            obj = (self.databases if kind == "database" else self.pages).get(oid)
            if obj is None:
                return []
            chain.append(oid)
            parent = obj["parent"]
            if parent["type"] == "data_source_id":
                kind, oid = "database", parent["database_id"]
            elif parent["type"] == "page_id":
                kind, oid = "page", parent["page_id"]
            else:
                break
        return chain

    def _workspace_of(self, kind: str, oid: str) -> str | None:
        if kind == "data_source":
            ds = self.data_sources.get(oid)
            kind, oid = "database", ds["database_id"] if ds else None
        obj = (self.databases if kind == "database" else self.pages).get(oid)
        return obj["workspace_id"] if obj else None

    def granted_at(self, bot: dict, kind: str, oid: str) -> float | None:
        """When the object became visible to the bot (its oldest grant along the lineage), or
        None when the bot cannot see it."""
        if self._workspace_of(kind, oid) != bot["workspace_id"]:
            return None
        times = bot.get("granted_at") or {}
        found = [times.get(i, 0.0) for i in self._lineage(kind, oid) if i in bot["grants"]]
        return min(found) if found else None

    def can_see(self, bot: dict, kind: str, oid: str) -> bool:
        return self.granted_at(bot, kind, oid) is not None

    def indexed(self, bot: dict, kind: str, oid: str) -> bool:
        """Search finds it: visible, and shared longer ago than `search_index_delay` seconds."""
        when = self.granted_at(bot, kind, oid)
        delay = float(self.settings.get("search_index_delay") or 0)
        return when is not None and time.time() - when >= delay

    def grant(self, bot: dict, ids) -> None:
        """Share objects with a bot now (the picker, "Add connections", a duplicated template)."""
        stamp = time.time()
        bot.setdefault("granted_at", {})
        for oid in ids:
            bot["grants"].add(oid)
            bot["granted_at"][oid] = stamp

    # ----- tokens ----------------------------------------------------------------------------
    def issue_tokens(self, bot_id: str) -> tuple[str, str]:
        """New access and refresh tokens for a bot; its previous ones die."""
        bot = self.bots[bot_id]
        self.access_tokens.pop(bot.get("access"), None)
        self.refresh_tokens.pop(bot.get("refresh"), None)
        access, refresh = _token("ntn_"), _token("nrt_")
        self.access_tokens[access] = {"bot_id": bot_id, "iat": int(time.time())}
        self.refresh_tokens[refresh] = {"bot_id": bot_id}
        bot["access"], bot["refresh"] = access, refresh
        return access, refresh

    def bot_for_access(self, token: str) -> dict | None:
        entry = self.access_tokens.get(token)
        return self.bots.get(entry["bot_id"]) if entry else None

    def bot_key(self, client_id, workspace_id, user_id) -> str:
        return make_id("bot", client_id, workspace_id, user_id)

    def seed_ids(self) -> dict:
        ws_key = {w["id"]: w["key"] for w in self.workspaces.values()}
        return {
            "workspaces": {w["key"]: {"id": w["id"], "name": w["name"], "icon": w["icon"]}
                           for w in self.workspaces.values()},
            "users": {u["key"]: {"id": u["id"], "name": u["name"], "email": u["email"],
                                 "workspace": ws_key[u["workspace_id"]]}
                      for u in self.users.values()},
            "pages": dict(self.keys["pages"]),
            "databases": {
                d["key"]: {"id": d["id"], "title": d["title"],
                           "workspace": ws_key[d["workspace_id"]],
                           "data_sources": {self.data_sources[i]["key"]: i
                                            for i in d["data_source_ids"]}}
                for d in self.databases.values()},
            "templates": {t["key"] or t["id"]: {"id": t["id"], "name": t["name"],
                                     "is_default": t["is_default"],
                                     "data_source": self.data_sources[t["data_source_id"]]["key"]}
                          for t in self.templates.values()},
        }
