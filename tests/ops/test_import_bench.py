"""bench/import_rate.py still runs: 10 rows, the sandbox's limit high, both scenarios."""

import json
import subprocess
import sys

from ops.support import ROOT


def test_import_rate_bench_runs_and_reports():
    proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/import_rate.py", "--rows", "10", "--rate", "100", "--burst", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    runs = {(r["who"], r["scenario"]): r for r in report["import_rate"]}
    assert set(runs) == {(w, s) for w in ("app", "notion-client") for s in ("clean", "faults")}
    for scenario in ("clean", "faults"):
        app = runs[("app", scenario)]
        assert (app["sent"], app["lost"], app["duplicates"]) == (10, 0, 0), app
        assert app["rows_per_s"] > 0 and app["api_calls"] >= 10
