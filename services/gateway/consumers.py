"""Event handlers of the gateway (idempotent through the inbox).

- ``gateway-directory``: organisations (shared.directory).
- ``gateway-<producer>-log`` (one per producing service): every event type of the catalog,
  written to ``event_log`` for the event stream, the webhooks and the dashboard's live feed.
  The outbox relay's commit wakes nobody here; the stream readers poll the log cheaply and
  are also woken in-process through :data:`LOG_WRITTEN` after each logged event commits.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import EVENT_LOG_SEQUENCE, LoggedEvent, directory, sequences
from shared.directory import directory_subscription
from shared.events.bus import Handler, Subscription
from shared.events.catalog import CATALOG
from shared.events.envelope import CloudEvent, utcnow
from shared.sequences import next_value


class LogSignal:
    """Wakes in-process readers (SSE streams, webhook dispatch) when events were logged."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Event] = set()

    def notify(self) -> None:
        for waiter in list(self._waiters):
            waiter.set()

    async def wait(self, timeout: float) -> None:
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


LOG_WRITTEN = LogSignal()


async def log_event(session: AsyncSession, envelope: CloudEvent) -> None:
    seq = await next_value(session, sequences, EVENT_LOG_SEQUENCE)
    session.add(
        LoggedEvent(
            seq=seq,
            event_id=envelope.id,
            type=envelope.type,
            source=envelope.source,
            subject=envelope.subject,
            recipient=envelope.recipient,
            time=envelope.time,
            envelope=envelope.model_dump(mode="json", exclude_none=True),
            received_at=utcnow(),
        )
    )
    if not session.info.get("gateway_log_signal"):
        session.info["gateway_log_signal"] = True
        event.listen(session.sync_session, "after_commit", lambda _s: LOG_WRITTEN.notify())


def _log_subscriptions() -> list[Subscription]:
    by_producer: dict[str, dict[str, Handler]] = defaultdict(dict)
    for type_, spec in CATALOG.items():
        by_producer[spec.producer][type_] = log_event
    return [
        Subscription(durable=f"gateway-{producer}-log", handlers=handlers)
        for producer, handlers in sorted(by_producer.items())
    ]


SUBSCRIPTIONS = [directory_subscription("gateway", directory), *_log_subscriptions()]
