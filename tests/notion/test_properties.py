"""notion/properties/: fields from a schema, form and CSV parsing, value text."""

import json

import pytest
from werkzeug.datastructures import MultiDict

from notion_app.notion.properties import (
    MAX_TEXT,
    READ_ONLY_TYPES,
    WRITABLE_TYPES,
    FieldError,
    csv_value,
    field_key,
    form_fields,
    parse_form,
    parse_row,
    split_text,
    title_of,
    value_text,
)

USER_A = "7775f3a3-893f-43fa-b625-460c61094c78"
USER_B = "8885f3a3-893f-43fa-b625-460c61094c78"
PAGE_1 = "393abc1e-edcd-81e9-afca-e7cba9d39cff"
REL_DS = "521ced70-4d4b-4236-b7c8-4b4eeec81b24"


def prop(pid, name, ptype, conf=None):
    return {"id": pid, "name": name, "description": None, "type": ptype, ptype: conf or {}}


SCHEMA = {
    "Notes": prop("n%3Ab", "Notes", "rich_text"),
    "Score": prop("sc", "Score", "number", {"format": "number"}),
    "Done %": prop("pc", "Done %", "number", {"format": "percent"}),
    "Priority": prop("pr", "Priority", "select", {"options": [
        {"id": "o1", "name": "High", "color": "red", "description": None},
        {"id": "o2", "name": "Low", "color": "gray", "description": None}]}),
    "Tags": prop("tg", "Tags", "multi_select", {"options": [
        {"id": "t1", "name": "a", "color": "blue"}, {"id": "t2", "name": "b", "color": "green"}]}),
    "Status": prop("st", "Status", "status", {
        "options": [{"id": "s1", "name": "Not started", "color": "default"},
                    {"id": "s2", "name": "In progress", "color": "blue"},
                    {"id": "s3", "name": "Done", "color": "green"}],
        "groups": [{"id": "g1", "name": "To-do", "color": "gray", "option_ids": ["s1"]},
                   {"id": "g2", "name": "In progress", "color": "blue", "option_ids": ["s2"]},
                   {"id": "g3", "name": "Complete", "color": "green", "option_ids": ["s3"]}]}),
    "Due": prop("du", "Due", "date"),
    "Ok": prop("ok", "Ok", "checkbox"),
    "Site": prop("ur", "Site", "url"),
    "Mail": prop("em", "Mail", "email"),
    "Phone": prop("ph", "Phone", "phone_number"),
    "Owner": prop("pe", "Owner", "people"),
    "Links": prop("re", "Links", "relation", {"database_id": "x", "data_source_id": REL_DS,
                                              "type": "single_property", "single_property": {}}),
    "Docs": prop("fi", "Docs", "files"),
    "Calc": prop("fo", "Calc", "formula", {"expression": "1+1"}),
    "ID": prop("ui", "ID", "unique_id", {"prefix": "TASK"}),
    "Created": prop("ct", "Created", "created_time"),
    "Name": prop("title", "Name", "title"),
}


def key(name):
    return field_key(SCHEMA[name]["id"])


def parse(data, **kwargs):
    kwargs.setdefault("known_user_ids", [USER_A, USER_B])
    return parse_form(SCHEMA, MultiDict(data), **kwargs)


def test_form_fields_title_first_then_schema_order_with_details():
    fields = form_fields(SCHEMA)
    assert [f.name for f in fields][:3] == ["Name", "Notes", "Score"]
    by_name = {f.name: f for f in fields}
    assert by_name["Notes"].key == "p-n_253Ab"
    assert by_name["Priority"].options == (("High", "red"), ("Low", "gray"))
    assert by_name["Priority"].allows_new_option and not by_name["Status"].allows_new_option
    assert by_name["Status"].groups[0] == ("To-do", (("Not started", "default"),))
    assert [o[0] for o in by_name["Status"].options] == ["Not started", "In progress", "Done"]
    assert by_name["Done %"].number_format == "percent"
    assert by_name["Links"].related_data_source_id == REL_DS
    assert not by_name["Calc"].writable and not by_name["ID"].writable
    assert all(f.writable == (f.type in WRITABLE_TYPES) for f in fields)
    assert "formula" in READ_ONLY_TYPES and "title" in WRITABLE_TYPES


