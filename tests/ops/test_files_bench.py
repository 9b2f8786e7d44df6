"""bench/files.py still runs: a few rows with a file each, the sandbox's limit high, and the
memory runs (one process per file size)."""

import json
import subprocess
import sys

from ops.support import ROOT


def test_files_bench_runs_and_reports():
    proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/files.py", "--rows", "4", "--rate", "100", "--burst", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])["files"]
    assert (report["rows"], report["lost"], report["duplicate_uploads"]) == (4, 0, 0), report
    assert report["duplicate_rows"] == 0 and report["calls_per_row"] >= 3
    assert report["rss_mb_1mb"] > 0 and report["rss_mb_30mb"] > 0
