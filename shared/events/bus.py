"""NATS connection, stream provisioning and durable pull consumers with an inbox.

A handler's effect and its inbox row commit in one transaction, so a redelivered event
(after a crash, a lost ack or a relay that published twice) has no second effect. A message
that keeps failing is parked in ``parked_messages`` after ``max_deliveries`` attempts and
acknowledged, so it is visible and does not loop.

Redelivery after a crash comes within seconds: the consumers' ``ack_wait`` is short
(``ACK_WAIT``, 2 s), and while a fetched batch is being handled every message of it still
waiting is kept alive with an in-progress acknowledgement (``+WPI``) every ``ACK_WAIT / 3``
seconds — so a slow batch is not redelivered behind the consumer's back, and a consumer that
died leaves its messages to another (or to itself after a restart) ``ACK_WAIT`` later instead
of half a minute later. Existing durable consumers are updated to the setting at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import nats
import structlog
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import utcnow
from shared.events.catalog import spec_for
from shared.events.envelope import CloudEvent
from shared.events.spec import stream_name
from shared.events.tables import MessagingTables
from shared.events.tasks import cancel_and_wait

log = structlog.get_logger("bus")

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]

#: Seconds before the server redelivers a message nobody acknowledged (see the module's text).
ACK_WAIT = 2.0


async def connect(
    url: str, *, name: str, on_reconnected: Callable[[], None] | None = None
) -> nats.NATS:
    """Connect and keep reconnecting forever (the relay and consumers wait it out).

    Connection trouble is logged as one line per event; the client's default error callback
    would log a full traceback for every failed reconnect attempt (four a second).
    """

    async def error_cb(exc: Exception) -> None:
        # A refused connection is every reconnect attempt while the server is away.
        level = log.debug if isinstance(exc, OSError) else log.warning
        level("nats_error", connection=name, error=repr(exc))

    client: list[nats.NATS] = []

    async def disconnected_cb() -> None:
        closing = bool(client) and (client[0].is_closed or client[0].is_draining)
        (log.info if closing else log.warning)("nats_disconnected", connection=name)

    async def reconnected_cb() -> None:
        log.warning("nats_reconnected", connection=name)
        if on_reconnected is not None:
            on_reconnected()

    nc = await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.25,
        connect_timeout=2,
        allow_reconnect=True,
        error_cb=error_cb,
        disconnected_cb=disconnected_cb,
        reconnected_cb=reconnected_cb,
    )
    client.append(nc)
    return nc


async def ensure_stream(js: Any, service: str) -> None:
    """Create (or update) the stream of a producing service: ``REGISTRY`` on ``registry.>``."""
    config = StreamConfig(
        name=stream_name(service),
        subjects=[f"{service}.>"],
        storage=StorageType.FILE,
        duplicate_window=120.0,
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


@dataclass
class Subscription:
    """A durable consumer ``<service>-<purpose>`` bound to handlers by event type."""

    durable: str
    handlers: dict[str, Handler]
    #: Where to start when the consumer is new; ALL replays history (directories need it).
    deliver_all: bool = True

    @property
    def producer(self) -> str:
        producers = {spec_for(t).producer for t in self.handlers}
        if len(producers) != 1:
            raise ValueError(f"{self.durable}: one consumer reads one producer's stream")
        return producers.pop()


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    parked: int = 0
    failures: int = 0
    last_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ConsumerRunner:
    """Runs one durable pull consumer: fetch, handle once via the inbox, ack."""

    def __init__(
        self,
        subscription: Subscription,
        factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        js: Any,
        *,
        max_deliveries: int = 5,
        ack_wait: float = ACK_WAIT,
        batch: int = 64,
        fetch_timeout: float = 1.0,
    ) -> None:
        self.subscription = subscription
        self.factory = factory
        self.tables = tables
        self.js = js
        self.max_deliveries = max_deliveries
        self.ack_wait = ack_wait
        self.batch = batch
        self.fetch_timeout = fetch_timeout
        self.stats = ConsumerStats()
        self._task: asyncio.Task[None] | None = None
        self._psub: Any = None
        self._stopping = False
        self._handling = False

    async def _subscribe(self) -> Any:
        sub = self.subscription
        producer = sub.producer
        await ensure_stream(self.js, producer)
        config = ConsumerConfig(
            durable_name=sub.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL if sub.deliver_all else DeliverPolicy.NEW,
            ack_wait=self.ack_wait,
            # The server stops redelivering a little after we park (we ack parked messages).
            max_deliver=self.max_deliveries + 2,
            filter_subjects=sorted(sub.handlers),
            max_ack_pending=1000,
        )
        stream = stream_name(producer)
        try:
            # create, or bring an existing durable to this config (ack_wait was 30 s before)
            await self.js.add_consumer(stream, config)
        except BadRequestError as exc:
            log.warning("consumer_config_kept", consumer=sub.durable, error=repr(exc))
        return await self.js.pull_subscribe("", durable=sub.durable, stream=stream, config=config)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.subscription.durable}")

    async def _fetch(self) -> list[Any]:
        try:
            return list(await self._psub.fetch(self.batch, timeout=self.fetch_timeout))
        except (TimeoutError, nats.errors.TimeoutError):
            return []

    async def stop(self, grace: float = 5.0) -> None:
        """Stop after the message in hand: an idle fetch is cancelled at once, a batch being
        handled finishes its current message (the rest are handed back with a nak)."""
        self._stopping = True
        if self._task:
            if self._handling:
                await asyncio.wait({self._task}, timeout=grace)
            await cancel_and_wait(self._task)
            self._task = None
        if self._psub is not None:
            try:
                await self._psub.unsubscribe()
            except Exception:
                pass
            self._psub = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                if self._psub is None:
                    self._psub = await self._subscribe()
                msgs = await self._fetch()
                self._handling = True
                waiting = list(msgs)
                alive = asyncio.create_task(self._keep_alive(waiting)) if msgs else None
                try:
                    for i, msg in enumerate(msgs):
                        if self._stopping:
                            await self._hand_back(msgs[i:])
                            return
                        await self._process_or_retry_later(msg)
                        waiting.remove(msg)
                finally:
                    self._handling = False
                    if alive is not None:
                        await cancel_and_wait(alive)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS away, consumer deleted, …: back off and retry
                log.warning(
                    "consumer_loop_error", consumer=self.subscription.durable, error=repr(exc)
                )
                if isinstance(exc, NotFoundError):
                    self._psub = None
                await asyncio.sleep(0.5)

    async def _keep_alive(self, waiting: list[Any]) -> None:
        """Tell the server the batch's waiting messages are in hand (in-progress acks), so a
        slow batch outlives ``ack_wait`` without being redelivered."""
        while True:
            await asyncio.sleep(self.ack_wait / 3)
            for msg in list(waiting):
                with contextlib.suppress(Exception):
                    await msg.in_progress()

    async def _hand_back(self, msgs: list[Any]) -> None:
        """Fetched but not handled at shutdown: let the server redeliver them now."""
        for msg in msgs:
            with contextlib.suppress(Exception):
                await msg.nak()

    async def _process_or_retry_later(self, msg: Any) -> None:
        """One message's trouble (the database away while parking, say) is that message's.

        It is left for redelivery and the rest of the batch goes on; letting the error out
        would abandon the batch's other messages unacknowledged until their ``ack_wait``.
        """
        try:
            await self.process(msg)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.stats.failures += 1
            self.stats.last_error = repr(exc)
            log.warning(
                "message_not_processed",
                consumer=self.subscription.durable,
                subject=msg.subject,
                error=repr(exc),
            )
            try:
                await msg.nak(delay=1.0)
            except Exception:
                pass  # NATS away as well: ack_wait brings it back

    async def process(self, msg: Any) -> None:
        durable = self.subscription.durable
        deliveries = msg.metadata.num_delivered if msg.metadata else 1
        try:
            event = CloudEvent.from_json_bytes(msg.data)
            handler = self.subscription.handlers[event.type]
            limit = getattr(self.tables.inbox.c.event_id.type, "length", None)
            if limit and len(event.id) > limit:
                raise ValueError(f"event id longer than {limit} characters")
        except Exception as exc:
            await self._park(msg, None, deliveries, f"unreadable message: {exc}")
            return
        try:
            async with self.factory() as session:
                async with session.begin():
                    await session.execute(
                        self.tables.inbox.insert().values(
                            consumer=durable,
                            event_id=event.id,
                            type=event.type,
                            processed_at=utcnow(),
                        )
                    )
                    await handler(session, event)
        except IntegrityError as exc:
            if await self._already_processed(event.id):
                self.stats.duplicates += 1
                await msg.ack()
                return
            await self._fail(msg, event, deliveries, exc)
            return
        except Exception as exc:
            await self._fail(msg, event, deliveries, exc)
            return
        self.stats.handled += 1
        await msg.ack()

    async def _already_processed(self, event_id: str) -> bool:
        inbox = self.tables.inbox
        async with self.factory() as session:
            found = await session.execute(
                inbox.select().where(
                    inbox.c.consumer == self.subscription.durable, inbox.c.event_id == event_id
                )
            )
            return found.first() is not None

    async def _fail(self, msg: Any, event: CloudEvent, deliveries: int, exc: Exception) -> None:
        self.stats.failures += 1
        self.stats.last_error = repr(exc)
        log.warning(
            "handler_failed",
            consumer=self.subscription.durable,
            event_id=event.id,
            type=event.type,
            deliveries=deliveries,
            error=type(exc).__name__,
        )
        if deliveries >= self.max_deliveries:
            await self._park(
                msg, event, deliveries, "".join(traceback.format_exception(exc))[-4000:]
            )
        else:
            await msg.nak(delay=min(0.2 * 2 ** (deliveries - 1), 10.0))

    async def _park(self, msg: Any, event: CloudEvent | None, deliveries: int, error: str) -> None:
        async with self.factory() as session:
            async with session.begin():
                await session.execute(
                    self.tables.parked.insert().values(
                        consumer=self.subscription.durable,
                        event_id=event.id if event else None,
                        type=event.type if event else None,
                        subject=msg.subject,
                        stream_seq=msg.metadata.sequence.stream if msg.metadata else None,
                        deliveries=deliveries,
                        body=_as_text(msg.data),
                        error=_as_text(error.encode("utf-8", "surrogatepass")),
                        parked_at=utcnow(),
                    )
                )
        self.stats.parked += 1
        log.error("message_parked", consumer=self.subscription.durable, subject=msg.subject)
        await msg.ack()


def _as_text(raw: bytes) -> str:
    """Bytes as text any database stores: invalid UTF-8 and NUL (which PostgreSQL refuses
    in text) are written as ``\\xNN`` escapes, so a poison body can always be parked."""
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


class Messaging:
    """What a service's lifespan starts: NATS connection, its stream, relay and consumers."""

    def __init__(
        self,
        service: str,
        nats_url: str,
        factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        subscriptions: Iterable[Subscription] = (),
        *,
        poll_interval: float = 1.0,
        max_deliveries: int = 5,
    ) -> None:
        self.service = service
        self.nats_url = nats_url
        self.factory = factory
        self.tables = tables
        self.subscriptions = list(subscriptions)
        self.poll_interval = poll_interval
        self.max_deliveries = max_deliveries
        self.nc: nats.NATS | None = None
        self.relay: Any = None
        self.consumers: list[ConsumerRunner] = []

    async def start(self) -> None:
        from shared.events.outbox import OutboxRelay

        self.nc = await connect(self.nats_url, name=self.service, on_reconnected=self._reconnected)
        js = self.nc.jetstream()
        await ensure_stream(js, self.service)
        self.relay = OutboxRelay(
            self.factory,
            self.tables,
            js,
            poll_interval=self.poll_interval,
            is_connected=lambda: self.connected,
        )
        self.relay.start()
        for sub in self.subscriptions:
            runner = ConsumerRunner(
                sub, self.factory, self.tables, js, max_deliveries=self.max_deliveries
            )
            runner.start()
            self.consumers.append(runner)

    def _reconnected(self) -> None:
        if self.relay is not None:
            self.relay.connection_restored()

    async def stop(self) -> None:
        for runner in self.consumers:
            await runner.stop()
        self.consumers.clear()
        if self.relay:
            await self.relay.stop()
        if self.nc and not self.nc.is_closed:
            try:
                await self.nc.drain()
            except Exception:
                await self.nc.close()

    @property
    def connected(self) -> bool:
        return bool(self.nc and self.nc.is_connected)
