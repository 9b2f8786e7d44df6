"""Fairness between connections (T50): one connection's big import, another's single rows.

The app runs in this process as `flask run` would (the in-process background sender), against
the built-in sandbox over real HTTP with its rate limit on (3 requests/s, bursts of 10, per
connection and per workspace, like Notion's documented average) and the app's pacer at that
limit. Ada (workspace Acme) saves a big batch of rows at once, as a CSV import does; while it is
being sent, Hedy (workspace Globex: no budget shared) adds one row every `--every` seconds, as
a public form or the API does (saved, the sender woken, never sent inside the request). The
fairness wait of each of Hedy's rows is the time from its save to its page in Notion.

Printed: the fairness wait p50/p95/max, the batch's rows/s against the limit, API calls per row,
rows lost and rows created twice (from the sandbox's own page list). `--unfair` runs the
sender as it was before connections took turns (a sweep takes the 50 longest-waiting rows
whoever they belong to), for the comparison.

    python bench/scale.py                      # 300 rows + 15 single rows (about 2 minutes)
    python bench/scale.py --rows 60 --singles 5 --rate 20 --burst 20   # a quick check

Not measured here yet (issue 18): 20 connections at once on 4 RQ workers and Postgres.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_rate import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, build_app  # noqa: E402

SCHEMA = {"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}}


def connect(client, control, email: str, workspace: str, user: str) -> int:
    """Sign `email` up and connect `workspace` as `user`; the connection's id."""
    from sqlalchemy import select

    from notion_app.extensions import db
    from notion_app.models import NotionConnection, User

    pw = "correct horse battery"
    client.post("/auth/signup", data={"email": email, "password": pw, "confirm": pw})
    authorize = client.post("/connections/connect").headers["Location"]
    location = urlsplit(control.consent(authorize, workspace=workspace, user=user))
    client.get(f"{location.path}?{location.query}")
    client.post("/auth/logout")
    with client.application.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        return db.session.scalar(select(NotionConnection.id)
                                 .where(NotionConnection.user_id == user_id))


def title(text: str) -> dict:
    return {"Name": {"title": [{"type": "text", "text": {"content": text}}]}}


def save(app, conn_id: int, ds_id: str, titles: list[str]) -> list[int]:
    """Save rows as an import (several) or a public form (one) does; their ids."""
    from notion_app import outbox
    from notion_app.extensions import db
    from notion_app.models import NotionConnection, RowSubmission, User

    with app.app_context():
        conn = db.session.get(NotionConnection, conn_id)
        user = db.session.get(User, conn.user_id)
        source = {"id": ds_id, "title": "bench"}
        rows = [outbox.NewRow(title(t), uuid.uuid4().hex) for t in titles]
        if len(rows) == 1:
            row, _ = outbox.submit(user, conn, source, SCHEMA, rows[0])
            return [row.id]
        outbox.submit_many(user, conn, source, SCHEMA, rows)
        return list(db.session.scalars(
            db.select(RowSubmission.id).where(RowSubmission.title_text.in_(titles))))


def states(app, ids: list[int]) -> list:
    from notion_app.extensions import db
    from notion_app.models import RowSubmission

    with app.app_context():
        return list(db.session.execute(
            db.select(RowSubmission.state, RowSubmission.created_at, RowSubmission.sent_at)
            .where(RowSubmission.id.in_(ids))))


def in_notion(control) -> Counter:
    found = Counter()
    for page in control.pages():
        found[page["request_properties"]["Name"]["title"][0]["text"]["content"]] += 1
    return found


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def run(args) -> dict:
    from notion_app.outbox import delivery
    from notion_app.sandbox.control import SandboxControl
    from notion_app.sandbox.server import SandboxServer

    if args.unfair:  # the sender before connections took turns: one batch of 50, any owner
        delivery.sweep.__defaults__ = (50, 30.0, None)
    settings = {"clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                             "redirect_uris": [REDIRECT_URI], "name": "bench"}],
                "rate_limit": None}
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(settings=settings) as sandbox:
        control = SandboxControl(sandbox.url)
        app = build_app(Path(tmp), sandbox.url, args.rate, args.burst)
        client = app.test_client()
        ada = connect(client, control, "ada@example.com", "acme", "ada")
        hedy = connect(client, control, "hedy@example.com", "globex", "hedy")
        seeded = control.seed()["databases"]
        tasks = seeded["tasks"]["data_sources"]["tasks"]
        ledger = seeded["ledger_001"]["data_sources"]["ledger_001"]
        limit = {"rate": args.rate, "burst": args.burst}
        control.settings(rate_limit={**limit, "workspace": limit})
        time.sleep(args.burst / args.rate + 0.5)  # the buckets start full
        since = len(control.requests(path="/v1/"))
        client.get("/")  # the first request starts the in-process sender
        started = time.monotonic()
        batch = [f"batch {i}" for i in range(args.rows)]
        batch_ids = save(app, ada, tasks, batch)
        single_ids = []
        for n in range(args.singles):
            time.sleep(args.every)
            single_ids += save(app, hedy, ledger, [f"single {n}"])
        deadline = started + args.timeout
        while time.monotonic() < deadline:
            if all(s == "sent" for s, *_ in states(app, batch_ids + single_ids)):
                break
            time.sleep(0.2)
        batch_rows = states(app, batch_ids)
        batch_s = max(s for *_, s in batch_rows if s) - min(c for _, c, _ in batch_rows)
        waits = [(sent - created).total_seconds() for state, created, sent in
                 states(app, single_ids) if sent]
        calls = len(control.requests(path="/v1/")[since:])
        found = in_notion(control)
        control.close()
    expected = set(batch) | {f"single {n}" for n in range(args.singles)}
    rows_per_s = args.rows / batch_s.total_seconds()
    return {
        "fair_wait_p50_s": round(statistics.median(waits), 2) if waits else None,
        "fair_wait_p95_s": round(percentile(waits, 95), 2) if waits else None,
        "fair_wait_max_s": round(max(waits), 2) if waits else None,
        "singles_sent": len(waits), "singles": args.singles, "rows": args.rows,
        "batch_rows_per_s": round(rows_per_s, 3),
        "aggregate_pct_of_limit": round(100 * rows_per_s / args.rate, 1),
        "calls_per_row": round(calls / (args.rows + args.singles), 3),
        "lost": len(expected - set(found)),
        "duplicates": sum(n - 1 for t, n in found.items() if t in expected),
        "sender": "thread, unfair (before)" if args.unfair else "thread",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300, help="the big batch's rows")
    parser.add_argument("--singles", type=int, default=15, help="the other connection's rows")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between single rows")
    parser.add_argument("--rate", type=float, default=3.0, help="sandbox limit and app pacer")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--unfair", action="store_true", help="the sender before T50's fix")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    print(f"{args.rows} rows on one connection, {args.singles} single rows on another every "
          f"{args.every} s; {args.rate}/s burst {args.burst}", flush=True)
    result = run(args)
    print(f"fairness wait p50 {result['fair_wait_p50_s']} s, p95 {result['fair_wait_p95_s']} s, "
          f"max {result['fair_wait_max_s']} s ({result['singles_sent']}/{args.singles} sent); "
          f"batch {result['batch_rows_per_s']} rows/s = {result['aggregate_pct_of_limit']}% of "
          f"{args.rate}/s; {result['calls_per_row']} calls/row; lost {result['lost']}, "
          f"duplicates {result['duplicates']}", flush=True)
    print(json.dumps({"scale": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
