"""`matching.same_values`: a create's property values (request shape) against the page Notion
returns (response shape), for every writable type.

Each case of NORMALISED is the same value in both shapes; `test_each_case_needs_its_normaliser`
removes the normalisation the case names and checks the comparison then fails, so a case that
passes for another reason (or a normaliser that silently stopped mattering) is caught.
"""

from __future__ import annotations

import uuid

import pytest

from notion_app.notion import matching

PERSON = str(uuid.UUID(int=1))
PERSON_2 = str(uuid.UUID(int=2))
PAGES = [str(uuid.UUID(int=100 + i)) for i in range(30)]


def dashless(notion_id: str) -> str:
    return notion_id.replace("-", "")


def echoed(ptype: str, value, **extra) -> dict:
    """A property as a page in a response holds it."""
    return {"id": "abcd", "type": ptype, ptype: value, **extra}


def rich(content: str, link: str | None = None) -> dict:
    """A rich text item in the response shape."""
    return {"type": "text", "text": {"content": content, "link": link and {"url": link}},
            "annotations": {"bold": False, "italic": False, "strikethrough": False,
                            "underline": False, "code": False, "color": "default"},
            "plain_text": content, "href": link}


def option(name: str, color: str = "red") -> dict:
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "name": name, "color": color}


def user(uid: str) -> dict:
    return {"object": "user", "id": uid, "name": "Ada", "avatar_url": None, "type": "person",
            "person": {"email": "ada@acme.example"}}


# (case, normaliser removed by the mutation check, property type, request value, response value)
NORMALISED = [
    ("title in several items", "title", "title",
     [{"text": {"content": "Write "}}, {"type": "text", "text": {"content": "the report"}}],
     [rich("Write the report")]),
    ("title by plain_text", "title", "title",
     [{"text": {"content": "See "}}, {"text": {"content": "docs", "link": {"url": "https://x.example"}}}],
     [rich("See "), rich("docs", "https://x.example")]),
    ("rich_text in several items", "rich_text", "rich_text",
     [{"text": {"content": "a"}}, {"text": {"content": "b"}}, {"text": {"content": "c"}}],
     [rich("ab"), rich("c")]),
    ("select by name", "select", "select", {"name": "High"}, option("High")),
    ("status by name", "status", "status", {"name": "Done"}, option("Done", "green")),
    ("multi_select in another order", "multi_select", "multi_select",
     [{"name": "Bug"}, {"name": "Docs"}], [option("Docs", "gray"), option("Bug")]),
    ("people ids without dashes", "people", "people",
     [{"id": dashless(PERSON)}, {"object": "user", "id": PERSON_2.upper()}],
     [user(PERSON_2), user(PERSON)]),
    ("relation ids without dashes", "relation", "relation",
     [{"id": dashless(p)} for p in PAGES[:3]], [{"id": p} for p in PAGES[:3]]),
    ("relation echo truncated to 25", "relation", "relation",
     [{"id": p} for p in PAGES], [{"id": p} for p in reversed(PAGES[5:])]),
    ("date with milliseconds and offset", "date", "date",
     {"start": "2026-07-01T10:30:00+02:00"},
     {"start": "2026-07-01T10:30:00.000+02:00", "end": None, "time_zone": None}),
    ("date echoed in UTC on the day before", "date", "date",
     {"start": "2026-07-01T01:30:00+02:00", "end": "2026-07-01T02:00:00+02:00"},
     {"start": "2026-06-30T23:30:00.000+00:00", "end": "2026-07-01T00:00:00.000Z",
      "time_zone": None}),
    ("date in a named time zone", "date", "date",
     {"start": "2026-07-01T00:30:00", "time_zone": "Europe/Paris"},
     {"start": "2026-07-01T00:30:00.000+02:00", "end": None, "time_zone": None}),
    ("date without a time", "date", "date",
     {"start": "2026-07-01", "end": "2026-07-03"},
     {"start": "2026-07-01", "end": "2026-07-03", "time_zone": None}),
    ("files external with a type added", "files", "files",
     [{"name": "b.pdf", "external": {"url": "https://f.example/b.pdf"}},
      {"name": "a.pdf", "type": "external", "external": {"url": "https://f.example/a.pdf"}}],
     [{"name": "a.pdf", "type": "external", "external": {"url": "https://f.example/a.pdf"}},
      {"name": "b.pdf", "type": "external", "external": {"url": "https://f.example/b.pdf"}}]),
    ("url cleared with an empty string", "url", "url", "", None),
    ("email cleared with an empty string", "email", "email", "", None),
    ("phone cleared with an empty string", "phone_number", "phone_number", "", None),
]


def sent_and_page(ptype, request_value, response_value):
    sent = {"Prop": {ptype: request_value}}
    extra = {"has_more": len(request_value) > 25} if ptype == "relation" else {}
    return sent, {"Prop": echoed(ptype, response_value, **extra)}


@pytest.mark.parametrize(("case", "normaliser", "ptype", "request_value", "response_value"),
                         NORMALISED, ids=[c[0] for c in NORMALISED])
