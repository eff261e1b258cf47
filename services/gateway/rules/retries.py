"""What a delivery attempt's answer means: delivered, retried when, given up, or the
subscription off.

Not a rule of the founding paper (it says nothing about delivering events to partners); the
rationale is the Standard Webhooks specification (standardwebhooks.com, "Retry policy") and
the schedule of its reference implementation, Svix: a partner's receiver that is down for
maintenance, a deploy or a night must not lose events nor be cut off, so retries spread over
about a day instead of seconds, and a subscription is turned off only after days of failing.

- A 2xx answer within the timeout is a delivery; anything else (another status, a timeout, a
  refused connection, the SSRF guard) is a failed attempt.
- **The schedule.** After failed attempt n (1, 2, …) the delivery is tried again after the
  schedule's n-th delay — by default Standard Webhooks' recommended one,
  :data:`STANDARD_SCHEDULE`: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (eight attempts over
  about 28 h) — spread by a jitter (a factor drawn in ``[1 − j, 1 + j]``, so receivers that
  failed together are not all called again in the same second; ``j = 0`` keeps the schedule
  exact). A 429 or 503 whose ``Retry-After`` asks for longer gets that (never beyond the
  schedule's longest delay). After the last delay's attempt the delivery is **given up**
  (``failed``); the owner can send it again by hand.
- **The streak.** A subscription's failed attempts since its last success form its streak;
  ``failing_since`` is the time of the streak's first failed attempt; a success ends it.
- **Disabling.** A failed attempt turns the subscription off when the subscription has been
  failing for at least ``disable_after`` (default :data:`DISABLE_AFTER`, 5 days, as Svix
  does) — no success since a failure that long ago — or at once on ``410 Gone`` (the
  receiver's "no more"). A receiver down for an hour, or a day, only delays its deliveries.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from shared.clock import as_utc

#: Standard Webhooks' recommended retry schedule (Svix's): the delay in seconds before each
#: retry, after the first attempt (which is immediate).
STANDARD_SCHEDULE: tuple[float, ...] = (
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    10 * 3600,
)
#: A subscription failing (no success) for this long is disabled.
DISABLE_AFTER = timedelta(days=5)

#: Why a subscription was disabled: failing for ``disable_after``, or ``410 Gone``.
Cause = Literal["failing", "gone"]


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


def scheduled_delay(number: int, schedule: Sequence[float]) -> float | None:
    """Seconds before the retry after failed attempt ``number`` (1, 2, …) by ``schedule``;
    None when the schedule is used up (the delivery is given up)."""
    if number < 1 or number > len(schedule):
        return None
    return float(schedule[number - 1])


def jittered(delay: float, jitter: float, rng: random.Random) -> float:
    """``delay`` times a factor drawn uniformly in ``[1 − jitter, 1 + jitter]``."""
    if jitter <= 0 or delay <= 0:
        return delay
    return delay * rng.uniform(1 - jitter, 1 + jitter)


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
    attempt: Attempt,
    number: int,
    schedule: Sequence[float],
    jitter: float,
    rng: random.Random,
) -> float | None:
    """Seconds before retrying after the failed attempt ``number``: the schedule's delay
    (jittered), or a longer ``Retry-After`` of a 429 or 503 answer (at most the schedule's
    longest delay); None: given up."""
    delay = scheduled_delay(number, schedule)
    if delay is None:
        return None
    delay = jittered(delay, jitter, rng)
    if attempt.status in (429, 503):
        wanted = retry_after_seconds(attempt.retry_after, attempt.at)
        if wanted is not None:
            delay = max(delay, min(wanted, max(schedule)))
    return delay


def failing_since_after(attempt: Attempt, failing_since: datetime | None) -> datetime | None:
    """The streak's start after ``attempt``: a success ends it (unless it is older than the
    streak's first failure — a late record of an earlier answer); a failure starts it or
    keeps its start."""
    if attempt.ok:
        if failing_since is None or attempt.at >= failing_since:
            return None
        return failing_since
    if failing_since is None:
        return attempt.at
    return min(failing_since, attempt.at)


def disables(
    attempt: Attempt, failing_since: datetime | None, disable_after: timedelta
) -> Cause | None:
    """Whether a failed attempt turns the subscription off, and why: ``410 Gone``, or no
    success since ``failing_since`` (this attempt's streak) for ``disable_after`` or more."""
    if attempt.ok:
        return None
    if attempt.status == 410:
        return "gone"
    if failing_since is not None and attempt.at - failing_since >= disable_after:
        return "failing"
    return None


def url_host(url: str) -> str:
    """The host of a receiver's URL, all that an event says about it: the path or query of
    a webhook URL often holds a token (``…/hooks/<secret>``), and events travel further than
    the subscription (the bus, the log, the owner's other webhooks)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def redacted(text: str, url: str) -> str:
    """``text`` without ``url``'s path and query (an error message may quote the URL)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return text
    secret = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(secret) > 1:
        text = text.replace(secret, "/…")
    return text


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def span(delta: timedelta) -> str:
    """A duration in words for people: "5 days", "2 h 30 min", "45 s"."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    parts += [f"{secs} s"] if secs and not days and not hours else []
    return " ".join(parts) or "0 s"


def disabled_reason(
    cause: Cause, failures: int, failing_since: datetime | None, attempt: Attempt, url: str
) -> str:
    """Why the subscription was turned off, in one sentence for its owner (no part of the
    URL beyond what the owner's event may show)."""
    at = _stamp(attempt.at)
    if cause == "gone":
        return f"The receiver answered HTTP 410 Gone at {at}: it wants no more deliveries."
    since = failing_since or attempt.at
    last = redacted(attempt.describe(), url)
    return (
        f"No successful delivery for {span(attempt.at - since)} (since {_stamp(since)}): "
        f"{failures} failed attempts in a row; last: {last} at {at}."
    )
