"""bench/load.py (T31) still runs: a few users for a couple of seconds on SQLite."""

import json
import subprocess
import sys

from ops.support import ROOT


def test_load_bench_runs_and_reports():
    proc = subprocess.run(
        [sys.executable, "bench/load.py", "--users", "4", "--duration", "2",
         "--database", "sqlite", "--workers", "1", "--threads", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])["t31"][0]
    assert result["requests"] > 0 and result["requests_per_s"] > 0
    assert result["errors"] == result["status_5xx"] == result["database_is_locked"] == 0
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["pages_created"] >= 1  # the mix appends rows that reach the sandbox
    assert result["duplicate_pages"] == 0
