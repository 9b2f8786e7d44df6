"""Generated input (T22): parse_form and parse_row never raise, and whatever they return is
either field errors or a payload within Notion's request limits."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from notion_app.notion.properties import field_key, parse_form, parse_row
from tests.notion.test_properties import SCHEMA, USER_A, USER_B

SUFFIXES = ["", "-new", "-name", "-time", "-end", "-end-time", "-tz"]
KEYS = [field_key(p["id"]) + s for p in SCHEMA.values() for s in SUFFIXES] + [
    "Name", "title", "p-", "p-title-x", "unknown", "",
]

nasty_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec=None), max_size=30),
    st.sampled_from([
        "", " ", "\x00", "a\x00b", "12.5%", "1e309", "-0", "NaN", "Infinity", "High", "Done",
        "a,b", "2026-01-31", "2026-01-31T10:00", "2026-01-31T10:00+05:00", "Europe/Paris",
        "../../etc/passwd", "https://example.com/x", "javascript:alert(1)", "a@b.co", USER_A,
        USER_B, "393abc1eedcd81e9afcae7cba9d39cff", "<script>alert(1)</script>", "😀" * 1001,
        "\ud800", "on", "true", "x" * 10_000, "y" * 200_001, "\r\n" * 50,
    ]),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
wrong_types = st.one_of(
    st.none(), st.integers(), st.floats(), st.booleans(), st.binary(max_size=20)
)
form_values = st.lists(st.one_of(nasty_text, wrong_types), max_size=4)
forms = st.dictionaries(st.sampled_from(KEYS), form_values, max_size=25)


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


def assert_within_limits(properties):
    json.dumps(properties, ensure_ascii=False).encode("utf-8")  # no lone surrogates
    assert len(json.dumps(properties).encode()) < 500_000
    for name, value in properties.items():
        prop = SCHEMA[name]
        (ptype, inner), = value.items()
        assert ptype == prop["type"]
        if ptype in ("title", "rich_text"):
            assert 1 <= len(inner) <= 100
            assert all(1 <= utf16_len(i["text"]["content"]) <= 2000 for i in inner)
            assert all("\x00" not in i["text"]["content"] for i in inner)
        elif ptype in ("multi_select", "people", "relation", "files"):
            assert 1 <= len(inner) <= 100
        if ptype in ("select", "multi_select"):
            for option in inner if isinstance(inner, list) else [inner]:
                assert "," not in option["name"] and 1 <= len(option["name"]) <= 100
        if ptype == "status":
            assert inner["name"] in {"Not started", "In progress", "Done"}
        if ptype == "url":
            assert len(inner) <= 2000 and inner.lower().startswith(("http://", "https://"))
        if ptype == "email":
            assert len(inner) <= 200
        if ptype == "phone_number":
            assert len(inner) <= 200
        if ptype == "files":
            assert all(len(f["external"]["url"]) <= 2000 and f["name"] for f in inner)
        if ptype == "people":
            assert {p["id"] for p in inner} <= {USER_A, USER_B}
        if ptype == "number":
            assert isinstance(inner, int | float) and inner == inner
            assert inner not in (float("inf"), float("-inf"))


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(forms, st.booleans())
def test_parse_form_never_raises_and_stays_within_limits(form, multidict):
    data = MultiDict([(k, v) for k, vs in form.items() for v in vs]) if multidict else form
    properties, errors, values = parse_form(SCHEMA, data, known_user_ids=[USER_A, USER_B])
    assert set(errors) <= set(SCHEMA)
    assert not set(errors) & set(properties)
    assert set(values) <= set(KEYS)
    assert_within_limits(properties)


@settings(max_examples=200, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(list(SCHEMA)), nasty_text, max_size=18))
def test_parse_row_never_raises_and_stays_within_limits(row):
    mapping = {name: name for name in row}
    properties, errors = parse_row(SCHEMA, mapping, row, [USER_A, USER_B])
    assert not set(errors) & set(properties)
    assert_within_limits(properties)
