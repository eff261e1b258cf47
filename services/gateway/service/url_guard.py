"""The SSRF guard's one piece of I/O: resolving a webhook URL's host and checking every address
it resolves to against the pure rules of ``services.gateway.rules.ssrf``.

Used when a subscription is created or changed (``service.webhooks.check_url``: a clear 422)
and again before every delivery (``service.delivery``), because DNS answers change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from services.gateway.rules.ssrf import (
    IPAddress,
    Target,
    UnsafeUrl,
    check_addresses,
    literal,
    parse,
)

#: Seconds a name lookup may take.
RESOLVE_TIMEOUT = 5.0


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (the one resolver call), or :class:`UnsafeUrl`."""
    address = literal(host)
    if address is not None:
        return [address]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
        )
    except TimeoutError:
        raise UnsafeUrl(f"the host '{host}' did not resolve within {RESOLVE_TIMEOUT:g} s") from None
    except (OSError, UnicodeError) as exc:
        raise UnsafeUrl(f"the host '{host}' cannot be resolved ({exc})") from None
    found: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if addr not in found:
            found.append(addr)
    if not found:
        raise UnsafeUrl(f"the host '{host}' has no address")
    return found


async def check_url(url: str, *, allow_private: bool) -> tuple[Target, list[IPAddress]]:
    """Parse, resolve and check ``url``: the target and its (all allowed) addresses."""
    target = parse(url)
    addresses = await resolve(target.host, target.port)
    check_addresses(addresses, allow_private=allow_private)
    return target, addresses
