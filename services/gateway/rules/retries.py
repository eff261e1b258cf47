"""What a delivery attempt's answer means: delivered, retried when, or the subscription off.

- A 2xx answer within the timeout is a delivery; anything else (another status, a timeout, a
  refused connection, the SSRF guard) is a failed attempt.
- A failed attempt is retried after exponential backoff with full jitter — a uniform draw in
  ``[0, min(cap, base · 2^(n−1))]`` — or after the receiver's ``Retry-After`` when it answered
  429 or 503 and asked for longer (never beyond the cap); after the last allowed attempt the
  delivery is given up (``failed``).
- A run of failed attempts in a row, or at once a ``410 Gone`` (the receiver's "no more"),
  disables the subscription, with the reason shown to its owner.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from shared.clock import as_utc


@dataclass
class Attempt:
    """One POST to a receiver: when, its answer (status, or the error), how long it took."""

    at: datetime
    status: int | None
    error: str | None
    duration_ms: float
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        if self.status is not None:
            return f"HTTP {self.status}"
        return self.error or "no answer"


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before the retry after failed attempt ``attempt`` (1, 2, …): full jitter,
    a uniform draw in [0, min(cap, base · 2^(attempt−1))] (spreads retries of many
    receivers that failed together)."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return rng.uniform(0, ceiling)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds from ``now``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (as_utc(when) - now).total_seconds())


def retry_delay(
    attempt: Attempt, number: int, base: float, cap: float, rng: random.Random
) -> float:
    """Seconds before retrying after the failed attempt ``number``: the backoff, or a longer
    ``Retry-After`` of a 429 or 503 answer (at most ``cap``)."""
    delay = backoff_seconds(number, base, cap, rng)
    if attempt.status in (429, 503):
        wanted = retry_after_seconds(attempt.retry_after, attempt.at)
        if wanted is not None:
            delay = max(delay, min(wanted, cap))
    return delay


def disables(attempt: Attempt, consecutive_failures: int, max_consecutive_failures: int) -> bool:
    """Whether a failed attempt turns the subscription off: ``410 Gone``, or the run of
    failures in a row (this one counted) reached the limit."""
    return attempt.status == 410 or consecutive_failures >= max_consecutive_failures


def disabled_reason(failures: int, attempt: Attempt) -> str:
    """Why the subscription was turned off, in one sentence for its owner."""
    at = attempt.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if attempt.status == 410:
        return f"The receiver answered HTTP 410 Gone at {at}: it wants no more deliveries."
    return f"{failures} failed deliveries in a row; last: {attempt.describe()} at {at}."
