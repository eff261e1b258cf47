"""Webhook dispatch (issue 7): from the event log to partners' receivers, signed.

One round (:func:`dispatch_round`), repeated by :class:`Dispatcher` in the app's lifespan
(woken by :data:`services.gateway.consumers.LOG_WRITTEN`, else every
``webhook_poll_seconds``, or sooner when a retry falls due):

1. **Collect** — for each enabled subscription, the logged events after its ``cursor``
   whose type matches its patterns *and* that its organisation may see (public, or
   addressed to it: an addressed event never reaches another organisation's webhook)
   become ``webhook_deliveries``; the cursor moves past every event looked at. Both in one
   transaction per subscription, guarded by the cursor read (``UPDATE … WHERE cursor =
   old``) and the unique (subscription, event seq): each event at most once per
   subscription, also with two replicas at work. A disabled subscription's cursor waits,
   so re-enabling it misses nothing.
2. **Claim** — due deliveries (pending, ``next_attempt_at <= now``, subscription enabled)
   are claimed with ``UPDATE … WHERE state = 'pending' AND next_attempt_at = <as read>``
   that moves ``next_attempt_at`` to a lease in the future: another replica sees them as
   not due; if this one dies mid-send they fall due again when the lease ends.
3. **Send** — with no database session open (embedded SQLite has one connection): per
   subscription in event order, POST the CloudEvent as JSON with the Standard Webhooks
   headers ``webhook-id`` (the event id, the same on every retry, so receivers can
   deduplicate), ``webhook-timestamp`` and ``webhook-signature`` (signed by the
   ``standardwebhooks`` package; during a secret rotation by the old secret too). The URL
   is checked by the SSRF guard again (DNS changes) and the connection goes to the checked
   address; redirects are not followed (a 3xx is a failure, as the spec recommends).
4. **Record** — each result in its own transaction: a 2xx is delivered and resets the
   subscription's ``consecutive_failures``; anything else is logged (status or error,
   duration), counts one more failure in a row, and is retried after exponential backoff
   with full jitter (``base · 2^(n−1)`` capped, a uniform draw below it; a longer
   ``Retry-After`` is honoured), until ``webhook_max_attempts`` (then ``failed``). At
   ``webhook_max_consecutive_failures`` in a row — or at once on ``410 Gone``, the
   receiver's "no more" — the subscription is disabled with the reason; its pending
   deliveries stay pending and resume when the owner re-enables it.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import structlog
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from services.gateway import ssrf
from services.gateway.consumers import LOG_WRITTEN, LogSignal
from services.gateway.models import LoggedEvent, WebhookDelivery, WebhookSubscription
from services.gateway.patterns import matches
from services.gateway.settings import GatewaySettings
from shared.events.envelope import as_utc
from shared.queries import new_id

log = structlog.get_logger("webhooks")

#: Log entries kept per delivery (the newest; attempts beyond are counted, not kept).
LOG_KEEP = 50
#: Events read from the log per collect step.
COLLECT_BATCH = 500
#: Collect steps per round at most (a subscription far behind catches up over rounds).
COLLECT_STEPS = 20
#: Deliveries claimed per round, and per subscription within it (sent one after another).
CLAIM_LIMIT = 200
CLAIM_PER_SUBSCRIPTION = 10
#: Subscriptions sent to at the same time.
PARALLEL = 8
#: What the error text of an attempt may hold.
ERROR_MAX = 300
USER_AGENT = "Klyngeforum-Webhooks/1.0 (+https://www.standardwebhooks.com)"

Factory = async_sessionmaker[AsyncSession]


# --- pure parts ----------------------------------------------------------------------------


def visible_to(recipient: str | None, organisation_id: str) -> bool:
    """Public events are for everyone; an addressed one only for its recipient."""
    return recipient is None or recipient == organisation_id


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


def body_of(envelope: dict[str, Any]) -> str:
    """The request body: the CloudEvent as compact JSON (exactly the signed text)."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def signature_headers(
    msg_id: str, body: str, secrets: Sequence[str], at: datetime
) -> dict[str, str]:
    """Standard Webhooks headers; one ``v1,…`` signature per secret, space separated."""
    at = at.astimezone(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Webhook(s).sign(msg_id, at, body) for s in secrets),
    }


def signing_secrets(sub: WebhookSubscription, now: datetime) -> list[str]:
    out = [sub.secret]
    expires = sub.previous_secret_expires_at
    if sub.previous_secret and expires is not None and as_utc(expires) > now:
        out.append(sub.previous_secret)
    return out


# --- sending -------------------------------------------------------------------------------


@dataclass
class Attempt:
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


def _client(settings: GatewaySettings) -> httpx.AsyncClient:
    # No redirects; no proxy from the environment (it would connect instead of us, to an
    # address the SSRF guard has not seen).
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
        target, addresses = await ssrf.check_url(url, allow_private=settings.webhook_allow_private)
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


# --- the round -----------------------------------------------------------------------------


