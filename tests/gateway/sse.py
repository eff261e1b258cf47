"""Reading Server-Sent Events in tests: a small parser, a stream reader, a real server.

httpx's ASGITransport (0.28) collects the whole response body before it returns, so an
endless SSE answer never arrives through it. The streams are therefore read from a real
uvicorn server (the same server ``make run`` and bench/serve.py use) started in the test's
own event loop on a free port, serving the running suite's dispatcher: the suite's apps,
consumers and the in-process LOG_WRITTEN signal are exactly those the test drives, and a
client closing its connection is a real TCP disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn


@dataclass
class SseMessage:
    """One block of an event stream (up to a blank line), fields as the WHATWG spec reads them."""

    id: str | None = None
    event: str | None = None
    data: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def is_event(self) -> bool:
        return self.data is not None

    def json(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


class SseParser:
    """Feed lines (without their line end); a blank line returns the finished block."""

    def __init__(self) -> None:
        self._current = SseMessage()
        self._data: list[str] = []
        self._touched = False

    def feed(self, line: str) -> SseMessage | None:
        if line == "":
            if not self._touched:
                return None
            message = self._current
            if self._data:
                message.data = "\n".join(self._data)
            self._current, self._data, self._touched = SseMessage(), [], False
            return message
        self._touched = True
        if line.startswith(":"):
            self._current.comments.append(line[1:].strip())
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._current.event = value
        elif name == "id":
            self._current.id = value
        elif name == "retry" and value.isdigit():
            self._current.retry = int(value)
        return None


def parse(text: str) -> list[SseMessage]:
    parser = SseParser()
    out = [parser.feed(line) for line in text.splitlines()]
    return [m for m in out if m is not None]


class EventStream:
    """An open SSE response, read by a background task into a queue of blocks."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.blocks: asyncio.Queue[SseMessage] = asyncio.Queue()
        self.seen: list[SseMessage] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        parser = SseParser()
        async for line in self.response.aiter_lines():
            message = parser.feed(line)
            if message is not None:
                await self.blocks.put(message)

    async def next_block(self, timeout: float = 10.0) -> SseMessage:
        block = await asyncio.wait_for(self.blocks.get(), timeout)
        self.seen.append(block)
        return block

    async def next_event(self, timeout: float = 10.0) -> SseMessage:
        """The next block that is an event (skips the preamble and keep-alives)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            block = await self.next_block(max(0.0, deadline - loop.time()))
            if block.is_event:
                return block

    async def events_until(
        self, done: Callable[[SseMessage], bool], timeout: float = 10.0
    ) -> list[SseMessage]:
        """Events up to and including the first one ``done`` accepts."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        out: list[SseMessage] = []
        while True:
            event = await self.next_event(max(0.0, deadline - loop.time()))
            out.append(event)
            if done(event):
                return out

    async def ended(self) -> None:
        """Wait until the server ended the response."""
        await asyncio.shield(self._reader)

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self._reader
        await self.response.aclose()


@contextlib.asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient,
    params: Any = None,
    headers: dict[str, str] | None = None,
    path: str = "/gateway/v1/events",
) -> AsyncIterator[EventStream]:
    """Open the stream; it is ready (its start fixed) once this yields. Closing disconnects."""
    request = client.build_request("GET", path, params=params, headers=headers)
    response = await client.send(request, stream=True)
    assert response.status_code == 200, (await response.aread()).decode()
    stream = EventStream(response)
    try:
        yield stream
    finally:
        await stream.close()


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` (lifespans already running) with uvicorn on a free port; yield its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise AssertionError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
