"""Files through the outbox: 50 rows with a 1 MB file each at the sandbox's rate limit, and the
sender's peak memory for 1 MB and for 30 MB files.

The app runs in this process as `flask run` would (the in-process background sender, the
MemoryPacer at the sandbox's limit), against the built-in sandbox over real HTTP with its rate
limit on (3 requests/s, bursts of 10). Rows are saved with their file as the row form saves them
(`outbox.submit` with the bytes, in chunks, in the same transaction), then the bench times until
every row is sent. Each row costs 3 calls (create the upload, send it, create the page), so the
goal is rows/s ≥ 90% of limit ÷ 3. From the sandbox's own log: rows lost, uploads sent twice
(the same file's SHA-256 received more than once).

Memory: a fresh process per size stores 3 rows with one file each (the bytes generated in 1 MB
pieces, never whole) and sends them with the sender's sweeps; its peak RSS over its RSS before
the rows is the figure (goal: the 30 MB run uses under 20 MB more than the 1 MB run).

    python bench/files.py                       # 50 rows of 1 MB at 3/s (about a minute)
    python bench/files.py --rows 5 --rate 50    # a quick check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from import_rate import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, build_app, connect  # noqa: E402

MiB = 1024 * 1024


class Generated:
    """A file of `size` bytes read in pieces (distinct per `seed`), never held whole."""

    def __init__(self, size: int, seed: str):
        self.left, self.block = size, hashlib.sha256(seed.encode()).digest() * (MiB // 32)
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        out = (self.block * (n // len(self.block) + 1))[:n]
        self.left -= n
        self.digest.update(out)
        return out


def submit(app, conn_id: int, ds_id: str, title: str, size: int) -> str:
    """One Tasks row with a file; the file's SHA-256."""
    from notion_app import outbox
    from notion_app.extensions import db
    from notion_app.files.storage import NewFile
    from notion_app.models import NotionConnection

    stream = Generated(size, title)
    with app.app_context():
        conn = db.session.get(NotionConnection, conn_id)
        outbox.submit(conn.user, conn, {"id": ds_id, "title": "Tasks"},
                      {"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}},
                      outbox.NewRow({"Name": {"title": [{"text": {"content": title}}]}},
                                    uuid.uuid4().hex,
                                    files=(NewFile("Attachments", f"{title}.pdf",
                                                   "application/pdf", stream),)))
    return stream.digest.hexdigest()


def unsent(app) -> int:
    from sqlalchemy import func, select

    from notion_app.extensions import db
    from notion_app.models import RowSubmission

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RowSubmission)
                                 .where(RowSubmission.state != "sent"))


def rate_run(args) -> dict:
    from notion_app.sandbox.control import SandboxControl
    from notion_app.sandbox.server import SandboxServer

    settings = {"clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                             "redirect_uris": [REDIRECT_URI], "name": "bench"}],
                "rate_limit": None, "max_file_upload_size_in_bytes": 40 * MiB}
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(settings=settings) as sandbox:
        control = SandboxControl(sandbox.url)
        app = build_app(Path(tmp), sandbox.url, args.rate, args.burst)
        conn_id, ds_id, _ = connect(app.test_client(), control)
        control.settings(rate_limit={"rate": args.rate, "burst": args.burst})
        time.sleep(args.burst / args.rate + 0.5)  # the bucket full, as for a new workspace
        since = len(control.requests(path="/v1/"))
        started = time.monotonic()
        digests = [submit(app, conn_id, ds_id, f"File row {i}", args.size_mb * MiB)
                   for i in range(args.rows)]
        deadline = started + args.timeout
        while unsent(app) and time.monotonic() < deadline:
            time.sleep(0.2)
        seconds = time.monotonic() - started
        titles = Counter(p["request_properties"]["Name"]["title"][0]["text"]["content"]
                         for p in control.pages())
        received = Counter(r["sha256"] for r in control.file_uploads()["received"])
        calls = len(control.requests(path="/v1/")) - since
        control.close()
    expected = {f"File row {i}" for i in range(args.rows)}
    rows_per_s = args.rows / seconds
    return {
        "rows": args.rows, "seconds": round(seconds, 2), "api_calls": calls,
        "calls_per_row": round(calls / args.rows, 2),
        "lost": len(expected - set(titles)) + sum(1 for d in digests if d not in received),
        "duplicate_rows": sum(n - 1 for n in titles.values()),
        "duplicate_uploads": sum(n - 1 for n in received.values()),
        "rows_per_s": round(rows_per_s, 3),
        "pct_of_limit": round(100 * rows_per_s / (args.rate / 3), 1),
    }


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_child(size_mb: int) -> None:
    """In a fresh process: 3 rows with a `size_mb` file each, sent by the sender's sweeps. The
    sandbox runs in a process of its own, so only the app's memory is measured."""
    from notion_app.outbox import delivery
    from notion_app.sandbox.control import SandboxControl

    port = free_port()
    sandbox = subprocess.Popen(  # noqa: S603 - the project's sandbox, fixed arguments
        [sys.executable, "-m", "notion_app.sandbox", "--port", str(port), "--client-id",
         CLIENT_ID, "--client-secret", CLIENT_SECRET, "--redirect-uri", REDIRECT_URI,
         "--no-rate-limit"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        control = SandboxControl(url)
        for _ in range(100):
            try:
                control.health()
                break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.1)
        control.settings(max_file_upload_size_in_bytes=40 * MiB)
        with tempfile.TemporaryDirectory() as tmp:
            app = build_app(Path(tmp), url, 100.0, 100, background=False)
            conn_id, ds_id, _ = connect(app.test_client(), control)
            before = rss_kib()
            for i in range(3):
                submit(app, conn_id, ds_id, f"Memory {size_mb} {i}", size_mb * MiB)
            with app.app_context():
                while delivery.sweep(limit=10, max_wait=30):  # a row per connection a turn
                    pass
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            sent = len(control.pages())

        control.close()
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    print(json.dumps({"before_kib": before, "peak_kib": peak, "sent": sent}))


def memory_run(size_mb: int) -> float:
    out = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, "--memory-child", str(size_mb)], capture_output=True,
        text=True, check=True, timeout=600,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    if figures["sent"] != 3:
        raise RuntimeError(f"memory run {size_mb} MB: {figures['sent']} of 3 rows sent")
    return round((figures["peak_kib"] - figures["before_kib"]) / 1024, 1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--size-mb", type=int, default=1)
    parser.add_argument("--rate", type=float, default=3.0, help="sandbox limit, requests/s")
    parser.add_argument("--burst", type=int, default=10, help="sandbox burst")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child)
        return 0
    result = rate_run(args)
    print(f"{result['rows']} rows with a {args.size_mb} MB file in {result['seconds']} s = "
          f"{result['rows_per_s']} rows/s ({result['pct_of_limit']}% of {args.rate}/s ÷ 3 "
          f"calls a row); {result['api_calls']} API calls ({result['calls_per_row']} a row); "
          f"lost {result['lost']}, duplicate rows {result['duplicate_rows']}, duplicate "
          f"uploads {result['duplicate_uploads']}", flush=True)
    if not args.skip_memory:
        result["rss_mb_1mb"], result["rss_mb_30mb"] = memory_run(1), memory_run(30)
        print(f"sender's peak memory over its start: {result['rss_mb_1mb']} MB for 1 MB files, "
              f"{result['rss_mb_30mb']} MB for 30 MB files", flush=True)
    print(json.dumps({"files": result, "limit": {"rate": args.rate, "burst": args.burst}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
