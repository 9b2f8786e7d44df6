"""CSV import rate: 300 rows into the sandbox at its rate limit, clean and under faults.

The app runs in this process exactly as `flask run` would (the in-process background sender,
the MemoryPacer), against the built-in sandbox over real HTTP with its rate limit on
(3 requests/s, bursts of 10, like Notion's documented average). For each scenario the bench
uploads a CSV, presses Send and times until every row is sent; then it counts, from the
sandbox's own log and page list: API calls, 429s, rows lost and rows created twice.

Scenarios: "clean", then "faults" (10% of /v1/pages requests answer a 5xx before creating
anything, and 5% of rows -- 15 of 300 -- are created and then answered with a 502: the
ambiguous case). The same rows then go through `notion-client` (Notion's Python SDK, default
retries, one `pages.create` per row, errors logged and skipped), the baseline a user would
otherwise write, under the same two scenarios.

    python bench/import_rate.py                      # 300 rows, 3/s burst 10 (a few minutes)
    python bench/import_rate.py --rows 10 --rate 50  # a quick check
    python bench/import_rate.py --mode upsert        # 300 rows, 150 of their keys in Notion

The app's pacer runs at the sandbox's limit (`--app-rate`, `--app-burst`; default: the same
rate and burst as the sandbox) instead of the app's default 2.5/s burst 4, which is below
Notion's 3/s on purpose (see notion/pacing.py); at the default the ceiling is 2.5/3 = 83%.
Prints figures per scenario and a final JSON line.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLIENT_ID, CLIENT_SECRET = "bench-integration", "bench-secret"
REDIRECT_URI = "http://localhost/notion/callback"


def build_app(tmp: Path, sandbox_url: str, rate: float, burst: int, background: bool = True):
    from cryptography.fernet import Fernet

    from notion_app import create_app
    from notion_app.extensions import db

    app = create_app({
        "APP_ENV": "development", "SECRET_KEY": "bench-" + "x" * 40,
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "NOTION_SANDBOX": False,
        "NOTION_CLIENT_ID": CLIENT_ID, "NOTION_CLIENT_SECRET": CLIENT_SECRET,
        "NOTION_REDIRECT_URI": REDIRECT_URI, "NOTION_API_BASE_URL": sandbox_url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "WTF_CSRF_ENABLED": False,
        "BACKGROUND_SENDER": background, "NOTION_RATE": rate, "NOTION_BURST": burst,
    })
    with app.app_context():
        db.create_all()
    return app


def connect(client, control) -> tuple[int, str, str]:
    """Sign up, connect the sandbox workspace; (connection id, tasks data source id, token)."""
    from sqlalchemy import select

    from notion_app.connections import tokens
    from notion_app.extensions import db
    from notion_app.models import NotionConnection

    pw = "correct horse battery"
    client.post("/auth/signup", data={"email": "bench@example.com", "password": pw, "confirm": pw})
    authorize = client.post("/connections/connect").headers["Location"]
    location = urlsplit(control.consent(authorize, workspace="acme", user="ada"))
    client.get(f"{location.path}?{location.query}")
    with client.application.app_context():
        conn = db.session.scalar(select(NotionConnection))
        token = tokens.access_token(conn)
        conn_id = conn.id
    dss = {k: v for d in control.seed()["databases"].values()
           for k, v in d["data_sources"].items()}
    return conn_id, dss["tasks"], token


def rows_csv(prefix: str, n: int) -> bytes:
    return ("Name,Estimate\n" + "".join(f"{prefix} {i},{i}\n" for i in range(n))).encode()


def set_faults(control, faults: bool, rows: int) -> None:
    control.settings(random_faults={"probability": 0.10, "paths": "/v1/pages",
                                    "statuses": [500, 502, 503]} if faults else None)
    if faults:
        control.ambiguous(count=max(1, rows * 5 // 100), mode="status", status=502)


def tally(control, prefix: str, rows: int, since: int) -> dict:
    titles = Counter()
    for page in control.pages():
        title = page["request_properties"]["Name"]["title"][0]["text"]["content"]
        if title.startswith(prefix + " "):
            titles[title] += 1
    log = control.requests(path="/v1/")[since:]
    expected = {f"{prefix} {i}" for i in range(rows)}
    return {
        "lost": len(expected - set(titles)),
        "duplicates": sum(n - 1 for n in titles.values()),
        "api_calls": len(log),
        "status_429": sum(1 for r in log if r.get("status") == 429),
        "status_5xx": sum(1 for r in log if (r.get("status") or 0) >= 500),
    }


def run_app(client, control, conn_id: int, ds_id: str, name: str, rows: int, faults: bool,
            timeout: float) -> dict:
    prefix = f"app-{name}"
    page = f"/connections/{conn_id}/data-sources/{ds_id}/import"
    resp = client.post(page, data={"file": (io.BytesIO(rows_csv(prefix, rows)), f"{prefix}.csv")},
                       content_type="multipart/form-data")
    preview = resp.headers["Location"]
    client.get(preview)  # the preview: every row checked, nothing sent
    since = len(control.requests(path="/v1/"))
    set_faults(control, faults, rows)
    started = time.monotonic()
    progress = client.post(preview + "/send").headers["Location"]
    status = {}
    while time.monotonic() - started < timeout:
        status = client.get(progress + "/status").get_json()
        if status["pending"] + status["unknown"] == 0:
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    set_faults(control, False, rows)
    return {"who": "app", "scenario": name, "rows": rows, "seconds": round(elapsed, 2),
            "sent": status.get("sent"), "failed": status.get("failed"),
            **tally(control, prefix, rows, since)}


def run_sdk(control, sandbox_url: str, token: str, ds_id: str, name: str, rows: int,
            faults: bool) -> dict:
    from notion_client import Client

    prefix = f"sdk-{name}"
    sdk = Client(auth=token, base_url=sandbox_url)  # default retries, as a user would write it
    since = len(control.requests(path="/v1/"))
    set_faults(control, faults, rows)
    errors = 0
    started = time.monotonic()
    for i in range(rows):
        try:
            sdk.pages.create(
                parent={"type": "data_source_id", "data_source_id": ds_id},
                properties={"Name": {"title": [{"text": {"content": f"{prefix} {i}"}}]},
                            "Estimate": {"number": i}},
            )
        except Exception:  # noqa: BLE001 - the baseline script logs the error and moves on
            errors += 1
    elapsed = time.monotonic() - started
    set_faults(control, False, rows)
    return {"who": "notion-client", "scenario": name, "rows": rows, "seconds": round(elapsed, 2),
            "sent": rows - errors, "failed": errors, **tally(control, prefix, rows, since)}


def seed_keys(control, ds_id: str, prefix: str, rows: int) -> dict:
    """Half the file's keys already in Notion (made by a person): of those, every 30th holds the
    file's values already (unchanged) and every 60th (+2) is there twice (ambiguous)."""
    kinds = {"unchanged": set(), "ambiguous": set(), "update": set()}
    for i in range(0, rows, 2):
        same = i % 30 == 0
        props = {"Name": {"title": [{"text": {"content": f"{prefix} {i}"}}]},
                 "Estimate": {"number": upsert_estimate(i) if same else i}}
        control.create_page_as(ds_id, props)
        if i % 60 == 2:
            control.create_page_as(ds_id, props)
            kinds["ambiguous"].add(i)
        elif same:
            kinds["unchanged"].add(i)
        else:
            kinds["update"].add(i)
    return kinds