@dataclass
class Due:
    """A claimed delivery, with all that sending needs (read before the session closed)."""

    id: str
    subscription_id: str
    event_id: str
    event_seq: int
    url: str
    secrets: list[str]
    body: str
    lease: datetime
    was_due: datetime


async def collect(factory: Factory, now: datetime, batch: int = COLLECT_BATCH) -> tuple[bool, bool]:
    """Turn new log events into deliveries: (any subscription enabled, maybe more to do)."""
    async with factory() as session:
        subs = (
            await session.execute(
                select(
                    WebhookSubscription.id,
                    WebhookSubscription.organisation_id,
                    WebhookSubscription.patterns,
                    WebhookSubscription.cursor,
                ).where(WebhookSubscription.enabled.is_(True))
            )
        ).all()
        if not subs:
            return False, False
        low = min(s.cursor for s in subs)
        events = (
            await session.execute(
                select(
                    LoggedEvent.seq, LoggedEvent.event_id, LoggedEvent.type, LoggedEvent.recipient
                )
                .where(LoggedEvent.seq > low)
                .order_by(LoggedEvent.seq)
                .limit(batch)
            )
        ).all()
    if not events:
        return True, False
    for sub in subs:
        mine = [e for e in events if e.seq > sub.cursor]
        if not mine:
            continue
        wanted = [
            e
            for e in mine
            if matches(sub.patterns or [], e.type) and visible_to(e.recipient, sub.organisation_id)
        ]
        try:
            async with factory() as session, session.begin():
                moved = await session.execute(
                    update(WebhookSubscription)
                    .where(
                        WebhookSubscription.id == sub.id,
                        WebhookSubscription.cursor == sub.cursor,
                        WebhookSubscription.enabled.is_(True),
                    )
                    .values(cursor=mine[-1].seq)
                )
                if moved.rowcount != 1:  # type: ignore[attr-defined]
                    raise _Lost  # another dispatcher moved it (or it was disabled/deleted)
                session.add_all(
                    WebhookDelivery(
                        id=new_id("whd"),
                        subscription_id=sub.id,
                        event_seq=e.seq,
                        event_id=e.event_id,
                        event_type=e.type,
                        state="pending",
                        attempts=0,
                        next_attempt_at=now,
                        log=[],
                        created_at=now,
                    )
                    for e in wanted
                )
        except (_Lost, IntegrityError):
            continue
    return True, len(events) == batch


class _Lost(Exception):
    """The subscription's cursor moved under us: the other writer's deliveries stand."""


async def claim_due(factory: Factory, now: datetime, settings: GatewaySettings) -> list[Due]:
    per_sub = CLAIM_PER_SUBSCRIPTION
    lease = now + timedelta(seconds=(settings.webhook_timeout_seconds + 5) * per_sub + 30)
    async with factory() as session, session.begin():
        rows = (
            await session.execute(
                select(WebhookDelivery, WebhookSubscription, LoggedEvent.envelope)
                .join(
                    WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id
                )
                .join(LoggedEvent, LoggedEvent.seq == WebhookDelivery.event_seq)
                .where(
                    WebhookDelivery.state == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                    WebhookSubscription.enabled.is_(True),
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.event_seq)
                .limit(CLAIM_LIMIT)
            )
        ).all()
        claimed: list[Due] = []
        taken: dict[str, int] = defaultdict(int)
        for delivery, sub, envelope in rows:
            if taken[sub.id] >= per_sub:
                continue
            was_due = delivery.next_attempt_at
            got = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery.id,
                    WebhookDelivery.state == "pending",
                    WebhookDelivery.next_attempt_at == was_due,
                )
                .values(next_attempt_at=lease)
                .execution_options(synchronize_session=False)
            )
            if got.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another dispatcher claimed it
            taken[sub.id] += 1
            claimed.append(
                Due(
                    id=delivery.id,
                    subscription_id=sub.id,
                    event_id=delivery.event_id,
                    event_seq=delivery.event_seq,
                    url=sub.url,
                    secrets=signing_secrets(sub, now),
                    body=body_of(envelope),
                    lease=lease,
                    was_due=as_utc(was_due),
                )
            )
    claimed.sort(key=lambda d: (d.subscription_id, d.event_seq))
    return claimed


def _disabled_reason(failures: int, attempt: Attempt) -> str:
    at = attempt.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if attempt.status == 410:
        return f"The receiver answered HTTP 410 Gone at {at}: it wants no more deliveries."
    return f"{failures} failed deliveries in a row; last: {attempt.describe()} at {at}."


