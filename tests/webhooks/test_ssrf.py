"""T46: without WEBHOOK_ALLOW_PRIVATE (production configuration) a webhook never reaches a
private, loopback, link-local or metadata address — refused when saved and again at delivery —
and a delivery connects to the address that was checked, whatever the name resolves to later."""

from __future__ import annotations

import pytest
from rows import send, submit
from sqlalchemy import select

from notion_app.config import production_problems
from notion_app.extensions import db
from notion_app.webhooks import ssrf
from notion_app.webhooks.models import WebhookEndpoint
from webhooks.support import add_endpoint, attempts, deliveries, sweep

REFUSED = [
    "https://127.0.0.1/hooks", "https://localhost/hooks", "https://10.0.0.8/hooks",
    "https://192.168.1.1/", "https://172.16.5.4/", "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/", "https://[fd00:ec2::254]/",
    "https://100.100.100.200/", "https://224.0.0.1/", "https://240.0.0.1/", "https://[fe80::1]/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_addresses_are_refused(url):
    with pytest.raises(ssrf.UnsafeUrl):
        ssrf.check(url)


@pytest.mark.parametrize("url", ["http://93.184.216.34/hooks", "ftp://93.184.216.34/",
                                 "https://user:pw@93.184.216.34/", "https:///nohost", "nonsense"])
def test_only_https_urls_without_credentials(url):
    with pytest.raises(ssrf.UnsafeUrl):
        ssrf.check(url)


def test_a_public_address_passes():
    target = ssrf.check("https://93.184.216.34:8443/hooks?x=1")
    assert (target.ip, target.port, target.path) == ("93.184.216.34", 8443, "/hooks?x=1")


def test_allow_private_opens_loopback_but_never_metadata():
    assert ssrf.check("http://127.0.0.1:9/", allow_private=True).ip == "127.0.0.1"
    with pytest.raises(ssrf.UnsafeUrl):
        ssrf.check("http://169.254.169.254/", allow_private=True)


def test_production_refuses_allow_private():
    problems = production_problems({"WEBHOOK_ALLOW_PRIVATE": True})
    assert any("WEBHOOK_ALLOW_PRIVATE" in p for p in problems)
    assert not any("WEBHOOK_ALLOW_PRIVATE" in p for p in production_problems({}))


def test_saving_a_loopback_url_is_refused_at_the_field(hooks_app, user_client, ada, receiver):
    hooks_app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    url = receiver.url.replace("http://", "https://")
    resp, secret = add_endpoint(user_client, ada[1], url)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and secret is None
    assert "private, local or reserved address" in html
    assert f'value="{url}"' in html  # nothing typed lost
    with hooks_app.app_context():
        assert db.session.scalar(select(WebhookEndpoint)) is None


def test_a_delivery_to_an_address_now_refused_is_not_sent(hooks_app, user_client, ada,
                                                          receiver, sandbox):
    """Saved while allowed (e.g. the name pointed elsewhere then); refused at delivery."""
    add_endpoint(user_client, ada[1], receiver.url)
    hooks_app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    send(hooks_app, submit(hooks_app, ada, "Not to loopback"))
    sweep(hooks_app)
    assert receiver.got == []
    [delivery] = deliveries(hooks_app)
    assert delivery.state == "failed"
    [attempt] = attempts(hooks_app)
    assert attempt.status_code is None and "https://" in attempt.error


def test_the_connection_goes_to_the_checked_address(receiver):
    """The pinned POST never resolves the name again: a rebinding DNS cannot redirect it. The
    name stays in the Host header (and, for https, in SNI and the certificate check)."""
    port = receiver.server.server_address[1]
    target = ssrf.Target("http", "rebinding.invalid", port, "/hooks", "127.0.0.1")
    assert ssrf.post(target, b"{}", {"Content-Type": "application/json"}, 5.0) == 200
    [got] = receiver.got
    assert got.headers["Host"] == f"rebinding.invalid:{port}"


@pytest.fixture
def tls_receiver(tmp_path):
    """An https receiver on 127.0.0.1 whose self-signed certificate names `hooks.test`."""
    import ssl
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - the system's openssl, fixed arguments
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",  # noqa: S607
         "-subj", "/CN=hooks.test", "-addext", "subjectAltName=DNS:hooks.test",
         "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    hosts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], str(cert), hosts
    server.shutdown()
    server.server_close()


def test_https_is_checked_for_the_urls_host_at_the_pinned_address(tls_receiver):
    import urllib3

    port, cert, hosts = tls_receiver
    pinned = ssrf.Target("https", "hooks.test", port, "/", "127.0.0.1")
    assert ssrf.post(pinned, b"{}", {}, 5.0, ca_certs=cert) == 204
    assert hosts == [f"hooks.test:{port}"]
    wrong_name = ssrf.Target("https", "other.test", port, "/", "127.0.0.1")
    with pytest.raises(urllib3.exceptions.SSLError):
        ssrf.post(wrong_name, b"{}", {}, 5.0, ca_certs=cert)
    with pytest.raises(urllib3.exceptions.SSLError):  # not a CA this app trusts
        ssrf.post(pinned, b"{}", {}, 5.0)
    assert len(hosts) == 1
