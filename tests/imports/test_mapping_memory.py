"""The mapping guesses well and remembers (issue 17 point 3): headers matched loosely (case,
accents, spaces, punctuation, synonyms), a title no column gives said once at the mapping, and
the next file with the same headers into the same data source starts from the last mapping."""

from __future__ import annotations

from helpers import choose_mode, connect, csrf_from, import_id, start_import

from notion_app.extensions import db
from notion_app.imports.models import ImportMode
from notion_app.models import Import


def mapping_of(app, preview) -> dict:
    with app.app_context():
        return db.session.get(Import, import_id(preview)).mapping


def test_headers_are_matched_loosely_and_by_synonym(user_client, app, sandbox):
    connect(user_client, sandbox)
    data = "Títle,PRIORITY!,est. imate,Website,Description,Labels,Whatever\nA,High,1,,,,\n"
    preview = start_import(user_client, app, sandbox, data.encode())
    assert mapping_of(app, preview) == {
        "Títle": "Name", "PRIORITY!": "Priority", "est. imate": "Estimate", "Website": "Link",
        "Description": "Notes", "Labels": "Tags", "Whatever": ""}


def test_an_exact_name_wins_over_a_synonym(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, b"Description,Notes\na,b\n")
    assert mapping_of(app, preview) == {"Description": "", "Notes": "Notes"}


def test_an_unmapped_title_is_one_message_at_the_mapping(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, b"Estimate\n1\n2\n3\n")
    html = user_client.get(preview).get_data(as_text=True)
    assert html.count("No column goes to Name, the title") == 1
    assert 'data-label="Error">Name:' not in html  # not once per row
    assert "3 rows have no title: see the mapping above." in html
    assert '<strong data-count="invalid">3</strong>' in html


def test_update_only_needs_no_title_column(user_client, app, sandbox):
    connect(user_client, sandbox)
    preview = start_import(user_client, app, sandbox, b"Mail,Estimate\na@acme.example,1\n")
    choose_mode(user_client, app, preview, mode="update", key_column="Mail",
                key_property="Contact")
    assert "No column goes to Name" not in user_client.get(preview).get_data(as_text=True)


def test_the_next_file_with_the_same_headers_starts_from_the_last_mapping(
    user_client, app, sandbox
):
    connect(user_client, sandbox)
    data = b"Name,Estimate,priority\nA,1,High\n"
    first = start_import(user_client, app, sandbox, data)
    assert mapping_of(app, first)["priority"] == "Priority"  # the guess
    token = csrf_from(user_client.get(first).get_data(as_text=True))
    user_client.post(first + "/mapping", data={
        "csrf_token": token, "column-0": "Name", "column-1": "Budget", "column-2": "",
        "mode": "upsert", "key_column": "Name", "key_property": "Name"})
    second = start_import(user_client, app, sandbox, b"Name,Estimate,priority\nB,2,Low\n")
    assert mapping_of(app, second) == {"Name": "Name", "Estimate": "Budget", "priority": ""}
    with app.app_context():
        mode = db.session.query(ImportMode).filter_by(import_id=import_id(second)).one()
        assert (mode.mode, mode.key_column, mode.key_property) == ("upsert", "Name", "Name")
    other = start_import(user_client, app, sandbox, b"Name,Estimate\nC,3\n")  # other headers
    assert mapping_of(app, other) == {"Name": "Name", "Estimate": "Estimate"}
    projects = start_import(user_client, app, sandbox, data, ds="projects")  # other source
    assert mapping_of(app, projects)["Estimate"] == ""
