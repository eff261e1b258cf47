"""Exactly once downstream, even when the relay dies between publishing and marking sent.

The relay publishes a batch, then marks it published. A crash in between leaves rows that
were published but look unpublished, so the next relay publishes them again. Within
JetStream's duplicate window the ``Nats-Msg-Id`` (= event id) makes the stream drop the
repeat; beyond it the stream would store a second copy, and each consumer's inbox makes that
second delivery a no-op.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from services.registry.settings import RegistrySettings
from shared.events.bus import Messaging
from shared.events.outbox import OutboxRelay
from tests.conftest import Suite, eventually
from tests.streams import caught_up, jetstream, last_seq, message_ids

CONSUMERS = ("funding", "referrals", "evaluation", "gateway")
N = 12


async def _create(suite: Suite, headers: dict[str, str], name: str) -> str:
    resp = await suite.http.post(
        "/registry/v1/organisations",
        json={"name": name, "kind": "cluster_organisation"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def _outbox(suite: Suite) -> list[Any]:
    app = suite.apps["registry"]
    outbox = app.state.tables.outbox
    async with app.state.session_factory() as session:
        stmt = select(outbox.c.event_id, outbox.c.envelope, outbox.c.published_at)
        return list((await session.execute(stmt.order_by(outbox.c.seq))).all())


async def _unpublished(suite: Suite) -> list[str]:
    return [row.event_id for row in await _outbox(suite) if row.published_at is None]


async def _nothing_unpublished(suite: Suite) -> bool:
    return not await _unpublished(suite)


async def _inbox_counts(suite: Suite, service: str, event_ids: list[str]) -> dict[str, int]:
    """How often the service's directory consumer recorded each event (the gateway's event
    log consumer records the same events under its own name)."""
    app = suite.apps[service]
    inbox = app.state.tables.inbox
    async with app.state.session_factory() as session:
        stmt = (
            select(inbox.c.event_id, func.count())
            .where(inbox.c.event_id.in_(event_ids), inbox.c.consumer == f"{service}-directory")
            .group_by(inbox.c.event_id)
        )
        return {row[0]: int(row[1]) for row in await session.execute(stmt)}


async def _directory(suite: Suite, service: str, org_ids: list[str]) -> dict[str, Any]:
    """Directory rows by id; ``updated_at`` changes each time the handler runs for an id."""
    app = suite.apps[service]
    table = app.state.tables.inbox.metadata.tables["directory_organisations"]
    async with app.state.session_factory() as session:
        rows = await session.execute(
            select(table.c.id, table.c.updated_at).where(table.c.id.in_(org_ids))
        )
        return {row.id: row.updated_at for row in rows}


def _runner(suite: Suite, service: str) -> Any:
    """The service's organisation-directory consumer (a service may run several)."""
    (runner,) = [
        r
        for r in suite.apps[service].state.messaging.consumers
        if r.subscription.durable == f"{service}-directory"
    ]
    return runner


async def _all_caught_up(js: Any) -> bool:
    for service in CONSUMERS:
        if not await caught_up(js, "REGISTRY", f"{service}-directory"):
            return False
    return True


def _everywhere(suite: Suite, org_ids: list[str]) -> Callable[[], Any]:
    async def check() -> bool:
        for service in CONSUMERS:
            if len(await _directory(suite, service, org_ids)) != len(org_ids):
                return False
        return True

    return check


