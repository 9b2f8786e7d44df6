"""12.1, the 127.0.0.1 trap: in development a request for 127.0.0.1 is sent to the configured host
(NOTION_REDIRECT_URI's, where Notion's sign-in comes back) before anything else, so the session
cookie and the OAuth round trip live on one host."""

from helpers import PASSWORD, signup


def test_a_page_on_127_0_0_1_is_sent_to_the_configured_host(app):
    client = app.test_client()
    resp = client.get("/auth/signup?next=%2Fconnections", base_url="http://127.0.0.1")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "http://localhost/auth/signup?next=%2Fconnections"
    assert "Set-Cookie" not in resp.headers  # no session started on the host being left


def test_a_form_posted_to_127_0_0_1_keeps_its_method(app):
    resp = app.test_client().post("/auth/login", base_url="http://127.0.0.1:80",
                                  data={"email": "a@example.com", "password": PASSWORD})
    assert resp.status_code == 307 and resp.headers["Location"] == "http://localhost/auth/login"


def test_the_configured_host_and_other_hosts_are_served(app):
    client = app.test_client()
    signup(client)
    assert client.get("/connections").status_code == 200
    lan = app.test_client().get("/auth/login", base_url="http://192.168.1.20")
    assert lan.status_code == 200

