"""Sending one webhook delivery: a signed POST to the partner's receiver, SSRF-guarded.

The CloudEvent goes as JSON with the Standard Webhooks headers (``rules.signing``). The URL is
checked by the SSRF guard again before every POST (DNS changes: ``service.url_guard``) and the
connection goes to the checked address (``rules.ssrf.pinned``); redirects are not followed
(a 3xx is a failure, as the spec recommends), no proxy is used, and the whole exchange is
bounded by ``webhook_timeout_seconds``. The receiver's failures are an :class:`Attempt`'s
status or error, never an exception. No database here: the dispatcher (``service.dispatch``)
sends with no session open.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

import httpx

from services.gateway.models import WebhookSubscription
from services.gateway.rules import ssrf
from services.gateway.rules.retries import Attempt
from services.gateway.rules.signing import body_of, signature_headers, signing_secrets
from services.gateway.service import url_guard
from services.gateway.settings import GatewaySettings
from shared.clock import utcnow

#: What the error text of an attempt may hold.
ERROR_MAX = 300
USER_AGENT = "Klyngeforum-Webhooks/1.0 (+https://www.standardwebhooks.com)"


def http_client(settings: GatewaySettings) -> httpx.AsyncClient:
    """The client deliveries are sent with: no redirects; no proxy from the environment (it
    would connect instead of us, to an address the SSRF guard has not seen)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        follow_redirects=False,
        trust_env=False,
    )


async def post_signed(
    client: httpx.AsyncClient,
    settings: GatewaySettings,
    url: str,
    msg_id: str,
    body: str,
    secrets: Sequence[str],
    clock: Callable[[], datetime],
) -> Attempt:
    """One signed POST to ``url``, the SSRF guard checked first; never raises for the
    receiver's failures (they are the attempt's status or error)."""
    started = time.perf_counter()
    at = clock()

    def done(status: int | None, error: str | None, retry_after: str | None = None) -> Attempt:
        ms = round((time.perf_counter() - started) * 1000, 1)
        return Attempt(at, status, error[:ERROR_MAX] if error else None, ms, retry_after)

    try:
        target, addresses = await url_guard.check_url(
            url, allow_private=settings.webhook_allow_private
        )
    except ssrf.UnsafeUrl as exc:
        return done(None, f"refused by the SSRF guard: {exc}")
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signature_headers(msg_id, body, secrets, at),
    }
    content = body.encode()
    error = "no address to connect to"
    for address in addresses:
        pinned_url, host, extensions = ssrf.pinned(target, address)
        try:
            # httpx's timeout is per phase; this bounds the whole exchange (a receiver that
            # trickles its answer byte by byte gets no more time than a silent one)
            async with asyncio.timeout(settings.webhook_timeout_seconds):
                async with client.stream(
                    "POST",
                    pinned_url,
                    content=content,
                    headers={**headers, **host},
                    extensions=extensions,
                ) as response:
                    return done(response.status_code, None, response.headers.get("retry-after"))
        except (httpx.TimeoutException, TimeoutError):
            return done(None, f"timeout after {settings.webhook_timeout_seconds:g} s")
        except httpx.ConnectError as exc:
            error = (
                f"cannot connect to {address}: {exc}"
                if str(exc)
                else f"cannot connect to {address}"
            )
            continue  # the next address of the name, if any
        except httpx.HTTPError as exc:
            return done(None, f"{type(exc).__name__}: {exc}")
    return done(None, error)


def secrets_of(sub: WebhookSubscription, now: datetime) -> list[str]:
    """The secrets ``sub``'s deliveries are signed with at ``now`` (``rules.signing``)."""
    return signing_secrets(sub.secret, sub.previous_secret, sub.previous_secret_expires_at, now)


async def ping(
    settings: GatewaySettings, sub: WebhookSubscription, now: datetime
) -> tuple[Attempt, str]:
    """Send a signed ``gateway.webhook.test`` CloudEvent now (not logged, not retried)."""
    msg_id = str(uuid.uuid4())
    envelope = {
        "specversion": "1.0",
        "id": msg_id,
        "source": "/gateway",
        "type": "gateway.webhook.test",
        "subject": sub.id,
        "time": now.isoformat(),
        "datacontenttype": "application/json",
        "data": {"subscription_id": sub.id, "organisation_id": sub.organisation_id},
    }
    async with http_client(settings) as client:
        attempt = await post_signed(
            client,
            settings,
            sub.url,
            msg_id,
            body_of(envelope),
            secrets_of(sub, now),
            utcnow,
        )
    return attempt, msg_id
