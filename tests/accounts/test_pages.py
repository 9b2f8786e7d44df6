"""The landing and auth pages say what the app does, show the password rule before the first
try (tied to the field for screen readers), and offer the other page as an ordinary link."""

from __future__ import annotations

from html.parser import HTMLParser

from helpers import post_form

from notion_app.accounts.forms import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH


class Page(HTMLParser):
    """The parts of a page these tests read: headings in order, elements with their text."""

    def __init__(self, html: str):
        super().__init__()
        self.headings: list[str] = []
        self.elements: list[dict] = []  # {"tag", "attrs", "text"}
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(tag)
        if tag not in {"input", "br", "img", "meta", "link", "hr"}:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def main(self) -> list[dict]:
        """The elements inside <main> (the page's own content, not the nav)."""
        tags = [e["tag"] for e in self.elements]
        start = tags.index("main")
        end = tags.index("footer")
        return self.elements[start:end]

    def by_id(self, element_id: str) -> dict:
        (found,) = [e for e in self.elements if e["attrs"].get("id") == element_id]
        return found


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_landing_page_says_what_the_app_does_with_sign_up_first(client):
    page = Page(client.get("/").get_data(as_text=True))
    text = words(" ".join(e["text"] for e in page.main() if e["tag"] in {"h1", "p"}))
    assert "Add rows to your Notion databases from a form or a CSV file" in text
    assert "nothing you type is lost" in text
    assert "Sign in with Notion" not in text
    actions = [e for e in page.main() if e["tag"] == "a" and e["attrs"].get("role") == "button"]
    assert [words(a["text"]) for a in actions] == ["Sign up", "Log in"]
    primary, secondary = actions
    assert primary["attrs"]["href"] == "/auth/signup" and "class" not in primary["attrs"]
    assert "secondary" in secondary["attrs"]["class"]


def test_the_landing_page_headings_never_skip_a_level(client):
    headings = Page(client.get("/").get_data(as_text=True)).headings
    assert headings[0] == "h1" and headings.count("h1") == 1
    levels = [int(h[1]) for h in headings]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), headings


def rule_text() -> str:
    return f"At least {PASSWORD_MIN_LENGTH} characters (at most {PASSWORD_MAX_LENGTH})"


def test_sign_up_shows_the_password_rule_before_the_first_try(client):
    page = Page(client.get("/auth/signup").get_data(as_text=True))
    password = page.by_id("password")
    assert password["attrs"]["aria-describedby"] == "password-help"
    assert rule_text() in page.by_id("password-help")["text"]


def test_after_a_short_password_the_rule_and_the_error_are_both_read_out(client):
    data = {"email": "ada@example.com", "password": "short", "confirm": "short"}
    resp = post_form(client, "/auth/signup", data=data)
    assert resp.status_code == 400
    page = Page(resp.get_data(as_text=True))
    password = page.by_id("password")
    assert password["attrs"]["aria-describedby"].split() == ["password-error", "password-help"]
    assert password["attrs"]["aria-invalid"] == "true"
    error = page.by_id("password-error")["text"]
    assert f"Use {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters." in error
    assert rule_text() in page.by_id("password-help")["text"]
    assert page.by_id("email")["attrs"]["value"] == "ada@example.com"  # nothing typed is lost


def test_a_password_of_exactly_the_stated_minimum_is_accepted(client):
    password = "p" * PASSWORD_MIN_LENGTH
    data = {"email": "ada@example.com", "password": password, "confirm": password}
    assert post_form(client, "/auth/signup", data=data).status_code == 302


def test_log_in_instead_and_sign_up_instead_are_ordinary_links(client):
    for url, name, target in (("/auth/signup", "Log in instead", "/auth/login"),
                              ("/auth/login", "Sign up instead", "/auth/signup")):
        page = Page(client.get(url).get_data(as_text=True))
        (link,) = [e for e in page.main() if words(e["text"]) == name]
        assert link["tag"] == "a" and link["attrs"]["href"] == target
        assert "role" not in link["attrs"]
