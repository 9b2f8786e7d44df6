"""Every documented shape of a validation message maps to the right
property by the schema's names: spaces, dots, brackets and emoji included."""

import pytest

from notion_app.notion.errors import property_for

NAMES = ["Due", "Due date", "v1", "v1.2 score", "Tags [old]", "🔥 Priority", "Name"]


@pytest.mark.parametrize(("message", "expected"), [
    ("body failed validation: body.properties.Due date.date.start should be a valid ISO 8601 "
     "date string, instead was `\"soon\"`.", "Due date"),
    ("body failed validation. Fix one:\nbody.properties.v1.2 score.number should be a number, "
     "instead was `\"x\"`.\nbody.properties.v1.2 score.number should be `null`, instead was "
     "`\"x\"`.", "v1.2 score"),
    ("body.properties.Due date: Due date is not a property that exists.", "Due date"),
    ("Due date is not a property that exists.", "Due date"),
    ("body failed validation: body.properties.Tags [old].multi_select[0].name should be a "
     "string", "Tags [old]"),
    ("🔥 Priority is expected to be select.", "🔥 Priority"),
    ("`Urgent` is an invalid select option for property 🔥 Priority.", "🔥 Priority"),
    ("Something else went wrong.", None),
])
def test_each_shape_names_the_whole_property(message, expected):
    assert property_for(message, NAMES) == expected
