"""Deterministic demo data: two workspaces, people, databases covering every property type."""

import hashlib
from datetime import UTC, datetime, timedelta

from .ids import make_id

SEED_TIME = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
TOP = {"type": "workspace", "workspace": True}

WORKSPACES = {
    "acme": {"name": "Acme Corp", "icon": "🚀"},
    "globex": {"name": "Globex", "icon": None},
}
PEOPLE = {
    "ada": ("acme", "Ada Lovelace", "ada@acme.example"),
    "grace": ("acme", "Grace Hopper", "grace@acme.example"),
    "linus": ("acme", "Linus Torvalds", "linus@acme.example"),
    "margaret": ("acme", "Margaret Hamilton", "margaret@acme.example"),
    "hedy": ("globex", "Hedy Lamarr", "hedy@globex.example"),
    "alan": ("globex", "Alan Turing", "alan@globex.example"),
}


def prop_id(ds_key: str, name: str) -> str:
    """A short stable property id, like Notion's 4-character ones."""
    digest = hashlib.sha256(f"{ds_key}:{name}".encode()).hexdigest()
    return digest[:4]


def option(ds_key, prop, name, color):
    return {"id": make_id("option", ds_key, prop, name), "name": name, "color": color,
            "description": None}


def schema(ds_key: str, spec: list[tuple[str, str, dict]]) -> dict:
    """Build a data source schema from (name, type, config) triples."""
    props = {}
    for name, ptype, config in spec:
        pid = "title" if ptype == "title" else prop_id(ds_key, name)
        props[name] = {"id": pid, "name": name, "description": None, "type": ptype, ptype: config}
    return props


def _tasks_schema(projects_ds_id: str, projects_db_id: str) -> dict:
    k = "tasks"
    status_opts = [option(k, "Status", "Not started", "default"),
                   option(k, "Status", "In progress", "blue"),
                   option(k, "Status", "Done", "green")]
    groups = [
        {"id": make_id("group", k, "To-do"), "name": "To-do", "color": "gray",
         "option_ids": [status_opts[0]["id"]]},
        {"id": make_id("group", k, "In progress"), "name": "In progress", "color": "blue",
         "option_ids": [status_opts[1]["id"]]},
        {"id": make_id("group", k, "Complete"), "name": "Complete", "color": "green",
         "option_ids": [status_opts[2]["id"]]},
    ]
    spec = [
        ("Name", "title", {}),
        ("Notes", "rich_text", {}),
        ("Estimate", "number", {"format": "number"}),
        ("Progress", "number", {"format": "percent"}),
        ("Budget", "number", {"format": "dollar"}),
        ("Priority", "select", {"options": [option(k, "Priority", "High", "red"),
                                            option(k, "Priority", "Medium", "yellow"),
                                            option(k, "Priority", "Low", "green")]}),
        ("Tags", "multi_select", {"options": [option(k, "Tags", "Bug", "red"),
                                              option(k, "Tags", "Feature", "blue"),
                                              option(k, "Tags", "Docs", "gray")]}),
        ("Status", "status", {"options": status_opts, "groups": groups}),
        ("Due", "date", {}),
        ("Done", "checkbox", {}),
        ("Link", "url", {}),
        ("Contact", "email", {}),
        ("Phone", "phone_number", {}),
        ("Assignee", "people", {}),
        ("Project", "relation", {"database_id": projects_db_id,
                                 "data_source_id": projects_ds_id,
                                 "type": "single_property", "single_property": {}}),
        ("Attachments", "files", {}),
        ("Score", "formula", {"expression": 'prop("Estimate") * 2'}),
        ("Project count", "rollup", {}),
        ("Created", "created_time", {}),
        ("Created by", "created_by", {}),
        ("Edited", "last_edited_time", {}),
        ("Edited by", "last_edited_by", {}),
        ("Task ID", "unique_id", {"prefix": "TSK"}),
    ]
    props = schema(k, spec)
    props["Project count"]["rollup"] = {
        "function": "count",
        "relation_property_name": "Project",
        "relation_property_id": props["Project"]["id"],
        "rollup_property_name": "Name",
        "rollup_property_id": "title",
    }
    return props


