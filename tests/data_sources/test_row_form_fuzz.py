"""T22: generated input through the real row form: no 5xx, no raw markup, no over-limit call."""

from __future__ import annotations

from helpers import calls, connect, csrf_from, ds_url, key
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MARKUP = "<script>alert(1)</script>"
NAMES = ["Name", "Notes", "Estimate", "Progress", "Budget", "Priority", "Tags", "Status", "Due",
         "Done", "Link", "Contact", "Phone", "Assignee", "Project", "Attachments", "Score"]
SUFFIXES = ["", "", "", "-new", "-name", "-time", "-end", "-end-time", "-tz"]

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from([MARKUP, "\x00", "a\x00b", "💥" * 1500, "x" * 10_000, "y" * 250_000,
                     "12.5%", "-1e999", "1e308", "2026-02-30", "25:99", "Mars/Olympus",
                     "javascript:alert(1)", "00000000-0000-0000-0000-000000000000", "on", ""]),
)
field_names = st.one_of(
    st.builds(lambda n, s: key(n) + s, st.sampled_from(NAMES), st.sampled_from(SUFFIXES)),
    st.text(max_size=20),
    st.just('<b>"name"</b>'),
)
values = st.one_of(texts, st.lists(texts, max_size=4))
# A plain title most of the time, so that many generated rows are valid and really get sent.
forms = st.builds(
    lambda title, fields: {key("Name"): title, **fields},
    st.one_of(st.just("Row"), st.just("Row"), texts),
    st.dictionaries(field_names, values, max_size=12)
    | st.dictionaries(st.sampled_from([key(n) for n in NAMES]), texts, max_size=3),
)


def over_limit(value) -> bool:
    """True when a request value breaks Notion's limits (2000 per text item, 100 per list)."""
    if isinstance(value, list):
        return len(value) > 100 or any(over_limit(v) for v in value)
    if isinstance(value, dict):
        content = value.get("content")
        if isinstance(content, str) and len(content.encode("utf-16-le")) // 2 > 2000:
            return True
        return any(over_limit(v) for v in value.values())
    return False


def test_generated_input_never_breaks_the_form(app, user_client, sandbox):
    connect(user_client, sandbox)
    url = ds_url(app, sandbox, "tasks")
    token = csrf_from(user_client.get(url).get_data(as_text=True))
    statuses = []

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(forms)
    def post(form):
        resp = user_client.post(url, data={**form, "csrf_token": token})
        statuses.append(resp.status_code)
        assert resp.status_code in (302, 400), resp.status_code
        html = resp.get_data(as_text=True)
        assert MARKUP not in html and '<b>"name"</b>' not in html

    sandbox.clear_requests()
    post()
    # T22b: the cases that once reached Notion and were refused unseen, every time
    for form in ({key("Name"): "x" * 10_000, key("Notes"): MARKUP},
                 {key("Name"): MARKUP, key("Notes"): "é" * 10_000 + MARKUP}):
        resp = user_client.post(url, data={**form, "csrf_token": token})
        statuses.append(resp.status_code)
        assert resp.status_code in (302, 400)
    assert 400 in statuses and 302 in statuses
    # every Notion call was a page creation for a valid row: none for the rejected ones; the
    # workspace's people at most once (cached), to look up an email typed in a people field
    users = calls(sandbox, "/v1/users")
    assert users <= 1
    assert calls(sandbox) - users == calls(sandbox, "/v1/pages", "POST") == statuses.count(302)
    for page in sandbox.pages():
        assert not over_limit(page["request_properties"])
    # T22b: what reached the sandbox, not only what it created: no over-limit request body and
    # no refusal (4xx) caused by what the app sent
    sent = sandbox.requests()
    assert [r["path"] for r in sent if over_limit(r["body"])] == []
    assert [(r["path"], r["status"]) for r in sent if r["status"] >= 400] == []