def test_request_and_response_shapes_match(case, normaliser, ptype, request_value,
                                           response_value):
    assert matching.same_values(*sent_and_page(ptype, request_value, response_value))


@pytest.mark.parametrize(("case", "normaliser", "ptype", "request_value", "response_value"),
                         NORMALISED, ids=[c[0] for c in NORMALISED])
def test_each_case_needs_its_normaliser(monkeypatch, case, normaliser, ptype, request_value,
                                        response_value):
    monkeypatch.delitem(matching._BY_TYPE, normaliser)
    try:
        same = matching.same_values(*sent_and_page(ptype, request_value, response_value))
    except TypeError:  # raw lists of objects cannot even be compared
        same = False
    assert not same


def test_a_relation_echo_must_be_complete_unless_truncated():
    """The echo is a subset only because Notion shows at most 25: fewer is another value."""
    sent = {"Prop": {"relation": [{"id": p} for p in PAGES[:3]]}}
    assert not matching.same_values(sent, {"Prop": echoed("relation", [], has_more=False)})
    assert not matching.same_values(
        sent, {"Prop": echoed("relation", [{"id": PAGES[0]}], has_more=False)})
    many = {"Prop": {"relation": [{"id": p} for p in PAGES]}}
    assert not matching.same_values(
        many, {"Prop": echoed("relation", [{"id": p} for p in PAGES[:10]], has_more=True)})
    assert not matching.same_values(  # 25 shown, but one of them was never sent
        many, {"Prop": echoed("relation", [{"id": p} for p in PAGES[:24]]
                              + [{"id": PERSON}], has_more=True)})


def test_numbers_int_and_float():
    """3 and 3.0 are the same number (Python's == already says so: no normaliser needed);
    another number, or no number, is not."""
    assert matching.same_values({"N": {"number": 3}}, {"N": echoed("number", 3.0)})
    assert matching.same_values({"N": {"number": 0.5}}, {"N": echoed("number", 0.5)})
    assert not matching.same_values({"N": {"number": 3}}, {"N": echoed("number", 3.5)})
    assert not matching.same_values({"N": {"number": 0}}, {"N": echoed("number", None)})
    assert matching.same_values({"N": {"number": None}}, {"N": echoed("number", None)})


def test_checkbox():
    assert matching.same_values({"C": {"checkbox": True}}, {"C": echoed("checkbox", True)})
    assert matching.same_values({"C": {"checkbox": False}}, {"C": echoed("checkbox", False)})
    assert not matching.same_values({"C": {"checkbox": True}}, {"C": echoed("checkbox", False)})


@pytest.mark.parametrize(("ptype", "request_value", "response_value"), [
    ("title", [{"text": {"content": "Report"}}], [rich("Report v2")]),
    ("title", [{"text": {"content": "Report"}}], []),
    ("rich_text", [{"text": {"content": "a"}}], [rich("A")]),
    ("select", {"name": "High"}, option("Low")),
    ("select", {"name": "High"}, None),
    ("status", {"name": "Done"}, option("Not started")),
    ("multi_select", [{"name": "Bug"}], [option("Bug"), option("Docs")]),
    ("people", [{"id": PERSON}], [user(PERSON_2)]),
    ("relation", [{"id": PAGES[0]}], [{"id": PAGES[1]}]),
    ("date", {"start": "2026-07-01T10:30:00+02:00"},
     {"start": "2026-07-01T15:30:00.000+02:00", "end": None, "time_zone": None}),
    ("date", {"start": "2026-07-01T10:30:00+02:00"},
     {"start": "2026-07-01T10:30:00.000+00:00", "end": None, "time_zone": None}),
    ("date", {"start": "2026-07-01"}, {"start": "2026-07-02", "end": None, "time_zone": None}),
    ("date", {"start": "2026-07-01", "end": "2026-07-03"},
     {"start": "2026-07-01", "end": None, "time_zone": None}),
    ("files", [{"name": "a.pdf", "external": {"url": "https://f.example/a.pdf"}}],
     [{"name": "a.pdf", "type": "external", "external": {"url": "https://f.example/b.pdf"}}]),
    ("url", "https://a.example", "https://b.example"),
    ("email", "a@x.example", None),
    ("phone_number", "+1 555", "+1 556"),
])
def test_different_values_do_not_match(ptype, request_value, response_value):
    assert not matching.same_values(*sent_and_page(ptype, request_value, response_value))


def test_only_the_properties_sent_are_compared_and_all_of_them():
    page = {"Name": echoed("title", [rich("Report")]), "Status": echoed("status", option("Done")),
            "Created": echoed("created_time", "2026-07-01T10:00:00.000Z")}
    assert matching.same_values({"Name": {"title": [{"text": {"content": "Report"}}]}}, page)
    assert not matching.same_values(
        {"Name": {"title": [{"text": {"content": "Report"}}]}, "Missing": {"number": 1}}, page)
    assert not matching.same_values({"Name": "not a value object"}, page)
    assert matching.same_values({}, page)  # an empty row matches any page (hence the author)