def upsert_estimate(i: int) -> int:
    return i + 1000


def run_upsert(client, control, conn_id: int, ds_id: str, rows: int, timeout: float) -> dict:
    """`--mode upsert`: the file's rows against a data source holding half their keys."""
    prefix = "app-upsert"
    kinds = seed_keys(control, ds_id, prefix, rows)
    data = ("Name,Estimate\n" + "".join(f"{prefix} {i},{upsert_estimate(i)}\n"
                                        for i in range(rows))).encode()
    page = f"/connections/{conn_id}/data-sources/{ds_id}/import"
    resp = client.post(page, data={"file": (io.BytesIO(data), f"{prefix}.csv")},
                       content_type="multipart/form-data")
    preview = resp.headers["Location"]
    client.post(preview + "/mapping", data={"column-0": "Name", "column-1": "Estimate",
                                            "mode": "upsert", "key_column": "Name",
                                            "key_property": "Name"})
    query_path = f"/v1/data_sources/{ds_id}/query"
    before = len(control.requests(path=query_path))
    client.get(preview)  # the preview's lookup pass
    preview_queries = len(control.requests(path=query_path)) - before
    since = len(control.requests(path="/v1/"))
    started = time.monotonic()
    progress = client.post(preview + "/send").headers["Location"]  # the send's lookup pass
    status = {}
    while time.monotonic() - started < timeout:
        status = client.get(progress + "/status").get_json()
        if status["pending"] + status["unknown"] == 0:
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    log = control.requests(path="/v1/")[since:]
    writes = [r for r in log if r["method"] in ("POST", "PATCH") and r.get("status") == 200
              and (r["path"] == "/v1/pages" or r["path"].startswith("/v1/pages/"))]
    titles = Counter()
    landed = 0
    for row in control.rows(ds_id):
        name = "".join(t["plain_text"] for t in row["properties"]["Name"]["title"])
        if not name.startswith(prefix + " "):
            continue
        titles[name] += 1
        i = int(name.rsplit(" ", 1)[1])
        if i in kinds["update"] and row["properties"]["Estimate"]["number"] == \
                upsert_estimate(i):
            landed += 1
    expected_twice = {f"{prefix} {i}" for i in kinds["ambiguous"]}
    duplicates = sum(n - (2 if t in expected_twice else 1) for t, n in titles.items())
    return {
        "rows": rows, "seconds": round(elapsed, 2),
        "queries": {"preview": preview_queries,
                    "send": sum(1 for r in log if r["path"] == query_path)},
        "writes": len(writes),
        "writes_expected": rows - len(kinds["unchanged"]) - len(kinds["ambiguous"]),
        "rows_per_s": round(len(writes) / max(elapsed, 1e-6), 3),
        "api_calls": len(log), "status_429": sum(1 for r in log if r.get("status") == 429),
        "duplicates": duplicates, "updates_expected": len(kinds["update"]),
        "updates_landed": landed, "added": status.get("added"), "updated": status.get("updated"),
        "not_written": status.get("not_written"),
    }


