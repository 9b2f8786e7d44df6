"""T37: with REDIS_URL and real workers, no row is stranded — one test per wake-up path.

The web side is this test's app (a test client, REDIS_URL set, a queue of its own); the sender is
`python -m notion_app.ops.worker` subprocesses on the same database (real forks, RQ's scheduler,
the safety sweep), never RQ's synchronous mode. Each test checks that the row is not sent before
it is due (the sandbox's request log, with its own clock) and that it arrives with no further
request from the test: after the action under test the test only reads the database and the
sandbox's log. Deadlines are generous (due + 20 s); how late rows arrive is `bench/outbox.py`'s.

The paths that must wake the sender by themselves run with the worker's safety sweep off
(`NO_SAFETY_SWEEP`), so that sweep cannot hide a lost wake-up; the crash paths (a worker killed
mid-send, a Redis restart) run with the default sweep, the one thing that rescues them. Where
the in-process thread sender (no REDIS_URL) could behave differently, the same test runs on it.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import build_app, make_config
from helpers import (
    connect,
    csrf_from,
    ds_ids,
    ds_url,
    key,
    page_form,
    signup,
    titles_in_notion,
)
from sqlalchemy import select
from workers import PrivateRedis, kill_worker, rq_app, start_worker, stop, wait_for

from notion_app import outbox
from notion_app.extensions import db
from notion_app.models import NotionConnection, RowState, RowSubmission, User
from notion_app.outbox import delivery

# Due time + this is the latest a row may arrive (generous: a loaded CI machine is slow).
GRACE = 20.0
# The sandbox's clock and the app's are the same machine's; this absorbs rounding and jitter.
EARLY = 0.5
NO_SAFETY_SWEEP = 3600.0
pytestmark = pytest.mark.redis


class Site:
    """The app as deployed with RQ: the web side in-process, workers as subprocesses."""

    def __init__(self, app, tmp_path, sandbox):
        self.app, self.tmp_path, self.sandbox = app, tmp_path, sandbox
        self.client = app.test_client()
        self.workers: list = []

    def worker(self, wait_ready: bool = True, **env):
        proc = start_worker(self.app, self.tmp_path / f"worker{len(self.workers)}.log", **env)
        self.workers.append(proc)
        if wait_ready:
            wait_for(lambda: self.registered(proc), 20, what="the worker registering with RQ")
        return proc

    def registered(self, proc) -> bool:
        from rq import Worker

        assert proc.poll() is None, self.logs()
        queue = self.app.extensions["rq_queue"]
        return any(w.pid == proc.pid for w in Worker.all(queue=queue))

    def logs(self) -> str:
        return "".join(p.read_text() for p in sorted(self.tmp_path.glob("worker*.log")))

    def close(self):
        for proc in self.workers:
            stop(proc)


@pytest.fixture
def site(tmp_path, sandbox_server, sandbox):
    """RQ with the safety sweep off: only the path under test can wake the sender."""
    with rq_app(tmp_path, sandbox_server.url, prefix="test-wake", SEND_BUDGET_SECONDS=1.0,
                OUTBOX_SAFETY_SWEEP_SECONDS=NO_SAFETY_SWEEP) as app:
        site = Site(app, tmp_path, sandbox)
        yield site
        site.close()


@pytest.fixture
def thread_site(tmp_path, sandbox_server, sandbox):
    """No REDIS_URL: the app's own sender thread (started by the first request) sends."""
    app = build_app(make_config(tmp_path, sandbox_server.url, BACKGROUND_SENDER=True,
                                SEND_BUDGET_SECONDS=1.0))
    yield Site(app, tmp_path, sandbox)
    stop_thread_sender(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def stop_thread_sender(app) -> None:
    """Park the app's daemon sender thread for good (it has no stop): it finishes the sweep it
    is in, then waits on an event nobody sets, so it never touches the deleted database."""
    thread = app.extensions.get("notion_sender")
    if thread is None or not thread.started:
        return
    parked = threading.Event()

    class Parked:
        def wait(self, timeout=None):
            parked.set()
            threading.Event().wait()

        def set(self):
            pass

        def clear(self):
            pass

    woken, thread.event = thread.event, Parked()
    woken.set()
    assert parked.wait(30), "the sender thread did not finish its sweep"


@pytest.fixture(params=["rq", "thread"])
def any_site(request):
    return request.getfixturevalue("site" if request.param == "rq" else "thread_site")


# The part of the Tasks schema the outbox reads: which property is the title.
TASKS_SCHEMA = {"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}}


def title_props(title: str) -> dict:
    return {"Name": {"title": [{"type": "text", "text": {"content": title}}]}}


# -- helpers ------------------------------------------------------------------------------------


def at(entry: dict) -> datetime:
    """When the sandbox received a logged request (aware UTC)."""
    return datetime.fromisoformat(entry["at"])


def utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)


def page_posts(sandbox) -> list[dict]:
    return sandbox.requests(path="/v1/pages", method="POST")


def row_by_title(app, title: str) -> RowSubmission:
    with app.app_context():
        row = db.session.scalar(select(RowSubmission).where(RowSubmission.title_text == title))
        assert row is not None, f"no row {title!r}"
        db.session.expunge(row)
        return row


def get_row(app, row_id: int) -> RowSubmission:
    with app.app_context():
        row = db.session.get(RowSubmission, row_id)
        db.session.expunge(row)
        return row


def wait_until_sent(site, row_id: int, timeout: float) -> RowSubmission:
    """Poll the database (never the app over HTTP) until the row is sent."""
    def sent():
        row = get_row(site.app, row_id)
        return row if row.state == RowState.SENT else None

    try:
        return wait_for(sent, timeout, interval=0.2, what=f"row {row_id} sent")
    except AssertionError as exc:
        row = get_row(site.app, row_id)
        raise AssertionError(f"{exc}: {row.state} {row.last_error!r} due {row.next_attempt_at}"
                             f"\n{site.logs()}") from None


def signed_in(site):
    signup(site.client)
    connect(site.client, site.sandbox)
    return site.client


def post_row(site, sandbox, title: str, form: dict | None = None):
    """Submit the row form of Tasks (as a browser does); returns the row."""
    url = ds_url(site.app, sandbox, "tasks")
    data = (form or page_form(site.client, url)) | {key("Name"): title}
    resp = site.client.post(url, data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return row_by_title(site.app, title)


def submit(site, sandbox, title: str) -> int:
    """Save a row as the CSV import or an API would (outbox.submit wakes the sender)."""
    with site.app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        row, _ = outbox.submit(db.session.get(User, conn.user_id), conn,
                               {"id": ds_ids(sandbox)["tasks"], "title": "Tasks"}, TASKS_SCHEMA,
                               outbox.NewRow(title_props(title), uuid.uuid4().hex))
        return row.id


def failed_row(site, sandbox, title: str) -> int:
    """A row that failed earlier (say Notion refused it, and the user fixed the data source
    since): saved as failed in one step, so no sender can take it first. A failed row is due
    only when the user retries it."""
    with site.app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        row = RowSubmission(
            user_id=conn.user_id, connection_id=conn.id, data_source_id=ds_ids(sandbox)["tasks"],
            data_source_title="Tasks", properties=title_props(title), title_property="Name",
            title_text=title, state=RowState.FAILED, next_attempt_at=None,
            last_error="Notion refused the row.",
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def sent_after_retry_after(sandbox, retry_after: float) -> tuple[dict, dict]:
    """The 429 and the create that succeeded; the second not before the Retry-After allowed."""
    posts = page_posts(sandbox)
    assert [p["status"] for p in posts] == [429, 200], posts
    refused, created = posts
    assert at(created) >= at(refused) + timedelta(seconds=retry_after - EARLY)
    return refused, created


# -- the paths ----------------------------------------------------------------------------------


def test_row_form_429_is_sent_by_the_worker_after_retry_after(site, sandbox):
    """The production bug: the web request got a 429 with a Retry-After past its budget and
    left the row pending; nothing sent it. Now the request schedules a job for the due time."""
    signed_in(site)
    sandbox.fail_next(429, count=1, path="/v1/pages", method="POST", retry_after=10)
    row = post_row(site, sandbox, "Row form 429")
    # The request itself met the 429 (no worker ran yet) and deferred the row, not failed it.
    assert row.state == RowState.PENDING
    assert utc(row.next_attempt_at) >= at(page_posts(sandbox)[0]) + timedelta(seconds=9)
    site.worker()
    row = wait_until_sent(site, row.id, 10 + GRACE)
    sent_after_retry_after(sandbox, 10)
    assert utc(row.sent_at) >= utc(row.next_attempt_at) - timedelta(seconds=EARLY)
    assert titles_in_notion(sandbox) == {"Row form 429": 1}


def test_row_form_429_is_sent_by_the_thread_sender(thread_site, sandbox):
    """The same without Redis: the app's own thread sends it once the Retry-After is over."""
    signed_in(thread_site)
    sandbox.fail_next(429, count=1, path="/v1/pages", method="POST", retry_after=10)
    row = post_row(thread_site, sandbox, "Thread 429")
    assert row.state in (RowState.PENDING, RowState.SENDING)  # the thread may have claimed it
    row = wait_until_sent(thread_site, row.id, 10 + GRACE)
    sent_after_retry_after(sandbox, 10)
    assert titles_in_notion(sandbox) == {"Thread 429": 1}


def test_retry_after_longer_than_the_job_budget_is_still_sent(tmp_path, sandbox_server, sandbox):
    """A job sweeps for OUTBOX_JOB_BUDGET_SECONDS (2 s here) and cannot wait out a 6 s
    Retry-After; it defers the row and schedules the job that sends it."""
    with rq_app(tmp_path, sandbox_server.url, prefix="test-wake", SEND_BUDGET_SECONDS=1.0,
                OUTBOX_JOB_BUDGET_SECONDS=2.0,
                OUTBOX_SAFETY_SWEEP_SECONDS=NO_SAFETY_SWEEP) as app:
        site = Site(app, tmp_path, sandbox)
        try:
            signed_in(site)
            site.worker()
            sandbox.fail_next(429, count=1, path="/v1/pages", method="POST", retry_after=6)
            row_id = submit(site, sandbox, "Past the job budget")  # the worker's job meets the 429
            wait_for(lambda: page_posts(sandbox), 10, what="the first create")
            wait_until_sent(site, row_id, 6 + GRACE)
        finally:
            site.close()
    sent_after_retry_after(sandbox, 6)  # exactly one refused and one created, in that order
    assert titles_in_notion(sandbox) == {"Past the job budget": 1}




def test_retry_click_is_sent_by_the_sender(any_site, sandbox):
    site = any_site
    signed_in(site)
    row_id = failed_row(site, sandbox, "Retried")
    if site.app.config.get("REDIS_URL"):
        site.worker()  # its start-up sweep finds nothing due
    time.sleep(1.5)  # the thread sender has swept meanwhile
    assert page_posts(sandbox) == []
    html = site.client.get("/rows").get_data(as_text=True)
    clicked = datetime.now(UTC)
    resp = site.client.post(f"/rows/{row_id}/retry", data={"csrf_token": csrf_from(html)})
    assert resp.status_code == 302
    wait_until_sent(site, row_id, GRACE)
    [post] = page_posts(sandbox)
    assert post["status"] == 200 and at(post) >= clicked
    assert titles_in_notion(sandbox) == {"Retried": 1}


def test_reconnect_sends_the_row_that_waited(any_site, sandbox):
    """The user removed the integration; a row submitted then waits (not due at all) until the
    workspace is connected again, and the reconnect wakes the sender."""
    site = any_site
    signed_in(site)
    if site.app.config.get("REDIS_URL"):
        site.worker()
    url = ds_url(site.app, sandbox, "tasks")
    form = page_form(site.client, url)  # the form was open while the token still worked
    sandbox.revoke_all()
    row = post_row(site, sandbox, "After reconnect", form)

    def waiting():
        found = get_row(site.app, row.id)
        return found.last_error == delivery.WAITING_FOR_RECONNECT and found

    found = wait_for(waiting, 10, what="the row waiting for a reconnect")
    assert found.state == RowState.PENDING and found.next_attempt_at is None
    assert sandbox.pages() == []
    reconnected = datetime.now(UTC)
    connect(site.client, sandbox)
    wait_until_sent(site, row.id, GRACE)
    created = [p for p in page_posts(sandbox) if p["status"] == 200]
    assert len(created) == 1 and at(created[0]) >= reconnected
    assert titles_in_notion(sandbox) == {"After reconnect": 1}


def test_worker_killed_mid_send_is_reconciled_not_resent(tmp_path, sandbox_server, sandbox):
    """The create reached Notion, then the worker (and its work horse) died before the answer.
    The row stays `sending` until its lease (3 s) runs out; then the next worker's safety sweep
    wakes a job that finds the page in Notion and records it: one page, not two."""
    with rq_app(tmp_path, sandbox_server.url, prefix="test-wake", SEND_BUDGET_SECONDS=1.0,
                OUTBOX_LEASE_SECONDS=3.0) as app:
        site = Site(app, tmp_path, sandbox)
        try:
            signed_in(site)
            sandbox.settings(hang_seconds=8)
            sandbox.ambiguous(count=1, mode="hang")
            first = site.worker()
            row_id = submit(site, sandbox, "Killed mid-send")
            wait_for(sandbox.pages, 10, what="the page created in Notion")
            row = get_row(app, row_id)
            assert row.state == RowState.SENDING
            lease_until = utc(row.lease_until)
            kill_worker(first)
            assert get_row(app, row_id).state == RowState.SENDING
            site.worker()
            row = wait_until_sent(site, row_id, 3 + GRACE)
        finally:
            site.close()
    [page] = sandbox.pages()
    assert len(page_posts(sandbox)) == 1  # reconciled, never created again
    assert row.notion_page_id.replace("-", "") == page["id"].replace("-", "")
    queries = sandbox.requests(path="/v1/data_sources/", method="POST")
    assert queries and at(queries[0]) >= lease_until - timedelta(seconds=EARLY)
    assert utc(row.sent_at) >= lease_until
    assert titles_in_notion(sandbox) == {"Killed mid-send": 1}


def test_redis_restart_loses_the_scheduled_job_and_the_safety_sweep_sends(
    tmp_path, sandbox_server, sandbox
):
    """A row deferred by a 429 waits for a scheduled job; Redis restarts empty (no
    persistence), the job is gone; the worker's safety sweep still sends the row, once."""
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    private = PrivateRedis(tmp_path / "redis").start()
    try:
        with rq_app(tmp_path, sandbox_server.url, url=private.url, prefix="test-wake",
                    SEND_BUDGET_SECONDS=1.0, OUTBOX_JOB_BUDGET_SECONDS=1.0) as app:
            site = Site(app, tmp_path, sandbox)
            try:
                signed_in(site)
                site.worker()
                sandbox.fail_next(429, count=1, path="/v1/pages", method="POST", retry_after=5)
                row = post_row(site, sandbox, "Survives a Redis restart")
                registry = ScheduledJobRegistry(queue=app.extensions["rq_queue"])

                started = StartedJobRegistry(queue=app.extensions["rq_queue"])

                def deferred():
                    # ...and the job that deferred it (if the worker's) is done: Redis going
                    # away during RQ's bookkeeping of a job makes RQ 3 quit the worker
                    # process ("unhandled exception, quitting"); only a supervisor (the
                    # platform) restarts it then. Here Redis restarts while the worker idles.
                    found = get_row(app, row.id)
                    return (found.state == RowState.PENDING and registry.count > 0
                            and started.count == 0)

                wait_for(deferred, 10, what="the row deferred to a scheduled job")
                time.sleep(0.5)  # the worker back in its dequeue loop
                private.restart()
                assert registry.count == 0  # the scheduled wake-up is lost
                row = wait_until_sent(site, row.id, 5 + GRACE)
            finally:
                site.close()
    finally:
        private.kill()
    sent_after_retry_after(sandbox, 5)
    assert titles_in_notion(sandbox) == {"Survives a Redis restart": 1}


def test_a_row_with_a_file_goes_with_its_bytes_by_either_sender(any_site, sandbox):
    """The File Upload steps run in the sender, not the request: an RQ worker process (reading
    the bytes from the database) or the thread sender uploads the file once and attaches it."""
    import hashlib
    import io

    from notion_app.files.storage import NewFile

    site = any_site
    signed_in(site)
    if site.app.config.get("REDIS_URL"):
        site.worker()
    data = bytes(range(256)) * 5000  # 1.2 MB: two stored chunks
    with site.app.app_context():
        conn = db.session.scalar(select(NotionConnection))
        row, _ = outbox.submit(
            db.session.get(User, conn.user_id), conn,
            {"id": ds_ids(sandbox)["tasks"], "title": "Tasks"}, TASKS_SCHEMA,
            outbox.NewRow(title_props("With a file"), uuid.uuid4().hex,
                          files=(NewFile("Attachments", "plan.pdf", "application/pdf",
                                         io.BytesIO(data)),)))
        row_id = row.id
    wait_until_sent(site, row_id, GRACE)
    [page] = sandbox.pages()
    assert [f["name"] for f in page["page"]["properties"]["Attachments"]["files"]] == ["plan.pdf"]
    [received] = sandbox.file_uploads()["received"]
    assert received["sha256"] == hashlib.sha256(data).hexdigest()


def test_an_uncertain_create_is_looked_for_once_listed_by_either_sender(any_site, sandbox):
    """Notion made the page, answered 502, and its query lists the page only after a delay: the
    sender (an RQ worker, or the thread) looks for it when it can be listed, and adopts it —
    one page, one create — instead of sending it again."""
    site = any_site
    settle = 6.0
    site.app.config["RECONCILE_SETTLE_SECONDS"] = settle
    signed_in(site)
    if site.app.config.get("REDIS_URL"):
        site.worker(RECONCILE_SETTLE_SECONDS=str(settle))
    sandbox.settings(query_index_delay=3)
    try:
        sandbox.ambiguous(count=1, mode="status", status=502)
        row_id = submit(site, sandbox, "Listed late")
        row = wait_until_sent(site, row_id, settle + GRACE)
    finally:
        sandbox.settings(query_index_delay=0)
    assert len(page_posts(sandbox)) == 1
    assert titles_in_notion(sandbox) == {"Listed late": 1}
    queries = [r for r in sandbox.requests() if r["path"].endswith("/query")]
    assert queries and at(queries[0]) >= utc(row.last_attempt_at) + timedelta(
        seconds=settle - EARLY)  # looked for once it could be listed, not before


def test_a_big_batch_does_not_hold_back_another_connections_row(any_site, sandbox):
    """T50 by either sender: Ada's 30-row batch is being sent (each create takes the sandbox
    100 ms) when Grace, on her own connection, adds one row: hers goes out in the next turn,
    not after Ada's batch — at most two of Ada's creates arrive between her row and its create."""
    from helpers import logout

    site = any_site
    signup(site.client, "ada@example.com")
    connect(site.client, sandbox, user="ada")
    logout(site.client)
    signup(site.client, "grace@example.com")
    connect(site.client, sandbox, user="grace")
    if site.app.config.get("REDIS_URL"):
        site.worker()
    with site.app.app_context():
        ada, grace = db.session.scalars(select(NotionConnection).order_by(NotionConnection.id))
        ada_id, grace_id = ada.id, grace.id
    sandbox.settings(latency_ms=100)
    try:
        batch = [f"Ada's row {n:02d}" for n in range(30)]
        with site.app.app_context():
            conn = db.session.get(NotionConnection, ada_id)
            outbox.submit_many(db.session.get(User, conn.user_id), conn,
                               {"id": ds_ids(sandbox)["tasks"], "title": "Tasks"}, TASKS_SCHEMA,
                               [outbox.NewRow(title_props(t), uuid.uuid4().hex) for t in batch])
        wait_for(lambda: len(page_posts(sandbox)) >= 3, GRACE, what="Ada's batch under way")
        submitted = datetime.now(UTC)
        with site.app.app_context():
            conn = db.session.get(NotionConnection, grace_id)
            row, _ = outbox.submit(db.session.get(User, conn.user_id), conn,
                                   {"id": ds_ids(sandbox)["tasks"], "title": "Tasks"},
                                   TASKS_SCHEMA,
                                   outbox.NewRow(title_props("Grace's row"), uuid.uuid4().hex))
            row_id = row.id
        wait_until_sent(site, row_id, GRACE)
        wait_for(lambda: titles_in_notion(sandbox).total() == 31, GRACE, what="every row sent")
    finally:
        sandbox.settings(latency_ms=0)
    creates = [(at(p), p["body"]["properties"]["Name"]["title"][0]["text"]["content"])
               for p in page_posts(sandbox)]
    grace_at = next(when for when, title in creates if title == "Grace's row")
    between = [title for when, title in creates if submitted <= when < grace_at]
    assert len(between) <= 2, between
    assert max(titles_in_notion(sandbox).values()) == 1
