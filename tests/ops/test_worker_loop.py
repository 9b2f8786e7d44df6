"""The worker process keeps an RQ worker running until it is told to stop.

RQ's work loop quits on an unexpected error (seen: Redis going away while a job's result was
being recorded); `run_until_stopped` starts it again, and stops only for a signal or a burst.
"""

from __future__ import annotations

import signal
import subprocess
import time

from workers import PrivateRedis, rq_app, start_worker, wait_for

from notion_app.ops.worker import run_until_stopped


class QuittingWorker:
    """Stands in for RQ's Worker: its loop ends on its own `quits` times, then by a signal."""

    runs = 0

    def __init__(self, quits: int):
        self.quits = quits
        self.stop_signalled = False

    def work(self, with_scheduler: bool, burst: bool) -> bool:
        QuittingWorker.runs += 1
        self.stop_signalled = QuittingWorker.runs > self.quits
        return False


def test_a_worker_that_quit_on_its_own_is_started_again_until_a_signal():
    QuittingWorker.runs = 0
    assert run_until_stopped(lambda: QuittingWorker(quits=2), burst=False, pause=0) == 3


def test_a_burst_worker_runs_once():
    QuittingWorker.runs = 0
    assert run_until_stopped(lambda: QuittingWorker(quits=5), burst=True, pause=0) == 1


def test_sigterm_stops_the_real_worker_process(tmp_path):
    """The restart loop must not swallow a platform's SIGTERM (a dyno restart, a deploy)."""
    redis = PrivateRedis(tmp_path / "redis").start()
    try:
        with rq_app(tmp_path, "http://127.0.0.1:9", url=redis.url) as app:
            log = tmp_path / "worker.log"
            proc = start_worker(app, log, PYTHONFAULTHANDLER="1")
            wait_for(lambda: "Listening on" in log.read_text() or proc.poll() is not None,
                     timeout=30, what="the worker listening")
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGABRT)
                time.sleep(1)
                proc.kill()
                raise AssertionError("the worker kept running after SIGTERM") from None
            assert code == 0, log.read_text()
            assert "starting it again" not in log.read_text()
    finally:
        redis.kill()
