"""A NUL character in a form or query (wapiti's `%00` payloads) is answered with a 400 that says
so — on PostgreSQL it was a 500, since Postgres cannot store NUL in text."""

from helpers import PASSWORD, csrf_from, signup
from sqlalchemy import func, select

from notion_app.extensions import db
from notion_app.models import User


def test_a_nul_in_a_login_form_is_a_clear_400(app, client):
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    resp = client.post("/auth/login", data={"csrf_token": token, "password": PASSWORD,
                                            "email": "https://example.com/e.php\x00"})
    assert resp.status_code == 400
    assert "NUL character" in resp.get_data(as_text=True)


def test_a_nul_in_a_signup_saves_nothing(app, client):
    token = csrf_from(client.get("/auth/signup").get_data(as_text=True))
    resp = client.post("/auth/signup", data={"csrf_token": token, "email": "a\x00@example.com",
                                             "password": PASSWORD, "confirm": PASSWORD})
    assert resp.status_code == 400 and "NUL character" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_nul_in_a_query_string_is_a_clear_400(app, client):
    signup(client)
    resp = client.get("/rows?state=sent%00")
    assert resp.status_code == 400 and "NUL character" in resp.get_data(as_text=True)
