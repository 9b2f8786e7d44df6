"""Outbox wake-ups: how long after its due time each row arrives, per wake-up path.

Runs the paths of tests/outbox/test_wakeups_rq.py the way a deployer runs the app: a real
`python -m notion_app.ops.worker` process (RQ scheduler, safety sweep, the defaults of
OUTBOX_SAFETY_SWEEP_SECONDS and OUTBOX_JOB_BUDGET_SECONDS unless a path needs otherwise), a
`redis-server` of the bench's own on a free loopback port (no persistence, so a restart comes
back empty), the built-in sandbox over real HTTP, and the app in this process (a test client:
the web side). One row per path:

- retry_after:       the row form meets a 429 with Retry-After (`--retry-after`); due then.
- past_job_budget:   the worker's job meets it, with OUTBOX_JOB_BUDGET_SECONDS=`--job-budget`.
- retry_click:       a failed row, the user presses Retry; due at the click.
- reconnect:         the token was revoked, the row waited; due when the reconnect finished.
- worker_killed:     the create hangs at Notion (page made), the worker is SIGKILLed; due when
                     the row's lease (`--lease`, OUTBOX_LEASE_SECONDS) runs out; reconciled.
- redis_restart:     as retry_after, but Redis restarts empty before the row is due.
- thread_retry_after: retry_after with no Redis, the app's own sender thread.

"due → sent" is from the row's due time to the successful create (or, for worker_killed, to the
row recorded as sent) on the sandbox's clock. Prints one line per path and a final JSON line.

    python bench/outbox.py                            # Retry-After 10 s, lease 10 s (~2 min)
    python bench/outbox.py --retry-after 2 --lease 2  # quick: tests/ops/test_outbox_bench.py
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLIENT_ID, CLIENT_SECRET = "bench-integration", "bench-secret"
REDIRECT_URI = "http://localhost/notion/callback"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout} s")
        time.sleep(interval)
    return value


class Redis:
    """A private redis-server (never a shared one): restartable, empty after a restart."""

    def __init__(self, directory: Path):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise SystemExit("bench/outbox.py needs redis-server (apt-get install redis-server)")
        self.directory, self.port = directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        import redis

        self.proc = subprocess.Popen(  # noqa: S603 - the installed server, fixed arguments
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers():
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                return False

        wait_for(answers, 10, "redis-server answering")
        client.close()
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def make_app(tmp: Path, sandbox_url: str, **extra):
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
        "SEND_BUDGET_SECONDS": 1.0, **extra,
    })
    with app.app_context():
        db.create_all()
    return app


class Worker:
    """`python -m notion_app.ops.worker` for the app, in a process group of its own."""

    def __init__(self, app, log: Path, **env):
        cfg = app.config
        names = ("REDIS_URL", "RQ_QUEUE", "SECRET_KEY", "TOKEN_ENCRYPTION_KEY",
                 "NOTION_CLIENT_ID", "NOTION_CLIENT_SECRET", "NOTION_REDIRECT_URI",
                 "NOTION_API_BASE_URL", "OUTBOX_LEASE_SECONDS")
        full = {**os.environ, **{n: str(cfg[n]) for n in names},
                "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"], "NOTION_SANDBOX": "0",
                "APP_ENV": "development", "LOG_LEVEL": "WARNING",
                **{k: str(v) for k, v in env.items()}}
        with log.open("a") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
                [sys.executable, "-m", "notion_app.ops.worker"], cwd=ROOT, env=full,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        from rq import Worker as RQWorker

        queue = app.extensions["rq_queue"]
        wait_for(lambda: any(w.pid == self.proc.pid for w in RQWorker.all(queue=queue)), 30,
                 f"the worker registering (log: {log})")

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Bench:
    def __init__(self, app, control, title_key: str):
        self.app, self.control, self.client = app, control, app.test_client()
        self.title_key = title_key

    def sign_in(self):
        self.client.post("/auth/signup", data={"email": "bench@example.com",
                                               "password": PASSWORD, "confirm": PASSWORD})
        self.connect()
        dss = {k: v for d in self.control.seed()["databases"].values()
               for k, v in d["data_sources"].items()}
        self.ds_id = dss["tasks"]
        self.url = f"/connections/{self.conn_id()}/data-sources/{self.ds_id}"
        self.client.get(self.url)  # the schema, cached for the row form's POSTs

    def connect(self):
        authorize = self.client.post("/connections/connect").headers["Location"]
        location = urlsplit(self.control.consent(authorize, workspace="acme", user="ada"))
        self.client.get(f"{location.path}?{location.query}")

    def conn_id(self) -> int:
        from sqlalchemy import select

        from notion_app.extensions import db
        from notion_app.models import NotionConnection

        with self.app.app_context():
            return db.session.scalar(select(NotionConnection.id))

    def post_row(self, title: str) -> int:
        resp = self.client.post(self.url, data={self.title_key: title})
        assert resp.status_code == 302, resp.status_code
        return self.row(title=title).id

    def row(self, row_id: int | None = None, title: str | None = None):
        from sqlalchemy import select

        from notion_app.extensions import db
        from notion_app.models import RowSubmission

        with self.app.app_context():
            query = select(RowSubmission).where(
                RowSubmission.id == row_id if row_id else RowSubmission.title_text == title)
            row = db.session.scalar(query)
            db.session.expunge(row)
            return row

    def sent(self, row_id: int, timeout: float):
        return wait_for(lambda: (r := self.row(row_id)).state == "sent" and r, timeout,
                        f"row {row_id} sent", interval=0.05)

    def posts(self) -> list[dict]:
        return self.control.requests(path="/v1/pages", method="POST")

    def pages(self, title: str) -> int:
        return sum(1 for p in self.control.pages()
                   if p["request_properties"]["Name"]["title"][0]["text"]["content"] == title)


def at(entry: dict) -> datetime:
    return datetime.fromisoformat(entry["at"])


def result(bench: Bench, title: str, due: datetime, sent: datetime) -> dict:
    return {"due_to_sent_s": round((sent - due).total_seconds(), 2),
            "pages": bench.pages(title)}


def after_429(bench: Bench, title: str, retry_after: float, timeout: float, start) -> dict:
    bench.control.clear_requests()
    bench.control.fail_next(429, count=1, path="/v1/pages", method="POST",
                            retry_after=retry_after)
    row_id = start(title)
    bench.sent(row_id, timeout)
    refused, *_, created = bench.posts()
    assert refused["status"] == 429 and created["status"] == 200, bench.posts()
    return result(bench, title, at(refused) + timedelta(seconds=retry_after), at(created))


def retry_click(bench: Bench, timeout: float) -> dict:
    from sqlalchemy import select

    from notion_app.extensions import db
    from notion_app.models import NotionConnection, RowSubmission

    bench.control.clear_requests()
    with bench.app.app_context():  # a row Notion refused earlier: it waits for the user
        conn = db.session.scalar(select(NotionConnection))
        row = RowSubmission(
            user_id=conn.user_id, connection_id=conn.id, data_source_id=bench.ds_id,
            data_source_title="Tasks", properties=title_props("retry_click"),
            title_property="Name", title_text="retry_click", state="failed",
            next_attempt_at=None, last_error="Notion refused the row.",
        )
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    time.sleep(1)
    clicked = datetime.now(UTC)
    bench.client.post(f"/rows/{row_id}/retry")
    bench.sent(row_id, timeout)
    created = [p for p in bench.posts() if p["status"] == 200]
    return result(bench, "retry_click", clicked, at(created[-1]))


def title_props(title: str) -> dict:
    return {"Name": {"title": [{"type": "text", "text": {"content": title}}]}}


def reconnect(bench: Bench, timeout: float) -> dict:
    bench.control.clear_requests()
    bench.control.revoke_all()
    row_id = bench.post_row("reconnect")
    wait_for(lambda: bench.row(row_id).state == "pending" and bench.row(row_id).next_attempt_at
             is None, 10, "the row waiting for a reconnect")
    bench.connect()
    reconnected = datetime.now(UTC)
    bench.sent(row_id, timeout)
    created = [p for p in bench.posts() if p["status"] == 200]
    return result(bench, "reconnect", reconnected, at(created[-1]))


def submit(bench: Bench, title: str) -> int:
    """Save a row without sending it in a request (as the CSV import does)."""
    import uuid

    from sqlalchemy import select

    from notion_app import outbox
    from notion_app.extensions import db
    from notion_app.models import NotionConnection, User

    with bench.app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        schema = {"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}}
        row, _ = outbox.submit(db.session.get(User, conn.user_id), conn,
                               {"id": bench.ds_id, "title": "Tasks"}, schema,
                               outbox.NewRow(title_props(title), uuid.uuid4().hex))
        return row.id


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--retry-after", type=float, default=10.0, help="seconds of the 429s")
    parser.add_argument("--lease", type=float, default=10.0, help="OUTBOX_LEASE_SECONDS")
    parser.add_argument("--job-budget", type=float, default=2.0,
                        help="OUTBOX_JOB_BUDGET_SECONDS of past_job_budget's worker")
    parser.add_argument("--grace", type=float, default=60.0, help="latest arrival after due")
    args = parser.parse_args(argv)

    from notion_app.notion.properties import field_key
    from notion_app.sandbox.control import SandboxControl
    from notion_app.sandbox.server import SandboxServer

    settings = {"clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                             "redirect_uris": [REDIRECT_URI], "name": "bench"}],
                "rate_limit": None}
    results: dict[str, dict] = {}
    ra, timeout = args.retry_after, args.retry_after + args.grace
    with tempfile.TemporaryDirectory() as tmp_name, SandboxServer(settings=settings) as sandbox:
        tmp = Path(tmp_name)
        control = SandboxControl(sandbox.url)
        redis = Redis(tmp).start()
        workers: list[Worker] = []
        try:
            (tmp / "rq").mkdir()
            app = make_app(tmp / "rq", sandbox.url, REDIS_URL=redis.url, RQ_QUEUE="bench",
                           OUTBOX_LEASE_SECONDS=args.lease)
            bench = Bench(app, control, field_key("title"))
            bench.sign_in()
            log = tmp / "worker.log"

            def report(name: str, figures: dict) -> None:
                results[name] = figures
                print(f"{name:<19} due -> sent {figures['due_to_sent_s']:6.2f} s   pages in "
                      f"Notion {figures['pages']}", flush=True)

            print(f"Retry-After {ra:g} s, lease {args.lease:g} s, safety sweep every "
                  f"{app.config['OUTBOX_SAFETY_SWEEP_SECONDS']:g} s", flush=True)
            workers.append(Worker(app, log))
            report("retry_after", after_429(bench, "retry_after", ra, timeout, bench.post_row))
            workers.pop().stop()
            workers.append(Worker(app, log, OUTBOX_JOB_BUDGET_SECONDS=args.job_budget))
            report("past_job_budget", after_429(
                bench, "past_job_budget", max(ra, args.job_budget + 1), timeout,
                lambda title: submit(bench, title)))
            workers.pop().stop()
            workers.append(Worker(app, log))
            report("retry_click", retry_click(bench, timeout))
            report("reconnect", reconnect(bench, timeout))

            # worker_killed: the page is made, the answer never comes, the worker dies.
            control.clear_requests()
            control.settings(hang_seconds=args.lease + 15)
            control.ambiguous(count=1, mode="hang")
            row_id = submit(bench, "worker_killed")
            wait_for(lambda: bench.pages("worker_killed"), 10, "the hanging create")
            lease_until = bench.row(row_id).lease_until.replace(tzinfo=UTC)
            workers.pop().kill()
            workers.append(Worker(app, log))
            row = bench.sent(row_id, args.lease + args.grace)
            report("worker_killed", result(bench, "worker_killed", lease_until,
                                           row.sent_at.replace(tzinfo=UTC)))

            def then_restart(title: str) -> int:
                from rq import Worker as RQWorker
                from rq.registry import ScheduledJobRegistry

                row_id = bench.post_row(title)
                queue = app.extensions["rq_queue"]
                scheduled = ScheduledJobRegistry(queue=queue)
                started = type("Busy", (), {"count": property(lambda _: any(
                    w.get_state() != "idle" for w in RQWorker.all(queue=queue)
                    if w.pid == workers[-1].proc.pid))})()
                # Restart while the worker idles: Redis going away during RQ's bookkeeping of
                # a job makes RQ quit the worker process (then only a supervisor helps).
                wait_for(lambda: scheduled.count and not started.count, 10,
                         "the scheduled wake-up")
                time.sleep(0.5)
                redis.stop()
                redis.start()  # empty: the scheduled wake-up is gone
                return row_id

            report("redis_restart", after_429(bench, "redis_restart", ra, timeout,
                                              then_restart))
        finally:
            for worker in workers:
                worker.stop()
            redis.stop()

        (tmp / "thread").mkdir()
        app = make_app(tmp / "thread", sandbox.url, BACKGROUND_SENDER=True)
        bench = Bench(app, control, field_key("title"))
        bench.sign_in()
        report("thread_retry_after", after_429(bench, "thread_retry_after", ra, timeout,
                                               bench.post_row))
        control.close()
    print(json.dumps({"outbox": results, "retry_after_s": ra, "lease_s": args.lease}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