def test_field_keys_are_safe_and_distinct():
    ids = ["title", "a b", "a_b", "a%20b", "%3AUPp", "日本", "<script>", 'x"y']
    keys = [field_key(i) for i in ids]
    assert len(set(keys)) == len(keys)
    for k in keys:
        assert k.startswith("p-") and all(c.isalnum() or c in "-_" for c in k)


def test_every_writable_type_end_to_end():
    data = [
        (key("Name"), "  Hello  "),
        (key("Notes"), "line1\r\nline2"),
        (key("Score"), "1 234.5"),
        (key("Done %"), "12.5%"),
        (key("Priority"), "High"),
        (key("Tags"), "a"), (key("Tags"), "b"), (key("Tags") + "-new", "c, d"),
        (key("Status"), "Done"),
        (key("Due"), "2026-01-31T09:00"), (key("Due") + "-end", "2026-01-31T10:30"),
        (key("Due") + "-tz", "Europe/Paris"),
        (key("Ok"), "off"), (key("Ok"), "on"),
        (key("Site"), "https://example.com/a?b=c"),
        (key("Mail"), "a@example.com"),
        (key("Phone"), "+1 (555) 010-0000"),
        (key("Owner"), USER_A),
        (key("Links"), PAGE_1.replace("-", "").upper()),
        (key("Docs"), "https://example.com/files/report%20q1.pdf"), (key("Docs") + "-name", ""),
        (key("Calc"), "should be ignored"), ("unknown", "ignored"), ("Name", "ignored"),
    ]
    properties, errors, values = parse(data)
    assert errors == {}
    assert properties == {
        "Name": {"title": [{"type": "text", "text": {"content": "Hello"}}]},
        "Notes": {"rich_text": [{"type": "text", "text": {"content": "line1\nline2"}}]},
        "Score": {"number": 1234.5},
        "Done %": {"number": 0.125},
        "Priority": {"select": {"name": "High"}},
        "Tags": {"multi_select": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]},
        "Status": {"status": {"name": "Done"}},
        "Due": {"date": {"start": "2026-01-31T09:00:00", "end": "2026-01-31T10:30:00",
                         "time_zone": "Europe/Paris"}},
        "Ok": {"checkbox": True},
        "Site": {"url": "https://example.com/a?b=c"},
        "Mail": {"email": "a@example.com"},
        "Phone": {"phone_number": "+1 (555) 010-0000"},
        "Owner": {"people": [{"object": "user", "id": USER_A}]},
        "Links": {"relation": [{"id": PAGE_1}]},
        "Docs": {"files": [{"type": "external", "name": "report q1.pdf",
                            "external": {"url": "https://example.com/files/report%20q1.pdf"}}]},
    }
    assert values[key("Name")] == ["  Hello  "]
    assert "unknown" not in values
    by_id, _, _ = parse(data, key_by="id")
    assert "title" in by_id and "n%3Ab" in by_id


def test_empty_optional_fields_are_omitted_and_title_is_required():
    properties, errors, _ = parse([(key("Notes"), ""), (key("Ok"), "")])
    assert properties == {}
    assert errors == {"Name": "This field is required."}
    properties, errors, _ = parse([], require_title=False)
    assert (properties, errors) == ({}, {})


