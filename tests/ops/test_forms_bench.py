"""bench/forms.py (issue 15 point 7) still runs: a few visitors on their own addresses, SQLite,
the test Redis, the sandbox fast enough for a short run."""

import json
import subprocess
import sys

import pytest
from workers import redis_url

from ops.support import ROOT

pytestmark = pytest.mark.redis


def test_forms_bench_runs_and_reports():
    proc = subprocess.run(
        [sys.executable, "bench/forms.py", "--visitors", "4", "--each", "2", "--spread", "2",
         "--min-seconds", "0.5", "--rate", "50", "--burst", "20", "--database", "sqlite",
         "--workers", "1", "--threads", "4", "--redis", redis_url(), "--deliver-timeout", "60"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])["forms"]
    assert result["submitted"] == result["accepted"] == 8
    assert result["errors"] == result["lost"] == result["duplicates"] == 0
    assert result["accept_p50_ms"] <= result["accept_p95_ms"] <= result["accept_p99_ms"]
    assert result["delivered_s"] is not None