def add_rates(result: dict, rate: float, burst: int) -> dict:
    t = max(result["seconds"], 1e-6)
    allowed = burst + rate * t  # what the bucket lets through in t seconds
    result["rows_per_s"] = round(result["rows"] / t, 3)
    result["pct_of_limit"] = round(100 * result["rows"] / t / rate, 1)
    result["api_calls_per_s"] = round(result["api_calls"] / t, 3)
    result["pct_of_allowed_calls"] = round(100 * result["api_calls"] / allowed, 1)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--rate", type=float, default=3.0, help="sandbox limit, requests/s")
    parser.add_argument("--burst", type=int, default=10, help="sandbox burst")
    parser.add_argument("--app-rate", type=float, help="the app's pacer rate (default: --rate)")
    parser.add_argument("--app-burst", type=int, help="the app's pacer burst (default: --burst)")
    parser.add_argument("--skip-sdk", action="store_true", help="no notion-client baseline")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--mode", choices=("add", "upsert"), default="add",
                        help="upsert: update the rows whose key is in Notion, add the rest")
    args = parser.parse_args(argv)
    app_rate, app_burst = args.app_rate or args.rate, args.app_burst or args.burst

    from notion_app.sandbox.control import SandboxControl
    from notion_app.sandbox.server import SandboxServer

    settings = {"clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                             "redirect_uris": [REDIRECT_URI], "name": "bench"}],
                "rate_limit": None}
    results = []
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(settings=settings) as sandbox:
        control = SandboxControl(sandbox.url)
        app = build_app(Path(tmp), sandbox.url, app_rate, app_burst)
        client = app.test_client()
        conn_id, ds_id, token = connect(client, control)
        control.settings(rate_limit={"rate": args.rate, "burst": args.burst})
        print(f"sandbox limit {args.rate}/s burst {args.burst}; app pacer {app_rate}/s burst "
              f"{app_burst}; {args.rows} rows per run", flush=True)
        if args.mode == "upsert":
            time.sleep(args.burst / args.rate + 0.5)
            found = run_upsert(client, control, conn_id, ds_id, args.rows, args.timeout)
            found["pct_of_limit"] = round(100 * found["rows_per_s"] / args.rate, 1)
            print(f"upsert: {found['rows']} rows in {found['seconds']:.1f} s; queries "
                  f"{found['queries']}; writes {found['writes']} (expected "
                  f"{found['writes_expected']}) = {found['rows_per_s']:.2f}/s "
                  f"({found['pct_of_limit']}% of {args.rate}/s); duplicates "
                  f"{found['duplicates']}; updates landed {found['updates_landed']} of "
                  f"{found['updates_expected']}; 429s {found['status_429']}", flush=True)
            control.close()
            print(json.dumps({"upsert": found, "limit": {"rate": args.rate, "burst": args.burst},
                              "app_pacer": {"rate": app_rate, "burst": app_burst}}))
            return 0
        runs = [("app", "clean", False), ("app", "faults", True)]
        if not args.skip_sdk:
            runs += [("sdk", "clean", False), ("sdk", "faults", True)]
        for who, name, faults in runs:
            time.sleep(args.burst / args.rate + 0.5)  # let the sandbox's bucket refill
            if who == "app":
                result = run_app(client, control, conn_id, ds_id, name, args.rows, faults,
                                 args.timeout)
            else:
                result = run_sdk(control, sandbox.url, token, ds_id, name, args.rows, faults)
            results.append(add_rates(result, args.rate, args.burst))
            print(f"{result['who']:>13} {name:<6}: {result['rows']} rows in "
                  f"{result['seconds']:.1f} s = {result['rows_per_s']:.2f} rows/s "
                  f"({result['pct_of_limit']}% of {args.rate}/s); API calls "
                  f"{result['api_calls']} ({result['pct_of_allowed_calls']}% of allowed); "
                  f"429s {result['status_429']}, 5xx {result['status_5xx']}; "
                  f"lost {result['lost']}, duplicates {result['duplicates']}, "
                  f"reported failed {result['failed']}", flush=True)
        control.close()
    print(json.dumps({"import_rate": results, "limit": {"rate": args.rate, "burst": args.burst},
                      "app_pacer": {"rate": app_rate, "burst": app_burst}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
