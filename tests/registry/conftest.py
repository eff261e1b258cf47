"""Registry API tests run on the whole suite; teardown first stops the background tasks firmly.

Why: on Python 3.11 a cancellation that arrives just as a message does can be swallowed by
``asyncio.wait_for`` (inside nats-py's ``fetch``, and in the relay's wake-up wait), so one
``task.cancel()`` may be lost and ``ConsumerRunner.stop`` / ``OutboxRelay.stop`` then await a
task that never ends. Tests that finish while the reference organisations are still flowing
to four services hit that race and hang. Until ``stop`` itself re-cancels, this fixture
cancels each background task until it is really done, then lets the lifespans shut down.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.conftest import Suite


async def _cancel_until_done(task: Any) -> None:
    while isinstance(task, asyncio.Task) and not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)


async def stop_background_tasks(suite: Suite) -> None:
    for app in suite.apps.values():
        messaging = getattr(app.state, "messaging", None)
        if messaging is None:
            continue
        workers = [*getattr(messaging, "consumers", ()), getattr(messaging, "relay", None)]
        for worker in workers:
            await _cancel_until_done(getattr(worker, "_task", None))


@pytest.fixture
async def suite(suite_factory: Callable[..., Awaitable[Suite]]) -> AsyncIterator[Suite]:
    started = await suite_factory()
    yield started
    await stop_background_tasks(started)