@pytest.mark.parametrize(
    ("name", "data", "message_part"),
    [
        ("Score", [("Score", "12abc")], "number"),
        ("Score", [("Score", "5%")], "%"),
        ("Score", [("Score", "nan")], "number"),
        ("Score", [("Score", "1e999")], "large"),
        ("Priority", [("Priority", "Medium")], "not one of"),
        ("Priority", [("Priority-new", "a,b")], "commas"),
        ("Priority", [("Priority-new", "x" * 101)], "100"),
        ("Tags", [("Tags", "zzz")], "not one of"),
        ("Status", [("Status", "Nope")], "statuses"),
        ("Due", [("Due", "31/01/2026")], "not a date"),
        ("Due", [("Due", "2026-02-30")], "not a date"),
        ("Due", [("Due", "2026-01-31"), ("Due-end", "2026-01-30")], "before"),
        ("Due", [("Due", "2026-01-31T10:00"), ("Due-end", "2026-01-31")], "neither"),
        ("Due", [("Due", "2026-01-31T10:00"), ("Due-tz", "Mars/Olympus")], "time zone"),
        ("Due", [("Due", "2026-01-31T10:00"), ("Due-tz", "../../etc/passwd")], "time zone"),
        ("Due", [("Due", "2026-01-31T10:00+02:00"), ("Due-tz", "Europe/Paris")], "offset"),
        ("Due", [("Due-end", "2026-01-31")], "start"),
        ("Ok", [("Ok", "maybe")], "yes or no"),
        ("Site", [("Site", "javascript:alert(1)")], "http"),
        ("Site", [("Site", "https://e.com/" + "a" * 2000)], "2000"),
        ("Mail", [("Mail", "not-an-email")], "email"),
        ("Mail", [("Mail", "a@" + "b" * 200 + ".com")], "200"),
        ("Phone", [("Phone", "call me")], "phone"),
        ("Owner", [("Owner", "9995f3a3-893f-43fa-b625-460c61094c78")], "member"),
        ("Owner", [("Owner", "bob")], "not a Notion person id"),
        ("Links", [("Links", "not-a-uuid")], "Notion id"),
        ("Docs", [("Docs", "ftp://x/y")], "http"),
        ("Docs", [("Docs", ""), ("Docs-name", "orphan")], "URL"),
    ],
)
def test_field_errors(name, data, message_part):
    data = [(key(k.split("-")[0]) + ("-" + k.split("-", 1)[1] if "-" in k else ""), v)
            for k, v in data]
    properties, errors, values = parse([(key("Name"), "t"), *data])
    assert name in errors and message_part in errors[name], errors
    assert name not in properties
    for form_key, texts in data:
        assert values[form_key] == [texts] if texts else True


def test_limits_on_multi_values():
    ids = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(101)]
    _, errors, _ = parse([(key("Name"), "t")] + [(key("Links"), i) for i in ids])
    assert "100" in errors["Links"]
    many = ",".join(map(str, range(101)))
    _, errors, _ = parse([(key("Name"), "t"), (key("Tags") + "-new", many)])
    assert "100" in errors["Tags"]
    ok, errors, _ = parse([(key("Name"), "t"), (key("Links"), " ".join(ids[:100]))])
    assert errors == {} and len(ok["Links"]["relation"]) == 100


def test_long_text_is_split_and_capped():
    text = "x" * (MAX_TEXT * 100)
    props, errors, _ = parse([(key("Name"), "t"), (key("Notes"), text)])
    assert errors == {}
    items = props["Notes"]["rich_text"]
    assert len(items) == 100 and all(len(i["text"]["content"]) == MAX_TEXT for i in items)
    _, errors, _ = parse([(key("Name"), "t"), (key("Notes"), text + "y")])
    assert "Too long" in errors["Notes"]


def test_split_counts_utf16_and_never_cuts_a_character():
    text = "😀" * 1500  # 3000 UTF-16 units
    pieces = split_text(text)
    assert "".join(pieces) == text
    assert [len(p) for p in pieces] == [1000, 500]


def test_control_characters_and_lone_surrogates_are_stripped():
    props, errors, values = parse([(key("Name"), "a\x00b\x07c\ud800d\te")])
    assert errors == {}
    assert props["Name"]["title"][0]["text"]["content"] == "abcd\te"
    json.dumps(props, ensure_ascii=False).encode("utf-8")


