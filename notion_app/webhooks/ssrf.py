"""Server-side request forgery (T46): where a webhook may go, and going only there.

A URL is checked when it is saved and again at every delivery: `https://` only, and every
address its host resolves to must be public (no private, loopback, link-local, multicast,
reserved or cloud-metadata range). The delivery then connects to the very address that was
checked — the host name is kept for TLS (SNI, certificate) and the Host header — so a DNS
answer that changes between the check and the connection (rebinding) cannot send it inward.
Redirects are never followed. WEBHOOK_ALLOW_PRIVATE (tests, development; refused in production)
allows `http://`, loopback and private networks; metadata addresses stay refused.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3

MAX_URL = 2000
# Cloud instance metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba): never allowed.
METADATA = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
)


class UnsafeUrl(ValueError):
    """A URL a webhook may not be sent to; the message says why, in the owner's words."""

    @property
    def message(self) -> str:
        return str(self.args[0])


class HostNotFound(UnsafeUrl):
    """The host name did not resolve: refused when saved, but only a reason to try a delivery
    again later (DNS can be down for a moment)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`ip`, `port`) and what to say (`host`, `path`)."""

    scheme: str
    host: str
    port: int
    path: str
    ip: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def check(url: str, allow_private: bool = False) -> Target:
    """The URL's target, resolved and checked; UnsafeUrl says why it is refused."""
    parts = _split(url, allow_private)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ips = _resolve(parts.hostname, port)
    for ip in ips:
        _refuse_unsafe(ip, allow_private)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, str(ips[0]))


def _split(url: str, allow_private: bool):
    text = (url or "").strip()
    if len(text) > MAX_URL:
        raise UnsafeUrl(f"The URL is longer than {MAX_URL} characters.")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise UnsafeUrl("That is not a URL; paste one like https://example.com/hooks.") from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise UnsafeUrl("The URL must start with https:// and name a host.")
    if parts.username or parts.password:
        raise UnsafeUrl("Leave the user name and password out of the URL; every delivery is "
                        "signed instead.")
    return parts


def _resolve(host: str, port: int) -> list:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise HostNotFound(f"The host {host} could not be found.") from None
    ips = []
    for *_, address in found:
        ip = ipaddress.ip_address(address[0].split("%", 1)[0])
        if ip not in ips:
            ips.append(ip)
    if not ips:
        raise HostNotFound(f"The host {host} could not be found.")
    return ips


def _refuse_unsafe(ip, allow_private: bool) -> None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in METADATA if net.version == ip.version):
        raise UnsafeUrl("The URL points at a cloud metadata address; webhooks cannot go there.")
    if ip.is_global and not (ip.is_multicast or ip.is_reserved):
        return
    if allow_private and (ip.is_loopback or ip.is_private) and not ip.is_unspecified:
        return
    raise UnsafeUrl("The URL points at a private, local or reserved address; webhooks go only "
                    "to public addresses.")


def post(target: Target, body: bytes, headers: dict, timeout: float,
         ca_certs: str | None = None) -> int:
    """POST `body` to the checked address, redirects not followed; the answer's status code.
    Raises urllib3's errors for a timeout, a refused connection, a TLS failure. The certificate
    must be valid for the URL's host name, against certifi's CAs (`ca_certs`: a test's own)."""
    options = {"timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.ip, target.port, server_hostname=target.host, assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED", ca_certs=ca_certs or certifi.where(), **options)
    else:
        pool = urllib3.HTTPConnectionPool(target.ip, target.port, **options)
    try:
        answer = pool.urlopen("POST", target.path, body=body,
                              headers={**headers, "Host": target.host_header},
                              redirect=False, retries=False, preload_content=False)
        answer.read(64 * 1024)  # a little of the body, so the connection ends cleanly
        answer.release_conn()
        return answer.status
    finally:
        pool.close()
