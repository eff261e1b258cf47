"""Looking into JetStream from tests: what a stream holds, whether a consumer has caught up."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import nats


@asynccontextmanager
async def jetstream(url: str) -> AsyncIterator[Any]:
    """A connection of the test's own (not one of the services')."""
    nc = await nats.connect(url, name="test-inspector")
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


async def last_seq(js: Any, stream: str) -> int:
    return int((await js.stream_info(stream)).state.last_seq)


async def message_ids(js: Any, stream: str, after_seq: int) -> Counter[str | None]:
    """``Nats-Msg-Id`` of every message stored after ``after_seq``, counted."""
    seen: Counter[str | None] = Counter()
    for seq in range(after_seq + 1, await last_seq(js, stream) + 1):
        msg = await js.get_msg(stream, seq)
        seen[(msg.headers or {}).get("Nats-Msg-Id")] += 1
    return seen


async def caught_up(js: Any, stream: str, durable: str) -> bool:
    """The consumer has been given every message of its stream and acknowledged each."""
    info = await js.consumer_info(stream, durable)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)
