"""Stopping background tasks survives a swallowed cancellation (Python 3.11 ``wait_for``)."""

from __future__ import annotations

import asyncio

from shared.events.tasks import cancel_and_wait


async def test_a_task_that_swallows_one_cancellation_is_still_stopped() -> None:
    swallowed = 0

    async def loop_like_a_consumer() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                # What asyncio.wait_for does on 3.11 when the cancellation and the awaited
                # result arrive together: the result wins and the loop goes on.
                if swallowed == 0:
                    swallowed += 1
                    continue
                raise

    task = asyncio.create_task(loop_like_a_consumer())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task, every=0.01), timeout=2)
    assert task.cancelled()
    assert swallowed == 1


async def test_a_task_that_failed_or_finished_is_fine() -> None:
    async def fail() -> None:
        raise RuntimeError("already broken")

    failed = asyncio.create_task(fail())
    await asyncio.sleep(0)
    await cancel_and_wait(failed)
    assert isinstance(failed.exception(), RuntimeError)
