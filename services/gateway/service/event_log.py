"""The gateway's event log (``event_log``): writing it, waking its readers, and the visibility
rule as a query filter.

Every event of the catalog is written here by the gateway's log consumers (``consumers.py``),
numbered by ``seq``. The outbox relay's commit wakes nobody in the gateway; the readers — the
SSE streams (``service.stream``) and the webhook dispatcher (``service.dispatch``) — poll the
log cheaply and are also woken in-process through :data:`LOG_WRITTEN` after each logged event
commits.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import ColumnElement, event, or_
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import EVENT_LOG_SEQUENCE, LoggedEvent, sequences
from shared.clock import utcnow
from shared.events.envelope import CloudEvent
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
    """Write one event to the log (the consumer's inbox makes it once); :data:`LOG_WRITTEN`
    wakes the readers when the consumer's transaction commits."""
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


def visible_filter(
    organisation_id: str | None, everything: bool = False
) -> list[ColumnElement[bool]]:
    """:func:`~services.gateway.rules.visibility.visible_to` as a filter on
    ``event_log.recipient``: public events, or those addressed to ``organisation_id``
    (``None``: anonymous, public only); no filter for ``everything``. Readers check each row
    they hand on with ``visible_to`` again."""
    if everything:
        return []
    if organisation_id is None:
        return [LoggedEvent.recipient.is_(None)]
    return [or_(LoggedEvent.recipient.is_(None), LoggedEvent.recipient == organisation_id)]
