"""bench/pages.py still runs: two users, one second a phase, both latencies, and the bare route."""

import json
import subprocess
import sys

from ops.support import ROOT


def test_pages_bench_runs_and_reports():
    proc = subprocess.run(
        [sys.executable, "bench/pages.py", "--users", "2", "--duration", "1", "--think", "0.1",
         "--latencies", "0,50", "--workers", "1", "--threads", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])["pages"]
    pages = {(p["page"], p["latency_ms"]): p for p in result["phases"]}
    assert set(pages) == {(page, latency) for page in ("dashboard", "list", "data_source",
                                                       "append") for latency in (0, 50)}
    for phase in [*result["phases"], result["bare"]]:
        assert phase["requests"] > 0 and phase["errors"] == 0, phase
        assert phase["p50_ms"] <= phase["p95_ms"] <= phase["p99_ms"]
        assert len(phase["worker_rss_mb"]) == 1 and phase["worker_rss_mb"][0] > 0
    assert pages["dashboard", 0]["notion_calls_per_request"] == 0
    assert pages["data_source", 50]["notion_calls_per_request"] >= 1
    assert pages["append", 50]["notion_calls_per_request"] >= 1
    assert result["server_tracebacks"] == 0
    assert set(result["goals"]) >= {"data_source_ok", "cached_ok", "cached_over_bare"}
