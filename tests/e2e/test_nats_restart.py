"""The NATS server goes away mid-stream (stopped or killed) and comes back: nothing is lost.

Organisations are created through the registry API while the server goes down and comes back;
the outbox keeps their events, the relay publishes them once NATS is back, and each service's
durable pull consumer (its state kept in the server's store) carries on where it stopped.

Recovery must be prompt, not merely eventual: the relay's publish timeout is raised to 30 s
here, so a relay waiting for acknowledgements lost with the old connection would miss the
10 s allowed below.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from tests.conftest import Suite, eventually

CONSUMERS = ("funding", "referrals", "evaluation", "gateway")
TOTAL = 60
#: Seconds allowed from "NATS is back" to "every event everywhere" (generous for a loaded
#: machine; what it proves is that nobody waited out SLOW).
RECOVERY = 30.0
#: How long the relay would otherwise wait for acknowledgements that cannot come.
SLOW = 120.0


async def _create(suite: Suite, headers: dict[str, str], i: int) -> str:
    resp = await suite.http.post(
        "/registry/v1/organisations",
        json={"name": f"Restart Klynge {i:03d}", "kind": "cluster_organisation"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def _unpublished(suite: Suite) -> int:
    app = suite.apps["registry"]
    outbox = app.state.tables.outbox
    async with app.state.session_factory() as session:
        stmt = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        return int((await session.execute(stmt)).scalar_one())


async def _outbox_empty(suite: Suite) -> bool:
    return await _unpublished(suite) == 0


async def _known(suite: Suite, service: str, ids: list[str]) -> int:
    """How many of ``ids`` the service's directory holds (rows, so each at most once)."""
    app = suite.apps[service]
    table = app.state.tables.inbox.metadata.tables["directory_organisations"]
    async with app.state.session_factory() as session:
        stmt = select(func.count()).select_from(table).where(table.c.id.in_(ids))
        return int((await session.execute(stmt)).scalar_one())


async def _progress(suite: Suite, ids: list[str]) -> dict[str, int]:
    """Events still unpublished, and how many of ``ids`` each consumer has."""
    progress = {"unpublished": await _unpublished(suite)}
    for service in CONSUMERS:
        progress[service] = await _known(suite, service, ids)
    return progress


async def _everywhere(suite: Suite, ids: list[str]) -> bool:
    progress = await _progress(suite, ids)
    return progress == {"unpublished": 0, **dict.fromkeys(CONSUMERS, len(ids))}


def _slow_timeouts(suite: Suite) -> None:
    for app in suite.apps.values():
        app.state.messaging.relay.publish_timeout = SLOW


async def _run(suite: Suite, outage: Callable[[], None], resume: Callable[[], None] | None) -> None:
    headers = await suite.auth("fivu-rti")
    # The reference parties are out first, so what follows is about this test's events.
    await eventually(lambda: _outbox_empty(suite))
    _slow_timeouts(suite)
    ids: list[str] = []
    back_at = 0.0
    for i in range(TOTAL):
        if i == TOTAL // 3:
            outage()  # on this thread: a server started from a worker thread would die with it
            back_at = time.monotonic()
        if resume is not None and i == 2 * TOTAL // 3:
            assert not suite.apps["registry"].state.messaging.connected
            resume()
            back_at = time.monotonic()
        ids.append(await _create(suite, headers, i))

    try:
        await eventually(lambda: _everywhere(suite, ids), timeout=RECOVERY)
    except AssertionError:
        raise AssertionError(f"not everywhere: {await _progress(suite, ids)}") from None
    assert time.monotonic() - back_at < RECOVERY

    # As a partner sees it, through each service's API.
    for service in CONSUMERS:
        for org_id in (ids[0], ids[TOTAL // 2], ids[-1]):
            resp = await suite.http.get(f"/{service}/v1/organisations/{org_id}")
            assert resp.status_code == 200, (service, resp.text)
            assert resp.json()["name"].startswith("Restart Klynge")
    for service, app in suite.apps.items():
        messaging = app.state.messaging
        assert messaging.connected, service
        # No publish still waiting for an acknowledgement: lost ones must not hold the
        # client's async-publish slots (4000 of them; when all are held the relay hangs).
        assert messaging.relay.js.publish_async_pending() == 0, service
        for runner in messaging.consumers:
            assert runner.stats.parked == 0, (service, runner.stats)
            assert runner.stats.failures == 0, (service, runner.stats)


async def test_nats_stopped_and_started_mid_stream(suite: Suite) -> None:
    await _run(suite, suite.nats.stop, suite.nats.start)


async def test_nats_killed_and_restarted_mid_stream(suite: Suite) -> None:
    def crash_and_restart() -> None:
        suite.nats.kill()
        suite.nats.start()

    await _run(suite, crash_and_restart, None)


async def test_nats_killed_and_down_for_a_while(suite: Suite) -> None:
    await _run(suite, suite.nats.kill, suite.nats.start)


async def test_nats_crashes_while_publishes_await_acknowledgement(suite: Suite) -> None:
    """The server freezes (SIGSTOP) with the relay's publishes unanswered, then dies.

    The relay cannot know those publishes are lost until the connection drops; it must then
    publish them again at once, not after its publish timeout, and must not keep waiting on
    their futures (each holds one of the client's async-publish slots).
    """
    headers = await suite.auth("fivu-rti")
    await eventually(lambda: _outbox_empty(suite))
    _slow_timeouts(suite)
    relay = suite.apps["registry"].state.messaging.relay
    assert suite.nats.process is not None
    os.kill(suite.nats.process.pid, signal.SIGSTOP)
    try:
        ids = [await _create(suite, headers, i) for i in range(10)]
        # Sent into the frozen server's socket; no acknowledgement can come.
        await eventually(lambda: _awaiting_acks(relay))
    finally:
        await asyncio.to_thread(suite.nats.kill)  # SIGKILL ends a stopped process too
    suite.nats.start()  # on the main thread (the parent-death signal follows the thread)
    back_at = time.monotonic()
    try:
        await eventually(lambda: _everywhere(suite, ids), timeout=RECOVERY)
    except AssertionError:
        raise AssertionError(f"not everywhere: {await _progress(suite, ids)}") from None
    assert time.monotonic() - back_at < RECOVERY
    assert relay.js.publish_async_pending() == 0


async def _awaiting_acks(relay: Any) -> bool:
    return bool(relay.js.publish_async_pending() > 0)
