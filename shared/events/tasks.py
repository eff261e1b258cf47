"""Stopping the relay's and consumers' background tasks reliably."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any], *, every: float = 0.1) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling again while it runs on.

    One ``cancel()`` is not always enough on Python 3.11: ``asyncio.wait_for`` swallows a
    cancellation that arrives just as the awaited future completes (CPython gh-86296, fixed
    in 3.12). nats-py's ``fetch``/``next_msg`` use ``wait_for``, so a consumer stopped at
    that moment went on looping, and ``await task`` never returned: the service hung at
    shutdown (seen as test teardowns that never ended).
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=every)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
