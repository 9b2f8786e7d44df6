"""Helpers of the webhook tests: a real HTTP receiver on 127.0.0.1 (a thread with http.server),
an endpoint made through the account page (its secret read from the page that shows it once),
and the webhook sender's sweep run in the test."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from helpers import post_form
from sqlalchemy import select

from notion_app.extensions import db
from notion_app.webhooks import delivery
from notion_app.webhooks.models import WebhookAttempt, WebhookDelivery

SECRET_RE = re.compile(r'id="new-secret"[^>]*value="(whsec_[^"]+)"')


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """Records every POST; answers with the next planned (status, headers), else 200."""

    plan: list = field(default_factory=list)
    got: list = field(default_factory=list)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.got.append(Received(self.path, dict(self.headers), body))
                status, extra = receiver.plan.pop(0) if receiver.plan else (200, {})
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def add_endpoint(client, conn_id: int, url: str, events=("row.sent", "row.failed",
                                                         "import.finished")):
    """Add a webhook on the account page; (the answer, the secret it showed or None)."""
    resp = post_form(client, "/auth/account", "/auth/account/webhooks",
                     data={"connection": str(conn_id), "url": url, "events": list(events)})
    found = SECRET_RE.search(resp.get_data(as_text=True))
    return resp, found.group(1) if found else None


def sweep(app) -> int:
    """The webhook sender's unit of work, run here (the tests have no background sender)."""
    with app.app_context():
        return delivery.sweep()


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        found = list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        db.session.expunge_all()
        return found


def attempts(app) -> list[WebhookAttempt]:
    with app.app_context():
        found = list(db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))
        db.session.expunge_all()
        return found
