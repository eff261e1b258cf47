"""Webhook dispatch (issue 7): from the event log to partners' receivers, signed.

One round (:func:`dispatch_round`), repeated by :class:`Dispatcher` in the app's lifespan
(woken by :data:`services.gateway.service.event_log.LOG_WRITTEN`, else every
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
   deduplicate), ``webhook-timestamp`` and ``webhook-signature`` (``rules.signing``; during
   a secret rotation by the old secret too). The URL is checked by the SSRF guard again (DNS
   changes) and the connection goes to the checked address; redirects are not followed (a
   3xx is a failure, as the spec recommends): ``service.delivery``.
4. **Record** — each result in its own transaction: a 2xx is delivered and ends the
   subscription's run of failures; anything else is logged (status or error, duration,
   when it is tried again) and retried by the schedule of ``rules.retries`` (Standard
   Webhooks': 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, jittered; a longer ``Retry-After``
   is honoured) until the schedule runs out (then ``failed``: given up). A subscription with
   no success for ``webhook_disable_after`` (5 days) since the first failure of its run — or
   at once on ``410 Gone``, the receiver's "no more" — is disabled with the reason, and its
   owner is told by the addressed event ``gateway.webhook.disabled`` (recorded in the same
   transaction, through the gateway's outbox: ``service.webhooks.disable_subscription``);
   its pending deliveries stay pending and resume when the owner re-enables it.

**Transactions.** Dispatch is a background job of the app's lifespan, outside any request, so
no request's unit of work (``shared.db.session_dependency``) is there to commit for it: each
step opens and commits its own short transaction from the session factory. It must: the
sends in between hold no session at all (a receiver may take seconds; embedded SQLite has
one connection), and each claim and each result must be committed on its own, so that a
dispatcher that dies mid-round loses no recorded attempt and leaves only leases that run out.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.models import LoggedEvent, WebhookDelivery, WebhookSubscription
from services.gateway.rules.patterns import matches
from services.gateway.rules.retries import Attempt, disables, failing_since_after, retry_delay
from services.gateway.rules.signing import body_of
from services.gateway.rules.visibility import visible_to
from services.gateway.service.delivery import http_client, post_signed, secrets_of
from services.gateway.service.event_log import LOG_WRITTEN, LogSignal
from services.gateway.service.webhooks import disable_subscription
from services.gateway.settings import GatewaySettings
from shared.clock import as_utc, optional_utc, utcnow
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

Factory = async_sessionmaker[AsyncSession]


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
    """Turn new log events into deliveries: (any subscription enabled, maybe more to do).

    Reads in a short session of its own, then commits one transaction per subscription (the
    cursor move and its deliveries together): a background step, see "Transactions" above."""
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
    """Claim the due deliveries under a lease, in a transaction of its own committed before
    anything is sent (a background step, see "Transactions" above)."""
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
                    secrets=secrets_of(sub, now),
                    body=body_of(envelope),
                    lease=lease,
                    was_due=as_utc(was_due),
                )
            )
    claimed.sort(key=lambda d: (d.subscription_id, d.event_seq))
    return claimed


async def record(
    factory: Factory,
    due: Due,
    attempt: Attempt,
    settings: GatewaySettings,
    rng: random.Random,
) -> bool:
    """Write one attempt's result; True if the subscription is (now) disabled.

    Each result commits in a transaction of its own as soon as it is known (a background
    step, see "Transactions" above): a later failure of the round cannot undo it."""
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
        delivery.attempts = number
        delivery.last_attempt_at = attempt.at
        delivery.last_status = attempt.status
        delivery.last_error = attempt.error
        sub.failing_since = failing_since_after(attempt, optional_utc(sub.failing_since))
        retry_at = None
        if attempt.ok:
            delivery.state = "delivered"
            delivery.delivered_at = attempt.at
            delivery.next_attempt_at = None
            if sub.failing_since is None:
                sub.consecutive_failures = 0
        else:
            delay = retry_delay(
                attempt,
                number,
                settings.webhook_retry_schedule_seconds,
                settings.webhook_retry_jitter,
                rng,
            )
            if delay is None:
                delivery.state = "failed"  # given up: the schedule ran out
                delivery.next_attempt_at = None
            else:
                retry_at = attempt.at + timedelta(seconds=delay)
                delivery.next_attempt_at = retry_at
            sub.consecutive_failures += 1
            cause = disables(attempt, sub.failing_since, settings.webhook_disable_after)
            if sub.enabled and cause is not None:
                await disable_subscription(session, sub, cause, attempt)
                log.warning("webhook_disabled", subscription=sub.id, cause=cause)
        entry["retry_at"] = retry_at.isoformat() if retry_at is not None else None
        delivery.log = [*(delivery.log or [])[-(LOG_KEEP - 1) :], entry]
        return not sub.enabled


async def release(factory: Factory, due: Due) -> None:
    """Give back a claimed delivery that was not sent (its subscription got disabled), in a
    transaction of its own (a background step, see "Transactions" above)."""
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
    """When the earliest pending delivery of an enabled subscription falls due (a read in a
    short session of its own)."""
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
    now_of = clock or utcnow
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
        async with http_client(settings) as client:

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
        self.clock = clock or utcnow
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
