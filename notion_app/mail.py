"""Outgoing mail: `send()` builds an `EmailMessage` and hands it to SMTP off the request thread.

`MAIL_URL` says where: `smtp://host:25` (plain), `smtp://user:pass@host:587` (STARTTLS; an
`smtp://` URL with credentials always uses STARTTLS, so a password never crosses in clear),
`smtps://user:pass@host:465` (TLS from the start). `MAIL_FROM` is the sender, `MAIL_TIMEOUT` the
socket timeout. Without `MAIL_URL` the mail is logged (redacted) instead: a laptop needs no mail
server; in production it is a warning, and check-deploy says so. In development each such mail is
also kept, whole, in a small in-memory mailbox of the app shown at `/_dev/mailbox` (`mailbox_bp`,
registered only outside production, and answering only this machine: a staging server left
without MAIL_URL must not show anyone the reset links), so a reset or confirmation link can be
followed.

Sending happens on a small thread pool so a slow or dead mail server never slows a page (nor
makes one answer measurably slower than another: the sign-up page's answer time must not tell
whether an address has an account). A failure to send is logged and never raised. What is
sent must never carry secrets (no passwords, API or Notion tokens), with one exception: the
password-reset and confirmation links, which are signed, expire and work once. Their token sits in
a `token=` query parameter, which the log redaction masks (the dev log shows the decoded body, so
no transfer encoding can split a token past the redaction).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from flask import Blueprint, abort, current_app, render_template, request

from .ops.logs import redact

log = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class MailConfigError(ValueError):
    """MAIL_URL is not an smtp:// or smtps:// URL with a host."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False  # TLS from the first byte (smtps://)
    starttls: bool = False

    def __str__(self) -> str:  # never the credentials
        scheme = "smtps" if self.tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}" + (" (STARTTLS)" if self.starttls else "")


def parse_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise MailConfigError("MAIL_URL must look like smtp://host:25 or smtps://user:pass@host")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    tls = parts.scheme == "smtps"
    starttls = not tls and (port == 587 or username is not None)
    return SmtpTarget(parts.hostname, port, username, password, tls, starttls)


def mail_password(url: str | None) -> str | None:
    """The password in MAIL_URL (for the log redaction's list of secrets)."""
    try:
        return parse_url(url).password if url else None
    except (MailConfigError, ValueError):
        return None


def build(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    msg.set_content(body)
    return msg


def send(to: str, subject: str, body: str) -> Future | None:
    """Send a plain-text mail in the background (the Future says whether it went); never
    raises. Call inside an app context."""
    cfg = current_app.config
    try:
        msg = build(to, subject, body, cfg["MAIL_FROM"])
    except (ValueError, TypeError) as exc:
        log.warning("mail %r not built: %s", subject, exc)
        return None
    url = cfg.get("MAIL_URL")
    if not url:
        if cfg.get("PRODUCTION"):
            log.warning("mail %r to %s not sent: MAIL_URL is not set", subject, to)
        else:
            _keep(msg, body)
            log.info("mail not sent (MAIL_URL is not set); it would be:\nTo: %s\nSubject: %s"
                     "\n\n%s", to, subject, redact(body))
        return None
    try:
        target = parse_url(url)
    except (MailConfigError, ValueError) as exc:
        log.error("mail %r to %s not sent: %s", subject, to, exc)
        return None
    future = _pool.submit(deliver, target, msg, float(cfg["MAIL_TIMEOUT"]))
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


_pending: set[Future] = set()
_pending_lock = threading.Lock()


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def wait_sent(timeout: float | None = None) -> bool:
    """Wait for every mail handed to the pool so far (tests, shutdown); True when all went out
    or failed (and were logged) within `timeout`."""
    with _pending_lock:
        pending = list(_pending)
    done, not_done = wait(pending, timeout=timeout)
    return not not_done


def deliver(target: SmtpTarget, msg: EmailMessage, timeout: float) -> bool:
    """Hand `msg` to the SMTP server; True when it accepted it. Failures are logged."""
    context = ssl.create_default_context()
    try:
        if target.tls:
            smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=timeout)
        with smtp:
            if target.starttls:
                smtp.starttls(context=context)
            if target.username:
                smtp.login(target.username, target.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail %r to %s not sent via %s: %s: %s", msg["Subject"], msg["To"], target,
                    type(exc).__name__, exc)
        return False
    log.info("mail %r sent to %s via %s", msg["Subject"], msg["To"], target)
    return True


# -- development: the mailbox ------------------------------------------------------------------

MAILBOX_SIZE = 50


def _keep(msg: EmailMessage, body: str) -> None:
    """Keep a mail that was not sent in this app's development mailbox (newest first)."""
    box = current_app.extensions.setdefault("dev_mailbox", deque(maxlen=MAILBOX_SIZE))
    box.appendleft({"to": msg["To"], "from": msg["From"], "subject": msg["Subject"],
                    "date": msg["Date"], "body": body})


def dev_mailbox() -> list[dict]:
    """The mails kept in development (newest first); empty when MAIL_URL is set."""
    return list(current_app.extensions.get("dev_mailbox", ()))


mailbox_bp = Blueprint("dev_mailbox", __name__, url_prefix="/_dev")
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


@mailbox_bp.get("/mailbox")
def mailbox():
    """Development only: the mails the app would have sent (MAIL_URL is not set)."""
    if request.remote_addr not in LOOPBACK:
        abort(404)
    return render_template("dev/mailbox.html", mails=dev_mailbox(),
                           mail_url=bool(current_app.config.get("MAIL_URL")))
