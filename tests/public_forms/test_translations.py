"""The shipped translations work on a fresh clone with no step (issue 15 point 2): the compiled
catalogue is committed, and it says what its source (.po) says, so neither was edited alone;
every visitor-facing string in the code has its French."""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FRENCH = ROOT / "notion_app" / "translations" / "fr" / "LC_MESSAGES"


def messages(catalog) -> dict:
    return {m.id: m.string for m in catalog if m.id}


def test_the_committed_mo_matches_its_po():
    with (FRENCH / "messages.po").open("rb") as f:
        source = read_po(f)
    compiled = BytesIO()
    write_mo(compiled, source)
    compiled.seek(0)
    with (FRENCH / "messages.mo").open("rb") as f:
        assert messages(read_mo(f)) == messages(read_mo(compiled))


def test_every_visitor_facing_string_has_its_french(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "lazy_gettext", "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (FRENCH / "messages.po").open("rb") as f:
        french = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
    assert wanted and wanted <= set(french), sorted(wanted - set(french))
