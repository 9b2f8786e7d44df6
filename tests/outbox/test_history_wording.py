"""The history in a person's words: each row's source, its state with one line of explanation,
tabs with counts, and no internal Attempts column (issue 12.5)."""

from __future__ import annotations

import re

from helpers import conn_id, connect, login, logout, signup
from outbox.test_history import add_rows

from notion_app.extensions import db
from notion_app.models import Import, RowSubmission


def _tab_counts(html: str) -> dict[str, int]:
    nav = html.split('class="history-tabs"', 1)[1].split("</nav>", 1)[0]
    return {label.strip(): int(n) for label, n in
            re.findall(r'>([^<>]+?) <span class="tab-count">(\d+)</span>', nav)}


def test_each_state_in_plain_words_with_its_explanation_and_no_attempts(app, user_client, sandbox):
    connect(user_client, sandbox)
    add_rows(app, 1, conn_id(app), ["pending", "unknown", "sent", "failed"])
    html = user_client.get("/rows").get_data(as_text=True)
    for word, line in [
        ("Waiting", "Saved here; it goes to Notion shortly."),
        ("Checking with Notion", "the app checks before sending it again"),
        ("Sent", "In Notion."),
        ("Needs your attention", "Notion refused it. Retry it, or discard it."),
    ]:
        assert f">{word}</span>" in html and line in html
    assert "Attempts" not in html
    assert ">Unknown<" not in html and ">Pending<" not in html  # no internal state names


def test_source_names_the_form_or_the_import_with_a_link(app, user_client, sandbox):
    connect(user_client, sandbox)
    cid = conn_id(app)
    [form_row, import_row] = add_rows(app, 1, cid, ["sent", "pending"])
    with app.app_context():
        imp = Import(user_id=1, connection_id=cid, data_source_id="d" * 32, filename="leads.csv")
        db.session.add(imp)
        db.session.flush()
        db.session.get(RowSubmission, import_row).import_id = imp.id
        db.session.commit()
        import_id = imp.id
    html = user_client.get("/rows").get_data(as_text=True)
    cells = re.findall(r'<td data-label="Source" class="row-source">(.*?)</td>', html)
    assert cells == [f'<a href="/imports/{import_id}">Import: leads.csv</a>', "Form"]


def test_tabs_filter_and_count_only_the_owners_rows(app, client, sandbox):
    signup(client, "ada@example.com")
    connect(client, sandbox)
    add_rows(app, 1, conn_id(app), ["sent", "sent", "failed", "pending", "discarded"])
    logout(client)
    signup(client, "bob@example.com")
    add_rows(app, 2, None, ["failed", "failed", "failed"])  # Bob's rows never count for Ada
    logout(client)
    login(client, "ada@example.com")
    html = client.get("/rows").get_data(as_text=True)
    # All leaves discarded rows out; a tab with no rows is not offered.
    assert _tab_counts(html) == {"All": 4, "Waiting": 1, "Sent": 2, "Needs attention": 1,
                                 "Discarded": 1}
    sent = client.get("/rows?state=sent").get_data(as_text=True)
    assert re.findall(r"row (\w+) \d", sent) == ["sent", "sent"]
    assert 'aria-current="page">Sent' in sent
    # An old link naming one state opens the tab that holds it.
    old = client.get("/rows?state=unknown").get_data(as_text=True)
    assert 'aria-current="page">Waiting' in old and re.findall(r"row (\w+) \d", old) == ["pending"]
