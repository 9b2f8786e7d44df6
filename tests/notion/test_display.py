"""Values as people read them: numbers in their Notion format, moments in the viewer's time
zone, dates left as dates, people by name and never as an id."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from notion_app.notion.properties.display import (
    CURRENCIES,
    DEFAULT_VIEWER,
    UNLISTED_PERSON,
    Viewer,
    moment_text,
    people_names,
    value_text,
)

NNBSP = "\u202f"  # CLDR puts a narrow no-break space between the time and AM/PM
ANN = "1c5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
BO = "2d6f2b3c-4d5e-4f60-9bac-1d2e3f4a5b6c"
PARIS = Viewer(zone=ZoneInfo("Europe/Paris"))


def number(value, number_format, viewer=DEFAULT_VIEWER):
    return value_text({"type": "number", "number": value}, number_format, viewer)


@pytest.mark.parametrize(("value", "number_format", "text"), [
    (1234.5, "dollar", "$1,234.50"),
    (1234.5, "euro", "€1,234.50"),
    (1234.5, "pound", "£1,234.50"),
    (1234.6, "yen", "¥1,235"),
    (0.125, "percent", "12.5%"),
    (1, "percent", "100%"),
    (1234567.891, "number_with_commas", "1,234,567.891"),
    (1234567.891, "number", "1234567.891"),
    (0.1 + 0.2, "number", "0.3"),
    (-42, "dollar", "-$42.00"),
    (7, None, "7"),
])
def test_numbers_follow_their_notion_format(value, number_format, text):
    assert number(value, number_format) == text


def test_every_currency_format_has_a_symbol_not_a_bare_number():
    for number_format in CURRENCIES:
        text = number(1234.5, number_format)
        assert text not in ("1234.5", "1,234.5", "1,234.50"), number_format
        assert "1,234" in text or "1,235" in text, (number_format, text)


def test_the_viewers_locale_writes_the_number():
    german = Viewer(locale="de")
    assert number(1234.5, "euro", german) == "1.234,50\xa0€"
    assert number(1234.5, "number_with_commas", german) == "1.234,5"


def test_a_moment_is_shown_in_the_viewers_time_zone_with_the_zone_named():
    created = {"type": "created_time", "created_time": "2026-07-04T09:09:00.000Z"}
    assert value_text(created) == f"Jul 4, 2026, 9:09{NNBSP}AM UTC"
    assert value_text(created, viewer=PARIS) == f"Jul 4, 2026, 11:09{NNBSP}AM CEST"
    winter = {"type": "last_edited_time", "last_edited_time": "2026-01-04T23:30:00.000Z"}
    assert value_text(winter, viewer=PARIS) == f"Jan 5, 2026, 12:30{NNBSP}AM CET"


def test_a_date_with_a_time_moves_to_the_viewers_zone():
    due = {"type": "date", "date": {"start": "2026-07-04T11:09:00.000+02:00", "end": None}}
    assert value_text(due) == f"Jul 4, 2026, 9:09{NNBSP}AM UTC"
    assert value_text(due, viewer=Viewer(zone=ZoneInfo("America/New_York"))) == (
        f"Jul 4, 2026, 5:09{NNBSP}AM EDT"
    )
    # Written in a named zone without an offset: that zone's wall clock, then the viewer's.
    local = {"type": "date", "date": {"start": "2026-07-04T09:00:00", "time_zone": "Asia/Tokyo"}}
    assert value_text(local, viewer=PARIS) == f"Jul 4, 2026, 2:00{NNBSP}AM CEST"


def test_a_date_only_stays_that_date_in_every_zone():
    due = {"type": "date", "date": {"start": "2026-07-04", "end": "2026-07-06"}}
    far_west = Viewer(zone=ZoneInfo("Pacific/Honolulu"))
    assert value_text(due) == value_text(due, viewer=far_west) == "Jul 4, 2026 → Jul 6, 2026"


def test_a_stored_naive_moment_is_utc():
    stored = datetime(2026, 7, 4, 9, 9)  # what the database keeps: naive UTC
    assert moment_text(stored) == f"Jul 4, 2026, 9:09{NNBSP}AM UTC"
    assert moment_text(stored, PARIS) == f"Jul 4, 2026, 11:09{NNBSP}AM CEST"
    kolkata = Viewer(zone=ZoneInfo("Asia/Kolkata"))
    assert moment_text(stored, kolkata) == f"Jul 4, 2026, 2:39{NNBSP}PM IST"


def test_people_are_shown_by_name_never_by_id():
    people = {"type": "people", "people": [
        {"object": "user", "id": ANN, "name": "Ann"}, {"object": "user", "id": BO},
    ]}
    assert value_text(people) == f"Ann, {UNLISTED_PERSON}"
    assert BO not in value_text(people)
    # The page knows the workspace's people: an id alone is named from that list.
    knows = Viewer(people=people_names([{"id": BO.replace("-", ""), "name": "Bo"}]))
    assert value_text(people, viewer=knows) == "Ann, Bo"


def test_someone_not_listed_replaces_every_bare_id():
    author = {"type": "created_by", "created_by": {"object": "user", "id": ANN}}
    assert value_text(author) == UNLISTED_PERSON
    known = Viewer(people=people_names([{"id": ANN, "name": "Ann Example"}]))
    assert value_text(author, viewer=known) == "Ann Example"
    strangers = {"type": "people", "people": [{"object": "user", "id": ANN},
                                              {"object": "user", "id": BO}]}
    assert value_text(strangers) == "2 people not listed"
    editor = {"type": "last_edited_by",
              "last_edited_by": {"object": "user", "id": BO, "person": {"email": "bo@x.example"}}}
    assert value_text(editor) == "bo@x.example"