def build(state) -> None:
    """Fill an empty state with the demo data."""
    for key, ws in WORKSPACES.items():
        state.add_workspace(key, make_id("workspace", key), ws["name"], ws["icon"])
    for key, (ws, name, email) in PEOPLE.items():
        state.add_user(key, make_id("user", key), name, email, state.workspace_key(ws)["id"])
    acme = state.workspace_key("acme")["id"]
    globex = state.workspace_key("globex")["id"]
    people = {k: make_id("user", k) for k in PEOPLE}

    def t(hours):
        return SEED_TIME + timedelta(hours=hours)

    state.add_page("welcome", make_id("page", "welcome"), acme, TOP, "Welcome to Acme",
                   t(0), people["ada"])
    state.add_page("meeting_notes", make_id("page", "meeting_notes"), acme, TOP,
                   "Meeting notes", t(1), people["grace"])

    projects_db, projects_ds = make_id("database", "projects"), make_id("data_source", "projects")
    state.add_database("projects", projects_db, acme, "Projects", "📁", t(2),
                       [("projects", projects_ds, "Projects",
                         schema("projects", [("Name", "title", {}), ("Code", "rich_text", {})]))])
    for i, name in enumerate(["Apollo", "Gemini", "Mercury"]):
        state.add_row(f"project_{name.lower()}", make_id("page", "project", name), projects_ds,
                      {"Name": name, "Code": name[:3].upper()}, t(3 + i), people["ada"])

    tasks_db, tasks_ds = make_id("database", "tasks"), make_id("data_source", "tasks")
    state.add_database("tasks", tasks_db, acme, "Tasks", "✅", t(2),
                       [("tasks", tasks_ds, "Tasks", _tasks_schema(projects_ds, projects_db))])
    task_rows = [
        ("Write the launch post", "In progress", "High", people["ada"], "Apollo"),
        ("Fix login bug", "Not started", "Medium", people["grace"], "Gemini"),
        ("Ship v1", "Done", "Low", people["linus"], "Apollo"),
    ]
    for i, (title, status, prio, who, proj) in enumerate(task_rows):
        state.add_row(f"task_{i + 1}", make_id("page", "task", str(i)), tasks_ds,
                      {"Name": title, "Status": status, "Priority": prio, "Estimate": i + 1,
                       "Assignee": [who], "Project": [make_id("page", "project", proj)]},
                      t(10 + 5 * i), who)

    state.add_template("bug_report", make_id("template", "tasks", "bug_report"), tasks_ds,
                       "Bug report", {"Tags": ["Bug"], "Priority": "High",
                                      "Notes": "Steps to reproduce, expected, actual."},
                       ["Steps to reproduce", "Expected", "Actual"], is_default=True)
    state.add_template("weekly_review", make_id("template", "tasks", "weekly_review"), tasks_ds,
                       "Weekly review", {"Tags": ["Docs"]},
                       ["Wins", "Misses", "Next week"])

    inv_db = make_id("database", "inventory")
    inv_spec = [("Item", "title", {}), ("Qty", "number", {"format": "number"}),
                ("In stock", "checkbox", {})]
    state.add_database("inventory", inv_db, acme, "Inventory", "📦", t(4), [
        ("warehouse_a", make_id("data_source", "warehouse_a"), "Warehouse A",
         schema("warehouse_a", inv_spec)),
        ("warehouse_b", make_id("data_source", "warehouse_b"), "Warehouse B",
         schema("warehouse_b", inv_spec)),
    ])
    for i, (ds_key, item) in enumerate([("warehouse_a", "Bolts"), ("warehouse_b", "Nuts")]):
        state.add_row(f"inventory_{item.lower()}", make_id("page", "inventory", item),
                      make_id("data_source", ds_key), {"Item": item, "Qty": 10 * (i + 1)},
                      t(20 + i), people["linus"])

    odd_db, odd_ds = make_id("database", "odd_names"), make_id("data_source", "odd_names")
    k = "odd_names"
    odd_schema = schema(k, [
        ("Name", "title", {}),
        ("Catégorie", "select", {"options": [option(k, "Catégorie", "Café", "brown")]}),
        ("🔥 Heat", "number", {"format": "number"}),
        ('<b>Bold</b> "quoted"', "rich_text", {}),
        ("Notes ", "rich_text", {}),
        # Names that are easy to cut at the wrong dot, space or bracket in an error message.
        ("Due date", "date", {}),
        ("v1.2 score", "number", {"format": "number"}),
        ("Tags [old]", "multi_select", {"options": [option(k, "Tags [old]", "a.b", "red")]}),
        ("Stage (v2.0)", "status", {"options": [option(k, "Stage (v2.0)", "Draft", "gray"),
                                                option(k, "Stage (v2.0)", "Live", "green")],
                                    "groups": []}),
        ("Owner [team.lead]", "people", {}),
    ])
    state.add_database("odd_names", odd_db, acme, "Odd names", None, t(5),
                       [("odd_names", odd_ds, "Odd names", odd_schema)])
    state.add_row("odd_1", make_id("page", "odd", "1"), odd_ds,
                  {"Name": "Crème brûlée", "Catégorie": "Café", "🔥 Heat": 3}, t(30),
                  people["ada"])

    # A wiki: its data source holds pages and, inside them, other data sources. Querying it
    # lists both unless `result_type: "page"` (or "data_source") narrows the results.
    wiki_db, wiki_ds = make_id("database", "handbook"), make_id("data_source", "handbook")
    glossary_db, glossary_ds = make_id("database", "glossary"), make_id("data_source", "glossary")
    state.add_database("glossary", glossary_db, acme, "Glossary", None, t(6),
                       [("glossary", glossary_ds, "Glossary",
                         schema("glossary", [("Term", "title", {})]))])
    state.add_database("handbook", wiki_db, acme, "Handbook", "📖", t(6),
                       [("handbook", wiki_ds, "Handbook",
                         schema("handbook", [("Page", "title", {}),
                                             ("Verification", "verification", {})]))])
    state.data_sources[wiki_ds]["wiki_children"] = [glossary_ds]
    for i, title in enumerate(["Onboarding", "Expenses"]):
        state.add_row(f"handbook_{title.lower()}", make_id("page", "handbook", title), wiki_ds,
                      {"Page": title}, t(31 + i), people["grace"])

    state.add_page("globex_hq", make_id("page", "globex_hq"), globex, TOP, "Globex HQ", t(0),
                   people["hedy"])
    for n in range(1, 106):
        key = f"ledger_{n:03d}"
        state.add_database(key, make_id("database", key), globex, f"Ledger {n:03d}", None,
                           t(n), [(key, make_id("data_source", key), f"Ledger {n:03d}",
                                   schema(key, [("Name", "title", {}),
                                                ("Amount", "number", {"format": "dollar"})]))])
