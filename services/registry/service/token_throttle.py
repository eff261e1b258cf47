"""Failed token requests, throttled and logged (issue 14, item 4: abuse limits).

``POST /registry/v1/oauth/token`` took 200 wrong secrets in 3 s. Now each process counts the
failed attempts (unknown client or wrong secret) per client id and per client address in a
sliding window (``REGISTRY_TOKEN_FAILURE_WINDOW_SECONDS``, 60 s by default). Once a client id
has ``REGISTRY_TOKEN_FAILURES_PER_CLIENT`` failures in the window (10), or an address
``REGISTRY_TOKEN_FAILURES_PER_ADDRESS`` (50, above the per-client limit so one guessed client
does not lock out its neighbours behind the same address), every further request for that
client id, or from that address, answers 429 problem+json with ``Retry-After`` (whole seconds
until the oldest failure leaves the window) — a right secret too, so guessing gains nothing by
going on. Successes are never counted. The counts live in memory, per process: a restart or
another replica starts afresh, which bounds a guesser's rate per replica, not globally.

Every failed attempt is logged (``token_refused``) with the client id and the address, never
the secret.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.service.organisations import grant_token
from services.registry.tokens import Signer
from shared.errors import Problem

#: The most keys a window remembers; past it the stalest are forgotten (memory stays bounded
#: whatever a guesser invents).
MAX_KEYS = 10_000
#: How much of a client id a log line shows (it is whatever the caller sent).
SHOWN_CLIENT_ID = 100


@dataclass
class FailureWindow:
    """Failures per key within the last ``window`` seconds."""

    limit: int
    window: float
    max_keys: int = MAX_KEYS
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str, now: float) -> int | None:
        """Seconds until ``key`` may try again, or None when it is under the limit."""
        times = self._recent(key, now)
        if times is None or len(times) < self.limit:
            return None
        return max(1, math.ceil(times[-self.limit] + self.window - now))

    def record(self, key: str, now: float) -> None:
        times = self._recent(key, now)
        if times is None:
            if len(self._failures) >= self.max_keys:
                self._forget_stalest(now)
            times = self._failures[key] = deque()
        times.append(now)
        # Only the last ``limit`` failures matter for the answer.
        while len(times) > self.limit:
            times.popleft()

    def _forget_stalest(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= self.max_keys:
            del self._failures[next(iter(self._failures))]


class TokenThrottle:
    """The per-client-id and per-address windows of one registry process."""

    def __init__(self, per_client: int, per_address: int, window_seconds: float) -> None:
        self.clients = FailureWindow(per_client, window_seconds)
        self.addresses = FailureWindow(per_address, window_seconds)

    def check(self, client_id: str, address: str, now: float) -> None:
        """429 when the client id or the address has used up its failures."""
        waits = [
            w
            for w in (
                self.clients.retry_after(client_id, now),
                self.addresses.retry_after(address, now),
            )
            if w is not None
        ]
        if waits:
            seconds = max(waits)
            raise Problem(
                429,
                "too-many-requests",
                f"Too many failed token requests for this client or from this address; try "
                f"again in {seconds} s.",
                headers={"Retry-After": str(seconds)},
                retry_after=seconds,
            )

    def failed(self, client_id: str, address: str, now: float) -> None:
        self.clients.record(client_id, now)
        self.addresses.record(address, now)


async def issue_token(
    session: AsyncSession,
    signer: Signer,
    throttle: TokenThrottle,
    *,
    client_id: str,
    client_secret: str,
    scope: str | None,
    lifetime: int,
    address: str,
    now: float,
) -> tuple[str, list[str]]:
    """``grant_token`` behind the throttle: a failed attempt is counted and logged."""
    throttle.check(client_id, address, now)
    try:
        return await grant_token(
            session,
            signer,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            lifetime=lifetime,
        )
    except Problem as exc:
        if exc.kind == "invalid-client":
            throttle.failed(client_id, address, now)
            # A fresh logger each time: the attempt is rare, and a test can capture it.
            structlog.get_logger("registry.tokens").warning(
                "token_refused",
                reason="unknown client or wrong secret",
                client_id=client_id[:SHOWN_CLIENT_ID],
                address=address,
            )
        raise