def test_select_new_option_rules():
    props, errors, _ = parse([(key("Name"), "t"), (key("Priority"), "High"),
                              (key("Priority") + "-new", "Urgent")])
    assert props["Priority"] == {"select": {"name": "Urgent"}}
    _, errors, _ = parse([(key("Name"), "t"), (key("Priority") + "-new", "Urgent")],
                         allow_new_options=False)
    assert "existing" in errors["Priority"]


def test_date_forms():
    def due(*pairs):
        props, errors, _ = parse([(key("Name"), "t"), *[(key("Due") + s, v) for s, v in pairs]])
        return props.get("Due"), errors

    assert due(("", "2026-01-31")) == ({"date": {"start": "2026-01-31"}}, {})
    assert due(("", "2026-01-31"), ("-tz", "Europe/Paris"))[0] == {
        "date": {"start": "2026-01-31"}}  # a time zone without a time is ignored
    assert due(("", "2026-01-31"), ("-time", "09:15"))[0] == {
        "date": {"start": "2026-01-31T09:15:00"}}
    assert due(("", "2026-01-31T09:15:00Z"))[0] == {"date": {"start": "2026-01-31T09:15:00+00:00"}}
    assert due(("", "2026-01-31T23:00+00:00"), ("-end", "2026-02-01T00:30+01:00"))[1] == {}


def test_plain_dict_forms_and_wrong_types_do_not_crash():
    form = {key("Name"): "t", key("Score"): 5, key("Tags"): ["a", None], key("Ok"): True,
            key("Notes"): b"bytes"}
    props, errors, _ = parse_form(SCHEMA, form)
    assert errors == {"Ok": "Use yes or no."} or props["Ok"] == {"checkbox": True}
    assert props["Score"] == {"number": 5}
    assert props["Tags"] == {"multi_select": [{"name": "a"}]}


def test_csv_values_and_rows():
    assert csv_value(SCHEMA["Tags"], "a, new one") == {
        "multi_select": [{"name": "a"}, {"name": "new one"}]}
    assert csv_value(SCHEMA["Priority"], "Medium") == {"select": {"name": "Medium"}}
    assert csv_value(SCHEMA["Ok"], "No") == {"checkbox": False}
    assert csv_value(SCHEMA["Ok"], "x") == {"checkbox": True}
    assert csv_value(SCHEMA["Due"], "2026-01-01/2026-01-05") == {
        "date": {"start": "2026-01-01", "end": "2026-01-05"}}
    assert csv_value(SCHEMA["Score"], "") is None
    with pytest.raises(FieldError):
        csv_value(SCHEMA["Status"], "Unknown status")
    with pytest.raises(FieldError):
        csv_value(SCHEMA["Priority"], "Medium", allow_new_options=False)
    users = [{"object": "user", "id": USER_A, "type": "person",
              "person": {"email": "Ann@Example.com"}}]
    assert csv_value(SCHEMA["Owner"], "ann@example.com", users=users) == {
        "people": [{"object": "user", "id": USER_A}]}

    mapping = {"title": "Name", "n": "Score", "when": "Due", "calc": "Calc", "x": "Nope"}
    props, errors = parse_row(SCHEMA, mapping, {"title": "Row 1", "n": "abc", "when": "2026-1-1",
                                               "calc": "1", "x": "y"})
    assert props == {"Name": {"title": [{"type": "text", "text": {"content": "Row 1"}}]}}
    assert set(errors) == {"Score", "Due"}
    props, errors = parse_row(SCHEMA, {"n": "Score"}, {"n": "3"})
    assert errors == {"Name": "This field is required."}


