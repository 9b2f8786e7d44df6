"""bench/outbox.py still runs: every wake-up path at a tiny size, each row in Notion once."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from ops.support import ROOT

PATHS = {"retry_after", "past_job_budget", "retry_click", "reconnect", "worker_killed",
         "redis_restart", "thread_retry_after"}


@pytest.mark.redis
def test_outbox_bench_runs_and_reports():
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the outbox bench, but {reason}")
        pytest.skip(reason)
    proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/outbox.py", "--retry-after", "2", "--lease", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])["outbox"]
    assert set(report) == PATHS
    for name, figures in report.items():
        assert figures["pages"] == 1, (name, figures)
        assert figures["due_to_sent_s"] >= -0.5, (name, figures)  # never before it was due