async def record(
    factory: Factory,
    due: Due,
    attempt: Attempt,
    settings: GatewaySettings,
    rng: random.Random,
) -> bool:
    """Write one attempt's result; True if the subscription is (now) disabled."""
    async with factory() as session, session.begin():
        delivery = await session.get(WebhookDelivery, due.id)
        sub = await session.get(WebhookSubscription, due.subscription_id, with_for_update=True)
        if delivery is None or sub is None:
            return True  # deleted meanwhile: send no more of it
        number = delivery.attempts + 1
        entry = {
            "at": attempt.at.isoformat(),
            "attempt": number,
            "status": attempt.status,
            "error": attempt.error,
            "duration_ms": attempt.duration_ms,
        }
        delivery.log = [*(delivery.log or [])[-(LOG_KEEP - 1) :], entry]
        delivery.attempts = number
        delivery.last_attempt_at = attempt.at
        delivery.last_status = attempt.status
        delivery.last_error = attempt.error
        if attempt.ok:
            delivery.state = "delivered"
            delivery.delivered_at = attempt.at
            delivery.next_attempt_at = None
            sub.consecutive_failures = 0
            return not sub.enabled
        if number >= settings.webhook_max_attempts:
            delivery.state = "failed"
            delivery.next_attempt_at = None
        else:
            delay = backoff_seconds(
                number,
                settings.webhook_backoff_base_seconds,
                settings.webhook_backoff_max_seconds,
                rng,
            )
            if attempt.status in (429, 503):
                wanted = retry_after_seconds(attempt.retry_after, attempt.at)
                if wanted is not None:
                    delay = max(delay, min(wanted, settings.webhook_backoff_max_seconds))
            delivery.next_attempt_at = attempt.at + timedelta(seconds=delay)
        sub.consecutive_failures += 1
        if sub.enabled and (
            attempt.status == 410
            or sub.consecutive_failures >= settings.webhook_max_consecutive_failures
        ):
            sub.enabled = False
            sub.disabled_at = attempt.at
            sub.disabled_reason = _disabled_reason(sub.consecutive_failures, attempt)
            sub.version += 1
            sub.updated_at = attempt.at
            log.warning("webhook_disabled", subscription=sub.id, reason=sub.disabled_reason)
        return not sub.enabled


async def release(factory: Factory, due: Due) -> None:
    """Give back a claimed delivery that was not sent (its subscription got disabled)."""
    async with factory() as session, session.begin():
        await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == due.id,
                WebhookDelivery.state == "pending",
                WebhookDelivery.next_attempt_at == due.lease,
            )
            .values(next_attempt_at=due.was_due)
        )


async def next_due(factory: Factory) -> datetime | None:
    """When the earliest pending delivery of an enabled subscription falls due."""
    async with factory() as session:
        value = (
            await session.execute(
                select(func.min(WebhookDelivery.next_attempt_at))
                .join(
                    WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id
                )
                .where(WebhookDelivery.state == "pending", WebhookSubscription.enabled.is_(True))
            )
        ).scalar()
    return as_utc(value) if value is not None else None


async def dispatch_round(
    factory: Factory,
    settings: GatewaySettings,
    *,
    clock: Callable[[], datetime] | None = None,
    rng: random.Random | None = None,
) -> datetime | None:
    """Collect, claim, send and record once; when the next pending delivery falls due."""
    now_of = clock or (lambda: datetime.now(UTC))
    rng = rng or random.Random()
    for _ in range(COLLECT_STEPS):
        enabled, more = await collect(factory, now_of())
        if not enabled:
            return None  # nothing can be due: no subscription is enabled
        if not more:
            break
    claimed = await claim_due(factory, now_of(), settings)
    if claimed:
        by_sub: dict[str, list[Due]] = defaultdict(list)
        for due in claimed:
            by_sub[due.subscription_id].append(due)
        gate = asyncio.Semaphore(PARALLEL)
        async with _client(settings) as client:

            async def to_one(dues: list[Due]) -> None:
                async with gate:
                    for i, due in enumerate(dues):
                        attempt = await post_signed(
                            client, settings, due.url, due.event_id, due.body, due.secrets, now_of
                        )
                        if await record(factory, due, attempt, settings, rng):
                            for rest in dues[i + 1 :]:
                                await release(factory, rest)
                            return

            await asyncio.gather(*(to_one(dues) for dues in by_sub.values()))
    return await next_due(factory)


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
    async with _client(settings) as client:
        attempt = await post_signed(
            client,
            settings,
            sub.url,
            msg_id,
            body_of(envelope),
            signing_secrets(sub, now),
            lambda: datetime.now(UTC),
        )
    return attempt, msg_id


class Dispatcher:
    """Runs :func:`dispatch_round` until cancelled: after each round it sleeps until the
    event log is written (``signal``), the next retry falls due, or ``webhook_poll_seconds``
    pass, whichever comes first. A failing round is logged and tried again."""

    def __init__(
        self,
        factory: Factory,
        settings: GatewaySettings,
        signal: LogSignal = LOG_WRITTEN,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.signal = signal
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = random.Random()
        self.rounds = 0

    async def run(self) -> None:
        poll = self.settings.webhook_poll_seconds
        while True:
            wait = poll
            try:
                due = await dispatch_round(
                    self.factory, self.settings, clock=self.clock, rng=self.rng
                )
                if due is not None:
                    wait = min(wait, (due - self.clock()).total_seconds())
            except Exception:
                log.exception("webhook_dispatch_failed")
            self.rounds += 1
            await self.signal.wait(max(wait, 0.005))
