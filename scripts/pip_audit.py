"""`make audit`'s pip-audit step: fail on a known vulnerability, only note an audit that could
not be done (pip-audit needs the package index's JSON API; a mirror or no network has none)."""

from __future__ import annotations

import json
import subprocess  # nosec B404
import sys


def main() -> int:
    cmd = [sys.executable, "-m", "pip_audit", "-r", "requirements.txt", "-f", "json",
           "--progress-spinner", "off"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)  # nosec B603
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        print("note: pip-audit could not run against the package index (no network?); "
              "the dependency audit was NOT done:", file=sys.stderr)
        print((proc.stderr or proc.stdout).strip()[-800:], file=sys.stderr)
        return 0
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if skipped:
        print(f"note: pip-audit could not audit {len(skipped)} of {len(deps)} packages "
              f"(the index did not answer for them, e.g. {skipped[0]['skip_reason']!r}); "
              "run `make audit` where the package index is reachable")
    audited = len(deps) - len(skipped)
    print(f"pip-audit: {audited} package(s) audited, {len(vulnerable)} vulnerable")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
