"""Notion refuses a row in each documented message shape (notion-api.md §5.5) and the row form
comes back with the error at the right field and the typed values kept, for property names with
spaces, dots, brackets and emoji (the sandbox's "Odd names" data source)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from helpers import connect, ds_url, key, page_form

MISSING_USER = "00000000-0000-4000-8000-000000000000"


def _field_error(html: str, name: str) -> str | None:
    """The error text shown under the field of property `name`, or None."""
    match = re.search(rf'<small id="{re.escape(key(name, "odd_names"))}-error" '
                      r'class="field-error">([^<]*)</small>', html)
    return unescape(match.group(1)) if match else None


def _errors(html: str) -> list[str]:
    return re.findall(r'<small id="(p-[^"]+)-error" class="field-error">', html)


# (property the error belongs to, what Notion changed meanwhile, typed values, message start)
CASES = [
    pytest.param("Owner [team.lead]", None, {"Owner [team.lead]": MISSING_USER},
                 "body failed validation: body.properties.Owner [team.lead].people[0].id",
                 id="body.properties.X"),
    pytest.param("v1.2 score", {"name": "v1.2 score", "type": "select"}, {"v1.2 score": "12"},
                 "body failed validation. Fix one:\nbody.properties.v1.2 score.select",
                 id="fix-one"),
    pytest.param("🔥 Heat", {"name": "🔥 Heat", "rename": "Heat"}, {"🔥 Heat": "7"},
                 "🔥 Heat is not a property that exists.", id="not-a-property"),
    pytest.param("Stage (v2.0)", {"name": "Stage (v2.0)", "drop_option": "Live"},
                 {"Stage (v2.0)": "Live"},
                 '"Live" is an invalid select option for property Stage (v2.0).',
                 id="invalid-select-option"),
]


@pytest.mark.parametrize(("prop", "change", "typed", "message"), CASES)
def test_a_refused_row_comes_back_with_the_error_at_its_field(
        app, user_client, sandbox, prop, change, typed, message):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "odd_names")
    form = page_form(user_client, url)  # the app has the schema now (cached)
    if change:  # someone edits the data source in Notion; the app's schema is now stale
        sandbox.change_property("odd_names", **change)
    values = {"Name": "Tarte [x.y] 🔥", "Due date": "2026-08-01", "Notes ": "keep me", **typed}
    resp = user_client.post(url, data=form | {key(n, "odd_names"): v for n, v in values.items()})
    assert resp.status_code == 302 and "?row=" in resp.headers["Location"], resp.status_code
    html = user_client.get(resp.headers["Location"]).get_data(as_text=True)
    error = _field_error(html, prop)
    assert error is not None and error.startswith(message), (prop, error, _errors(html))
    assert _errors(html) == [key(prop, "odd_names")]  # at that field, and at no other
    for name, value in values.items():
        assert f'value="{value}"' in unescape(html) or f">{value}</" in unescape(html), name
