"""Server-side request forgery guard for webhook URLs (Standard Webhooks: "SSRF").

A partner chooses the URL the gateway will POST to, so a URL must not make the gateway call
into its own network: the cloud metadata service (169.254.169.254), a database on a private
address, the host itself. Checked when a subscription is created or changed (a clear 422)
and again before every delivery, because DNS answers change: the delivery then connects to
the very address that was checked (:func:`pinned`), so a name cannot resolve to a public
address for the check and to a private one for the connection.

Pure: no I/O. The one name lookup and the whole check of a URL are in
``services.gateway.service.url_guard`` (:func:`~services.gateway.service.url_guard.check_url`).

- Only ``http`` and ``https``; no user name or password in the URL; a host is required.
- Every address the host resolves to must be public. Refused always: unspecified, link-local
  (the metadata address among them), multicast, reserved/documentation/benchmark ranges and
  anything else not globally routable. Refused unless ``allow_private`` (tests, local
  development): loopback, private (RFC 1918), shared/CGNAT (100.64.0.0/10), unique-local
  IPv6 (fc00::/7). IPv4-mapped (::ffff:a.b.c.d), 6to4 (2002::/16) and NAT64 (64:ff9b::/96)
  addresses are judged by the IPv4 address inside.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """The URL is refused; ``str(exc)`` says why in one sentence fragment."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts and the addresses it may be reached at."""

    url: str
    scheme: str
    host: str
    port: int


def _net(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr)


_NAT64 = _net("64:ff9b::/96")
#: Addresses that are never a partner's receiver, whatever the settings say.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
#: (network, what it is): refused unless allow_private.
_PRIVATE = [
    (_net("127.0.0.0/8"), "a loopback address"),
    (_net("::1/128"), "a loopback address"),
    (_net("10.0.0.0/8"), "a private address (RFC 1918)"),
    (_net("172.16.0.0/12"), "a private address (RFC 1918)"),
    (_net("192.168.0.0/16"), "a private address (RFC 1918)"),
    (_net("100.64.0.0/10"), "a shared address (carrier-grade NAT, RFC 6598)"),
    (_net("fc00::/7"), "a unique-local IPv6 address"),
]
#: (network, what it is): refused always.
_FORBIDDEN = [
    (_net("0.0.0.0/8"), "an unspecified address"),
    (_net("::/128"), "an unspecified address"),
    (_net("169.254.0.0/16"), "a link-local address"),
    (_net("fe80::/10"), "a link-local address"),
    (_net("224.0.0.0/4"), "a multicast address"),
    (_net("ff00::/8"), "a multicast address"),
    (_net("240.0.0.0/4"), "a reserved address"),
]


def refusal(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why ``address`` may not be called (e.g. "10.0.0.1 is a private address (RFC 1918)"),
    or None if it may."""
    inner: IPAddress = address
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = embedded
    name = str(address) if inner is address else f"{address} ({inner})"
    if inner in _METADATA:
        return f"{name} is the cloud metadata address"
    for network, what in _FORBIDDEN:
        if inner.version == network.version and inner in network:
            return f"{name} is {what}"
    for network, what in _PRIVATE:
        if inner.version == network.version and inner in network:
            return None if allow_private else f"{name} is {what}"
    if not inner.is_global:
        return f"{name} is a reserved address (not publicly routable)"
    return None


def parse(url: str) -> Target:
    """The URL's scheme, host and port, or :class:`UnsafeUrl` (no network access)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"the URL cannot be read ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl(f"only http and https URLs are allowed, not '{scheme or 'none'}'")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("a user name or password in the URL is not allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("the URL has no host")
    if parts.fragment:
        raise UnsafeUrl("a fragment (#…) is not allowed in a webhook URL")
    return Target(
        url=url.strip(), scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80)
    )


def literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_addresses(addresses: list[IPAddress], *, allow_private: bool) -> None:
    """:class:`UnsafeUrl` if any address is refused (all must pass: a name may hide one)."""
    for address in addresses:
        reason = refusal(address, allow_private=allow_private)
        if reason:
            raise UnsafeUrl(reason)


def pinned(target: Target, address: IPAddress) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL to request so the connection goes to ``address`` (already checked), the
    ``Host`` header and the httpx extensions (``sni_hostname``: TLS still checks the
    certificate against the real host name)."""
    parts = urlsplit(target.url)
    ip = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{ip}:{target.port}"
    url = urlunsplit(SplitResult(parts.scheme, netloc, parts.path or "/", parts.query, ""))
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    host_header = host if target.port == default else f"{host}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return url, {"host": host_header}, extensions
