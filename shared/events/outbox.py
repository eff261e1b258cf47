"""The transactional outbox and its relay.

``record_event`` writes the event row in the caller's transaction, so the change and the
event commit or roll back together. After that commit the session wakes the relay
(``after_commit`` hook); the relay also polls, so events committed by another process or left
by a crash are published too. The relay publishes with ``Nats-Msg-Id`` = event id, so a
publish repeated after a crash (published, not yet marked) is dropped by JetStream's
duplicate window, and consumers' inboxes make the effect happen once even beyond it.
"""

from __future__ import annotations

import asyncio
from asyncio import FIRST_COMPLETED
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import structlog
from pydantic import BaseModel
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from shared.clock import utcnow
from shared.events.catalog import spec_for
from shared.events.envelope import CloudEvent
from shared.events.tables import MessagingTables
from shared.events.tasks import cancel_and_wait

log = structlog.get_logger("outbox")

_WAKE_KEY = "outbox_wake"
_DIRTY_KEY = "outbox_dirty"


def build_envelope(
    type_: str,
    payload: BaseModel | dict[str, Any],
    *,
    subject: str | None = None,
    recipient: str | None = None,
) -> CloudEvent:
    """Check the payload against the catalog and wrap it in its CloudEvents envelope."""
    spec = spec_for(type_)
    model = payload if isinstance(payload, BaseModel) else spec.payload.model_validate(payload)
    if not isinstance(model, spec.payload):
        raise TypeError(f"{type_} expects {spec.payload.__name__}, got {type(model).__name__}")
    if spec.addressed and not recipient:
        raise ValueError(f"{type_} is addressed: give a recipient")
    return CloudEvent(
        source=f"/{spec.producer}",
        type=type_,
        subject=subject,
        recipient=recipient,
        data=model.model_dump(mode="json"),
    )


def _outbox_row(envelope: CloudEvent) -> dict[str, Any]:
    return {
        "event_id": envelope.id,
        "type": envelope.type,
        "envelope": envelope.model_dump(mode="json", exclude_none=True),
        "created_at": envelope.time,
        "attempts": 0,
    }


async def record_event(
    session: AsyncSession,
    tables: MessagingTables,
    type_: str,
    payload: BaseModel | dict[str, Any],
    *,
    subject: str | None = None,
    recipient: str | None = None,
) -> CloudEvent:
    """Add an event to the outbox inside the session's current transaction."""
    envelope = build_envelope(type_, payload, subject=subject, recipient=recipient)
    await session.execute(tables.outbox.insert().values(**_outbox_row(envelope)))
    session.info[_DIRTY_KEY] = True
    return envelope


class PendingEvent(NamedTuple):
    """One event for :func:`record_events`: the arguments of :func:`record_event`."""

    type: str
    payload: BaseModel | dict[str, Any]
    subject: str | None = None
    recipient: str | None = None