READ_VALUES = [
    ({"type": "title", "title": [{"plain_text": "A"}, {"plain_text": "B"}]}, "AB"),
    ({"type": "rich_text", "rich_text": [{"text": {"content": "raw"}}]}, "raw"),
    ({"type": "number", "number": 3.0}, "3"),
    ({"type": "number", "number": None}, ""),
    ({"type": "select", "select": {"name": "High", "color": "red"}}, "High"),
    ({"type": "select", "select": None}, ""),
    ({"type": "multi_select", "multi_select": [{"name": "a"}, {"name": "b"}]}, "a, b"),
    ({"type": "status", "status": {"name": "Done"}}, "Done"),
    ({"type": "date", "date": {"start": "2026-01-01", "end": "2026-01-05", "time_zone": None}},
     "Jan 1, 2026 → Jan 5, 2026"),
    ({"type": "date", "date": None}, ""),
    ({"type": "checkbox", "checkbox": True}, "✓"),
    ({"type": "checkbox", "checkbox": False}, "–"),
    ({"type": "url", "url": "https://x"}, "https://x"),
    ({"type": "email", "email": None}, ""),
    ({"type": "phone_number", "phone_number": "+1"}, "+1"),
    ({"type": "people", "people": [{"object": "user", "id": USER_A, "name": "Ann"},
                                   {"object": "user", "id": USER_B}]}, "Ann, Someone not listed"),
    ({"type": "relation", "relation": [{"id": PAGE_1}, {"id": PAGE_1}], "has_more": False},
     "2 linked pages"),
    ({"type": "relation", "relation": [], "has_more": False}, ""),
    ({"type": "files", "files": [{"name": "a.pdf", "type": "external", "external": {"url": "u"}},
                                 {"name": "b.png", "type": "file", "file": {"url": "u"}}]},
     "a.pdf, b.png"),
    ({"type": "formula", "formula": {"type": "string", "string": "s"}}, "s"),
    ({"type": "formula", "formula": {"type": "number", "number": 2.5}}, "2.5"),
    ({"type": "formula", "formula": {"type": "boolean", "boolean": True}}, "✓"),
    ({"type": "formula", "formula": {"type": "date", "date": {"start": "2026-02-02"}}},
     "Feb 2, 2026"),
    ({"type": "rollup", "rollup": {"type": "number", "number": 7, "function": "sum"}}, "7"),
    ({"type": "rollup", "rollup": {"type": "date", "date": {"start": "2026-03-03"}}},
     "Mar 3, 2026"),
    ({"type": "rollup", "rollup": {"type": "array", "array": [
        {"type": "title", "title": [{"plain_text": "x"}]}, {"type": "number", "number": 1}]}},
     "x, 1"),
    ({"type": "rollup", "rollup": {"type": "unsupported", "unsupported": {}}}, ""),
    ({"type": "created_time", "created_time": "2026-07-04T09:09:00.000Z"},
     "Jul 4, 2026, 9:09\u202fAM UTC"),
    ({"type": "date", "date": {"start": "2026-07-04T11:09:00.000+02:00", "end": None}},
     "Jul 4, 2026, 9:09\u202fAM UTC"),
    ({"type": "created_by", "created_by": {"object": "user", "id": USER_A}}, "Someone not listed"),
    ({"type": "last_edited_by", "last_edited_by": {"object": "user", "id": "u", "name": "Bo"}},
     "Bo"),
    ({"type": "last_edited_time", "last_edited_time": "t"}, "t"),
    ({"type": "unique_id", "unique_id": {"prefix": "TASK", "number": 12}}, "TASK-12"),
    ({"type": "unique_id", "unique_id": {"prefix": None, "number": 3}}, "3"),
    ({"type": "verification", "verification": {"state": "verified", "verified_by": None,
                                               "date": None}}, "Verified"),
    ({"type": "button", "button": {}}, ""),
    ({"type": "something_new", "something_new": {"x": 1}}, ""),
    (None, ""),
]


@pytest.mark.parametrize(("value", "text"), READ_VALUES)
def test_value_text(value, text):
    assert value_text(value) == text


def test_value_text_number_formats():
    assert value_text({"type": "number", "number": 0.125}, "percent") == "12.5%"
    assert value_text({"type": "number", "number": 5}, "dollar") == "$5.00"


def test_title_of():
    ds = {"object": "data_source", "title": [{"plain_text": "Tasks"}]}
    page = {"object": "page", "properties": {"Name": {"type": "title",
                                                      "title": [{"plain_text": "Row"}]}}}
    assert title_of(ds) == "Tasks" and title_of(page) == "Row" and title_of({}) == ""
