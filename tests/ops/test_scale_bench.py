"""bench/scale.py still runs: a small batch on one connection, single rows on another, every
row in Notion once."""

import json
import subprocess
import sys

from ops.support import ROOT


def test_scale_bench_runs_and_reports():
    proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/scale.py", "--rows", "12", "--singles", "2", "--every", "0.5",
         "--rate", "50", "--burst", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])["scale"]
    assert (report["rows"], report["singles_sent"], report["lost"], report["duplicates"]) == \
        (12, 2, 0, 0), report
    assert report["fair_wait_p95_s"] is not None and report["calls_per_row"] >= 1