async def record_events(
    session: AsyncSession,
    tables: MessagingTables,
    events: Iterable[PendingEvent],
    *,
    chunk_size: int = 1000,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Add many events to the outbox in the session's transaction, in insert order.

    The envelopes are built exactly as :func:`record_event` builds them; the rows go in with
    one multi-row INSERT per ``chunk_size`` events (a bulk import writes thousands).
    ``on_chunk`` is told how many rows each chunk wrote. Returns the number of events.
    """
    total = 0
    rows: list[dict[str, Any]] = []

    async def flush() -> None:
        nonlocal total
        if rows:
            await session.execute(tables.outbox.insert(), rows)
            total += len(rows)
            if on_chunk is not None:
                on_chunk(len(rows))
            rows.clear()

    for event in events:
        envelope = build_envelope(
            event.type, event.payload, subject=event.subject, recipient=event.recipient
        )
        rows.append(_outbox_row(envelope))
        if len(rows) >= chunk_size:
            await flush()
    await flush()
    if total:
        session.info[_DIRTY_KEY] = True
    return total


@sa_event.listens_for(Session, "after_commit")
def _wake_relay_after_commit(session: Session) -> None:
    if session.info.pop(_DIRTY_KEY, False):
        wake = session.info.get(_WAKE_KEY)
        if wake is not None:
            wake()


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_DIRTY_KEY, None)


def bind_relay(factory: async_sessionmaker[AsyncSession], wake: Callable[[], None]) -> None:
    """Make every session from ``factory`` wake the relay after a commit with events."""
    factory.kw.setdefault("info", {})[_WAKE_KEY] = wake


class OutboxRelay:
    """Publishes committed outbox rows to JetStream in order, then marks them published."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        js: Any,
        *,
        poll_interval: float = 1.0,
        batch_size: int = 200,
        publish_timeout: float = 5.0,
        is_connected: Callable[[], bool] | None = None,
    ) -> None:
        self.factory = factory
        self.tables = tables
        self.js = js
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.publish_timeout = publish_timeout
        #: While NATS is away, publishing would only pile copies into the client's buffer;
        #: the relay waits instead and ``connection_restored`` wakes it.
        self.is_connected = is_connected
        self._wakeup = asyncio.Event()
        self._interrupted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published_total = 0
        #: Test hook: called after publishing a batch and before marking it published.
        self.after_publish_hook: Callable[[list[str]], Any] | None = None

    def wake(self) -> None:
        self._wakeup.set()

    def connection_restored(self) -> None:
        """NATS reconnected: acknowledgements still awaited were lost with the old connection.

        Give up on them now and publish the batch again (``Nats-Msg-Id`` makes the repeat
        harmless) instead of waiting ``publish_timeout`` for answers that cannot come.
        """
        self._interrupted.set()
        self._wakeup.set()

    async def _acknowledged(
        self, fut: asyncio.Future[Any], interrupted: asyncio.Event, deadline: float
    ) -> None:
        if not fut.done():
            waiter = asyncio.ensure_future(interrupted.wait())
            try:
                timeout = max(deadline - asyncio.get_running_loop().time(), 0.0)
                await asyncio.wait({fut, waiter}, timeout=timeout, return_when=FIRST_COMPLETED)
            finally:
                waiter.cancel()
        if not fut.done():
            if interrupted.is_set():
                raise ConnectionError("NATS reconnected while publishing; publishing again")
            raise TimeoutError(f"no acknowledgement from JetStream within {self.publish_timeout}s")
        fut.result()  # the server's answer: a PubAck, or an API error raised here

    def start(self) -> None:
        bind_relay(self.factory, self.wake)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            await cancel_and_wait(self._task)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                more = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS down, database busy: retry after a pause
                log.warning("relay_failed", error=str(exc) or type(exc).__name__)
                more = False
                await asyncio.sleep(min(self.poll_interval, 0.5))
            if more:
                continue
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.poll_interval)
            except TimeoutError:
                pass
            self._wakeup.clear()

    async def relay_once(self) -> bool:
        """Publish one batch. Returns True when a full batch was sent (there may be more)."""
        self._wakeup.clear()
        if self.is_connected is not None and not self.is_connected():
            return False
        outbox = self.tables.outbox
        async with self.factory() as session:
            rows = (
                await session.execute(
                    select(outbox.c.seq, outbox.c.event_id, outbox.c.type, outbox.c.envelope)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.seq)
                    .limit(self.batch_size)
                )
            ).all()
        if not rows:
            return False
        published: list[int] = []
        futures: list[asyncio.Future[Any]] = []
        interrupted = self._interrupted = asyncio.Event()
        try:
            for row in rows:
                body = CloudEvent.model_validate(row.envelope).to_json_bytes()
                futures.append(
                    await self.js.publish_async(
                        row.type,
                        body,
                        headers={"Nats-Msg-Id": row.event_id},
                        wait_stall=self.publish_timeout,
                    )
                )
            deadline = asyncio.get_running_loop().time() + self.publish_timeout
            for row, fut in zip(rows, futures, strict=True):
                await self._acknowledged(fut, interrupted, deadline)
                published.append(row.seq)
        finally:
            # A publish whose acknowledgement never comes (the server died with it in flight)
            # must not hold one of the client's async-publish slots for ever: once they are
            # all taken, publish_async blocks and the relay stops for good.
            for fut in futures:
                if not fut.done():
                    fut.cancel()
            if published and self.after_publish_hook is not None:
                result = self.after_publish_hook([r.event_id for r in rows if r.seq in published])
                if asyncio.iscoroutine(result):
                    await result
            if published:
                async with self.factory() as session:
                    await session.execute(
                        update(outbox)
                        .where(outbox.c.seq.in_(published))
                        .values(published_at=utcnow())
                    )
                    await session.commit()
                self.published_total += len(published)
        return len(rows) == self.batch_size
