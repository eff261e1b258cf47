"""Poison messages: parked after ``max_deliveries`` attempts, acknowledged, and passed by.

A real nats-server and a service database built by its migrations (the funding service's);
the consumer is a ``ConsumerRunner`` of the test's own with handlers that misbehave on cue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.funding.models import messaging as tables
from services.suite import migrations_dir
from shared.db import make_engine, make_session_factory
from shared.events.bus import ConsumerRunner, Subscription, connect, ensure_stream
from shared.events.contracts import OrganisationRegistered
from shared.events.envelope import CloudEvent
from shared.natsserver import NatsServer
from tests.conftest import eventually
from tests.streams import caught_up

TYPE = "registry.organisation.registered"
DURABLE = "funding-poisontest"
MAX_DELIVERIES = 3


@pytest.fixture
async def factory(make_database: Any) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(await make_database(migrations_dir("funding")))
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def js(nats_server: NatsServer) -> AsyncIterator[Any]:
    nc = await connect(nats_server.url, name="poison-test")
    try:
        js = nc.jetstream()
        await ensure_stream(js, "registry")  # as the producing service does at start
        yield js
    finally:
        await nc.close()


class Handler:
    """Counts attempts per organisation; fails for the names it is told to."""

    def __init__(self, fail: Callable[[str, int], bool]) -> None:
        self.fail = fail
        self.attempts: Counter[str] = Counter()

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        name = OrganisationRegistered.model_validate(event.data).name
        self.attempts[name] += 1
        if self.fail(name, self.attempts[name]):
            raise RuntimeError(f"cannot handle {name} (attempt {self.attempts[name]})")


@pytest.fixture
async def run_consumer(
    factory: async_sessionmaker[AsyncSession], js: Any
) -> AsyncIterator[Callable[[Handler], ConsumerRunner]]:
    runners: list[ConsumerRunner] = []

    def start(handler: Handler) -> ConsumerRunner:
        runner = ConsumerRunner(
            Subscription(durable=DURABLE, handlers={TYPE: handler}),
            factory,
            tables,
            js,
            max_deliveries=MAX_DELIVERIES,
            fetch_timeout=1.0,
        )
        runner.start()
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        await runner.stop()


async def _publish(js: Any, name: str) -> CloudEvent:
    event = CloudEvent(
        source="/registry",
        type=TYPE,
        subject=name,
        data=OrganisationRegistered(organisation_id=name, name=name, kind="other").model_dump(),
    )
    await js.publish(TYPE, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
    return event


async def _parked(factory: async_sessionmaker[AsyncSession]) -> list[Any]:
    async with factory() as session:
        stmt = select(tables.parked).order_by(tables.parked.c.id)
        return list((await session.execute(stmt)).mappings())


async def _inbox(factory: async_sessionmaker[AsyncSession]) -> set[str]:
    async with factory() as session:
        rows = await session.execute(select(tables.inbox.c.event_id))
        return {row[0] for row in rows}


async def test_failing_handler_is_parked_acked_and_passed_by(
    factory: async_sessionmaker[AsyncSession], js: Any, run_consumer: Any
) -> None:
    handler = Handler(lambda name, _attempt: name == "poison")
    runner = run_consumer(handler)
    poison = await _publish(js, "poison")
    good = await _publish(js, "good")

    async def parked() -> list[Any]:
        return await _parked(factory)

    (row,) = await eventually(parked)
    assert row["consumer"] == DURABLE
    assert row["event_id"] == poison.id
    assert row["type"] == TYPE
    assert row["subject"] == TYPE
    assert row["deliveries"] == MAX_DELIVERIES
    assert row["stream_seq"] == 1
    assert CloudEvent.model_validate_json(row["body"]) == poison
    assert "RuntimeError: cannot handle poison (attempt 3)" in row["error"]
    assert handler.attempts["poison"] == MAX_DELIVERIES

    # The good message behind it was handled, and the next one too.
    later = await _publish(js, "later")
    await eventually(lambda: _has(factory, {good.id, later.id}))
    # Parked means acknowledged: JetStream has nothing left to (re)deliver to this consumer.
    await eventually(lambda: caught_up(js, "REGISTRY", DURABLE))
    info = await js.consumer_info("REGISTRY", DURABLE)
    assert info.delivered.stream_seq == 3
    assert handler.attempts == {"poison": MAX_DELIVERIES, "good": 1, "later": 1}
    assert poison.id not in await _inbox(factory)  # each failed attempt rolled back
    assert (runner.stats.parked, runner.stats.failures, runner.stats.handled) == (1, 3, 2)
    assert len(await _parked(factory)) == 1


async def test_transient_failure_is_retried_not_parked(
    factory: async_sessionmaker[AsyncSession], js: Any, run_consumer: Any
) -> None:
    handler = Handler(lambda name, attempt: attempt < MAX_DELIVERIES)
    runner = run_consumer(handler)
    event = await _publish(js, "flaky")
    await eventually(lambda: _has(factory, {event.id}))
    await eventually(lambda: caught_up(js, "REGISTRY", DURABLE))
    assert handler.attempts == {"flaky": MAX_DELIVERIES}
    assert await _parked(factory) == []
    assert (runner.stats.parked, runner.stats.failures, runner.stats.handled) == (0, 2, 1)


_LONG_ID = CloudEvent(
    id="x" * 100,
    source="/registry",
    type=TYPE,
    data=OrganisationRegistered(organisation_id="long", name="long", kind="other").model_dump(),
).to_json_bytes()


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        pytest.param(b"{not json", "{not json", id="not-json"),
        pytest.param(b'{"id": "x"}', '{"id": "x"}', id="not-an-event"),
        # NUL is valid UTF-8 but PostgreSQL text refuses it; parking must not fail on it.
        pytest.param(b"\x00\xff binary \x00", r"\x00\xff binary \x00", id="binary"),
        # Longer than the inbox's event_id column: it could never be recorded as handled.
        pytest.param(_LONG_ID, _LONG_ID.decode(), id="id-too-long"),
    ],
)
async def test_unreadable_message_is_parked_at_once(
    factory: async_sessionmaker[AsyncSession],
    js: Any,
    run_consumer: Any,
    body: bytes,
    shown: str,
) -> None:
    handler = Handler(lambda _name, _attempt: False)
    runner = run_consumer(handler)
    await js.publish(TYPE, body)
    good = await _publish(js, "good")

    async def parked() -> list[Any]:
        return await _parked(factory)

    (row,) = await eventually(parked)
    # Retrying cannot make it readable: parked on its first delivery.
    assert row["deliveries"] == 1
    assert row["event_id"] is None and row["type"] is None
    assert row["subject"] == TYPE
    assert row["error"].startswith("unreadable message")
    assert row["body"] == shown  # kept, as text, for whoever looks into it
    await eventually(lambda: _has(factory, {good.id}))
    await eventually(lambda: caught_up(js, "REGISTRY", DURABLE))
    assert handler.attempts == {"good": 1}
    assert (runner.stats.parked, runner.stats.handled) == (1, 1)


async def _has(factory: async_sessionmaker[AsyncSession], event_ids: set[str]) -> bool:
    return event_ids <= await _inbox(factory)
