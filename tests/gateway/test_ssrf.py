"""The SSRF guard for webhook URLs: which addresses and URLs are refused, and why."""

from __future__ import annotations

import ipaddress

import pytest

from services.gateway.rules import ssrf
from services.gateway.service import url_guard

PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d822::1"]
#: (address, reason fragment): refused whatever allow_private says.
ALWAYS = [
    ("169.254.169.254", "is the cloud metadata address"),
    ("fd00:ec2::254", "is the cloud metadata address"),
    ("::ffff:169.254.169.254", "is the cloud metadata address"),
    ("169.254.10.20", "is a link-local address"),
    ("fe80::1", "is a link-local address"),
    ("0.0.0.0", "is an unspecified address"),
    ("::", "is an unspecified address"),
    ("224.0.0.251", "is a multicast address"),
    ("ff02::1", "is a multicast address"),
    ("240.0.0.1", "is a reserved address"),
    ("255.255.255.255", "is a reserved address"),
    ("192.0.2.10", "not publicly routable"),  # documentation
    ("198.18.0.1", "not publicly routable"),  # benchmarking
    ("2001:db8::1", "not publicly routable"),
]
#: (address, reason fragment): refused unless allow_private.
PRIVATE = [
    ("127.0.0.1", "is a loopback address"),
    ("127.10.0.1", "is a loopback address"),
    ("::1", "is a loopback address"),
    ("10.0.0.1", "is a private address (RFC 1918)"),
    ("172.16.5.4", "is a private address (RFC 1918)"),
    ("172.31.255.255", "is a private address (RFC 1918)"),
    ("192.168.1.1", "is a private address (RFC 1918)"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("fc00::1", "is a unique-local IPv6 address"),
    ("fd12:3456::1", "is a unique-local IPv6 address"),
    ("::ffff:10.0.0.1", "(10.0.0.1) is a private address"),  # IPv4-mapped
    ("::ffff:127.0.0.1", "(127.0.0.1) is a loopback address"),
    ("2002:a00:1::", "(10.0.0.1) is a private address"),  # 6to4
    ("64:ff9b::a00:1", "(10.0.0.1) is a private address"),  # NAT64
]


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert ssrf.refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("address", "reason"), ALWAYS)
def test_metadata_link_local_and_reserved_are_always_refused(address: str, reason: str) -> None:
    for allow_private in (False, True):
        refused = ssrf.refusal(ipaddress.ip_address(address), allow_private=allow_private)
        assert refused is not None and reason in refused, (allow_private, refused)
        assert refused.startswith(str(ipaddress.ip_address(address)))


@pytest.mark.parametrize(("address", "reason"), PRIVATE)
def test_private_and_loopback_are_refused_unless_allowed(address: str, reason: str) -> None:
    refused = ssrf.refusal(ipaddress.ip_address(address))
    assert refused is not None and reason in refused
    assert ssrf.refusal(ipaddress.ip_address(address), allow_private=True) is None


def test_private_range_edges() -> None:
    # just outside 172.16.0.0/12 and 100.64.0.0/10 are public
    assert ssrf.refusal(ipaddress.ip_address("172.32.0.1")) is None
    assert ssrf.refusal(ipaddress.ip_address("100.128.0.1")) is None
    assert ssrf.refusal(ipaddress.ip_address("11.0.0.1")) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/hook", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:6379/_INFO", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("example.com/hook", "only http and https"),
        ("https://user:secret@example.com/hook", "user name or password"),
        ("https://user@example.com/hook", "user name or password"),
        ("https:///hook", "no host"),
        ("http://[::1/hook", "cannot be read"),
        ("http://example.com:99999/hook", "cannot be read"),
        ("https://example.com/hook#frag", "fragment"),
    ],
)
def test_parse_refuses_other_schemes_userinfo_and_garbage(url: str, reason: str) -> None:
    with pytest.raises(ssrf.UnsafeUrl, match=reason):
        ssrf.parse(url)


def test_parse_reads_scheme_host_and_default_ports() -> None:
    t = ssrf.parse("HTTPS://Partner.Example.COM./hooks?x=1")
    assert (t.scheme, t.host, t.port) == ("https", "partner.example.com", 443)
    t = ssrf.parse("http://[2606:4700::1]:8080/h")
    assert (t.scheme, t.host, t.port) == ("http", "2606:4700::1", 8080)


async def test_check_url_resolves_names_and_checks_every_address() -> None:
    # "localhost" resolves (from /etc/hosts) to loopback: refused unless allowed
    with pytest.raises(ssrf.UnsafeUrl, match="is a loopback address"):
        await url_guard.check_url("http://localhost:9/hook", allow_private=False)
    _target, addresses = await url_guard.check_url("http://localhost:9/hook", allow_private=True)
    assert addresses and all(a.is_loopback for a in addresses)
    # a literal is judged as it is, with no lookup
    with pytest.raises(ssrf.UnsafeUrl, match=r"169\.254\.169\.254 is the cloud metadata address"):
        await url_guard.check_url("http://169.254.169.254/latest/meta-data/", allow_private=True)
    target, addresses = await url_guard.check_url("https://93.184.216.34/h", allow_private=False)
    assert addresses == [ipaddress.ip_address("93.184.216.34")] and target.port == 443
    # one bad address among good ones is enough to refuse
    with pytest.raises(ssrf.UnsafeUrl, match=r"10\.0\.0\.1"):
        ssrf.check_addresses(
            [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.1")],
            allow_private=False,
        )


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(ssrf.UnsafeUrl, match="cannot be resolved"):
        await url_guard.check_url("https://no-such-host.invalid/hook", allow_private=False)


def test_pinned_connects_to_the_checked_address_and_keeps_the_host() -> None:
    url, headers, ext = ssrf.pinned(
        ssrf.parse("https://partner.example.com/hooks/in?x=1"),
        ipaddress.ip_address("93.184.216.34"),
    )
    assert url == "https://93.184.216.34:443/hooks/in?x=1"
    assert headers == {"host": "partner.example.com"}
    assert ext == {"sni_hostname": "partner.example.com"}  # TLS checks the real name
    url, headers, ext = ssrf.pinned(
        ssrf.parse("http://partner.example.com:8080"), ipaddress.ip_address("2606:4700::1")
    )
    assert url == "http://[2606:4700::1]:8080/"
    assert headers == {"host": "partner.example.com:8080"} and ext == {}
