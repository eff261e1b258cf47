"""Webhook subscriptions of partner organisations (issue 7): create, change, enable (and
disable, for the dispatcher: issue 14), rotate the secret, read the delivery log,
redeliver. Use cases never commit.

An organisation sees and changes only its own subscriptions; another organisation's is
answered 404, as if it did not exist. The signing secret (Standard Webhooks ``whsec_`` +
base64 of 32 random bytes; the spec asks for 24–64) is answered once, at creation or
rotation. A new subscription starts at the end of the event log: it receives what happens
from now on, not the history.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.models import LoggedEvent, WebhookDelivery, WebhookSubscription, messaging
from services.gateway.rules.retries import Attempt, Cause, disabled_reason, url_host
from services.gateway.rules.ssrf import UnsafeUrl
from services.gateway.schemas.webhooks import WebhookCreate, WebhookUpdate
from services.gateway.service import delivery, url_guard
from services.gateway.settings import GatewaySettings
from shared.auth import Principal
from shared.clock import optional_utc
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.queries import new_id, page

#: After a rotation the old secret signs too (a second signature) for this long.
ROTATION_GRACE = timedelta(hours=24)
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


async def check_url(url: str, settings: GatewaySettings) -> str:
    """The URL, stripped, if the SSRF guard lets it through; else a 422 naming the reason
    (e.g. "10.0.0.1 is a private address (RFC 1918)"). Callers check before they touch the
    database: the name lookup may take seconds, and embedded SQLite has one connection."""
    try:
        target, _addresses = await url_guard.check_url(
            url, allow_private=settings.webhook_allow_private
        )
    except UnsafeUrl as exc:
        raise Problem(
            422,
            "unsafe-webhook-url",
            f"The webhook URL is refused: {exc}. Use a public http(s) address of your receiver.",
            url=url[:2000],
            reason=str(exc),
        ) from exc
    return target.url


async def create_subscription(
    session: AsyncSession,
    data: WebhookCreate,
    url: str,
    principal: Principal,
    now: datetime,
) -> tuple[WebhookSubscription, str]:
    """``url`` is ``data.url`` as :func:`check_url` let it through."""
    end_of_log = (await session.execute(select(func.max(LoggedEvent.seq)))).scalar() or 0
    secret = new_secret()
    sub = WebhookSubscription(
        id=new_id("whk"),
        organisation_id=principal.organisation_id,
        url=url,
        patterns=list(data.patterns),
        description=data.description,
        secret=secret,
        enabled=True,
        consecutive_failures=0,
        cursor=end_of_log,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(sub)
    await session.flush()
    return sub, secret


async def own_subscription(
    session: AsyncSession, subscription_id: str, principal: Principal
) -> WebhookSubscription:
    """The caller's own subscription; 404 for one that does not exist or is another's."""
    sub = (
        None
        if "\x00" in subscription_id
        else await session.get(WebhookSubscription, subscription_id)
    )
    if sub is None or sub.organisation_id != principal.organisation_id:
        raise Problem(404, "not-found", f"No webhook subscription '{subscription_id[:64]}'.")
    return sub


async def list_subscriptions(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> tuple[list[WebhookSubscription], str | None]:
    stmt = select(WebhookSubscription).where(
        WebhookSubscription.organisation_id == principal.organisation_id
    )
    return await page(session, stmt, WebhookSubscription.id, cursor, limit)


def _bump(sub: WebhookSubscription, now: datetime) -> None:
    sub.version += 1
    sub.updated_at = now


async def update_subscription(
    session: AsyncSession,
    sub: WebhookSubscription,
    data: WebhookUpdate,
    url: str | None,
    if_match: str | None,
    now: datetime,
) -> WebhookSubscription:
    """``url``: the new URL as :func:`check_url` let it through, if there is one."""
    require_if_match(if_match, sub.version)
    fields = data.model_fields_set
    if url is not None:
        sub.url = url
    if "patterns" in fields and data.patterns is not None:
        sub.patterns = list(data.patterns)
    if "description" in fields:
        sub.description = data.description
    _bump(sub, now)
    await session.flush()
    return sub


async def delete_subscription(session: AsyncSession, sub: WebhookSubscription) -> None:
    """The subscription and its delivery log go; nothing more is sent to its URL."""
    await session.execute(
        WebhookDelivery.__table__.delete().where(WebhookDelivery.subscription_id == sub.id)
    )
    await session.delete(sub)
    await session.flush()


async def enable_subscription(
    session: AsyncSession, sub: WebhookSubscription, now: datetime
) -> WebhookSubscription:
    """Deliver again: failures forgotten (the run of failures starts afresh), pending
    deliveries due now (they resume in event order), and the events logged while it was
    disabled follow (its cursor waited)."""
    if not sub.enabled or sub.consecutive_failures or sub.failing_since or sub.disabled_reason:
        sub.enabled = True
        sub.consecutive_failures = 0
        sub.failing_since = None
        sub.disabled_reason = None
        sub.disabled_at = None
        _bump(sub, now)
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == sub.id, WebhookDelivery.state == "pending")
            .values(next_attempt_at=now)
        )
        await session.flush()
    return sub


async def disable_subscription(
    session: AsyncSession, sub: WebhookSubscription, cause: Cause, attempt: Attempt
) -> None:
    """Stop delivering to ``sub`` after ``attempt`` (``rules.retries.disables`` said why) and
    tell its owner: ``gateway.webhook.disabled``, addressed to the owning organisation, in
    the same transaction (the outbox). The event names the URL's host only (its path or
    query may hold a token). Pending deliveries stay pending until the owner re-enables."""
    failing_since = optional_utc(sub.failing_since)
    sub.enabled = False
    sub.disabled_at = attempt.at
    sub.disabled_reason = disabled_reason(
        cause, sub.consecutive_failures, failing_since, attempt, sub.url
    )
    _bump(sub, attempt.at)
    await record_event(
        session,
        messaging,
        "gateway.webhook.disabled",
        ev.WebhookDisabled(
            subscription_id=sub.id,
            url_host=url_host(sub.url),
            cause=cause,
            reason=sub.disabled_reason,
            failing_since=failing_since,
            disabled_at=attempt.at,
            failed_attempts=sub.consecutive_failures,
            last_status=attempt.status,
        ),
        subject=sub.id,
        recipient=sub.organisation_id,
    )


async def rotate_secret(
    session: AsyncSession, sub: WebhookSubscription, now: datetime
) -> tuple[WebhookSubscription, str]:
    secret = new_secret()
    sub.previous_secret = sub.secret
    sub.previous_secret_expires_at = now + ROTATION_GRACE
    sub.secret = secret
    _bump(sub, now)
    await session.flush()
    return sub, secret


async def list_deliveries(
    session: AsyncSession,
    sub: WebhookSubscription,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[WebhookDelivery], str | None]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
    if state:
        stmt = stmt.where(WebhookDelivery.state == state)
    return await page(session, stmt, WebhookDelivery.id, cursor, limit)


async def redeliver(
    session: AsyncSession, sub: WebhookSubscription, delivery_id: str, now: datetime
) -> WebhookDelivery:
    """Queue a delivery again, due now, whatever its state; its attempts count from zero
    again (the log keeps every earlier attempt). The receiver gets the same webhook-id."""
    delivery = None if "\x00" in delivery_id else await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != sub.id:
        raise Problem(404, "not-found", f"No delivery '{delivery_id[:64]}' of this subscription.")
    if not sub.enabled:
        raise Problem(
            409,
            "subscription-disabled",
            "The subscription is disabled; enable it first (POST …/enable), then its pending "
            "deliveries resume.",
            disabled_reason=sub.disabled_reason,
        )
    delivery.state = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now
    await session.flush()
    return delivery


async def send_test(
    factory: async_sessionmaker[AsyncSession],
    settings: GatewaySettings,
    subscription_id: str,
    principal: Principal,
    now: datetime,
) -> tuple[Attempt, str]:
    """Ping the caller's own subscription now: a signed ``gateway.webhook.test`` event
    (``service.delivery.ping``; not logged, not retried, no failure counted). The attempt and
    the webhook-id it was sent with.

    Reads the subscription in a short session of its own, closed before the receiver is
    called, instead of the request's unit of work: no session may be held while a partner's
    receiver answers (it may take seconds; embedded SQLite has one connection). Nothing is
    written, so there is nothing to commit."""
    async with factory() as session:
        sub = await own_subscription(session, subscription_id, principal)
    return await delivery.ping(settings, sub, now)