async def test_relay_killed_after_publish_before_mark(suite: Suite) -> None:
    headers = await suite.auth("fivu-rti")
    registry = suite.apps["registry"]
    settings: RegistrySettings = registry.state.settings
    await eventually(lambda: _nothing_unpublished(suite))
    old_relay: OutboxRelay = registry.state.messaging.relay
    await old_relay.stop()

    async with jetstream(suite.nats.url) as js:
        await eventually(lambda: _all_caught_up(js))
        before_seq = await last_seq(js, "REGISTRY")
        handled_before = {s: _runner(suite, s).stats.handled for s in CONSUMERS}

        # Changes commit with their events while no relay runs: the events wait.
        org_ids = [await _create(suite, headers, f"Crash Klynge {i:02d}") for i in range(N)]
        event_ids = await _unpublished(suite)
        assert len(event_ids) == N
        assert await last_seq(js, "REGISTRY") == before_seq

        # A relay publishes them all, then dies before it can mark them published.
        crashed = asyncio.Event()
        sent: list[str] = []

        async def die_here(ids: list[str]) -> None:
            sent.extend(ids)
            crashed.set()
            await asyncio.Future()  # hangs until the "process" is killed below

        doomed = OutboxRelay(
            registry.state.session_factory, registry.state.tables, old_relay.js, poll_interval=0.2
        )
        doomed.after_publish_hook = die_here
        doomed.start()
        await asyncio.wait_for(crashed.wait(), 10)
        await doomed.stop()
        assert sorted(sent) == sorted(event_ids)

        # Published and already handled downstream, yet the outbox says unpublished.
        assert sorted(await _unpublished(suite)) == sorted(event_ids)
        assert await last_seq(js, "REGISTRY") == before_seq + N
        await eventually(_everywhere(suite, org_ids))
        await eventually(lambda: _all_caught_up(js))
        first_effects = {s: await _directory(suite, s, org_ids) for s in CONSUMERS}

        # The service restarts: a new NATS connection and a new relay on the same database.
        restarted = Messaging(
            "registry",
            suite.nats.url,
            registry.state.session_factory,
            registry.state.tables,
            poll_interval=settings.relay_poll_interval,
        )
        await restarted.start()
        try:
            await eventually(lambda: _nothing_unpublished(suite))
            assert restarted.relay.published_total == N  # all of them were sent again …
        finally:
            await restarted.stop()

        # … and JetStream kept one copy of each (Nats-Msg-Id = event id).
        assert await last_seq(js, "REGISTRY") == before_seq + N
        stored = await message_ids(js, "REGISTRY", before_seq)
        assert stored == dict.fromkeys(event_ids, 1)

        await eventually(lambda: _all_caught_up(js))
        for service in CONSUMERS:
            runner = _runner(suite, service)
            assert runner.stats.handled - handled_before[service] == N, service
            assert runner.stats.duplicates == 0, service
            assert await _inbox_counts(suite, service, event_ids) == dict.fromkeys(event_ids, 1)
            # The handler ran once: a second run would have moved updated_at.
            assert await _directory(suite, service, org_ids) == first_effects[service], service


async def test_redelivery_beyond_the_duplicate_window_is_a_no_op(suite: Suite) -> None:
    """The same event stored twice (as past the window) has its effect once."""
    headers = await suite.auth("fivu-rti")
    org_id = await _create(suite, headers, "Twice Klynge")
    await eventually(_everywhere(suite, [org_id]))
    await eventually(lambda: _nothing_unpublished(suite))
    (row,) = [r for r in await _outbox(suite) if r.envelope.get("subject") == org_id]

    async with jetstream(suite.nats.url) as js:
        await eventually(lambda: _all_caught_up(js))
        first_effects = {s: await _directory(suite, s, [org_id]) for s in CONSUMERS}
        stats_before = {
            s: (_runner(suite, s).stats.handled, _runner(suite, s).stats.duplicates)
            for s in CONSUMERS
        }
        before_seq = await last_seq(js, "REGISTRY")

        # The very bytes the relay sent, without the Nats-Msg-Id JetStream could drop it by.
        original = await js.get_msg("REGISTRY", await _seq_of(js, row.event_id, before_seq))
        assert original.headers["Nats-Msg-Id"] == row.event_id
        ack = await js.publish(original.subject, original.data)
        assert not ack.duplicate
        assert await last_seq(js, "REGISTRY") == before_seq + 1  # the stream holds it twice

        async def second_copy_seen() -> bool:
            return all(
                _runner(suite, s).stats.duplicates == stats_before[s][1] + 1 for s in CONSUMERS
            )

        await eventually(second_copy_seen)
        await eventually(lambda: _all_caught_up(js))
        for service in CONSUMERS:
            runner = _runner(suite, service)
            assert runner.stats.handled == stats_before[service][0], service
            assert runner.stats.failures == 0 and runner.stats.parked == 0, service
            assert await _inbox_counts(suite, service, [row.event_id]) == {row.event_id: 1}
            assert await _directory(suite, service, [org_id]) == first_effects[service], service


async def _seq_of(js: Any, event_id: str, up_to: int) -> int:
    for seq in range(up_to, 0, -1):
        msg = await js.get_msg("REGISTRY", seq)
        if (msg.headers or {}).get("Nats-Msg-Id") == event_id:
            return seq
    raise AssertionError(f"event {event_id} is not in the stream")
