"""A tiny real HTTP server on loopback that records what webhooks deliver.

Plain asyncio streams (no framework): it reads each request's line, headers and body,
records them, answers with the status ``respond`` gives (200 by default) and closes the
connection. Used as ``async with Receiver() as rx: … rx.url("/hook") …``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)

    def verified(self, secret: str) -> Any:
        """The payload, if the signature verifies with ``secret`` (the standardwebhooks
        package; raises WebhookVerificationError if not)."""
        return Webhook(secret).verify(self.body, self.headers)

    def signed_by(self, secret: str) -> bool:
        """Whether one of the signatures is ``secret``'s at the delivery's own timestamp (a
        test that moves the gateway's clock days ahead sends timestamps that
        :meth:`verified`'s five-minute tolerance refuses)."""
        stamp = datetime.fromtimestamp(int(self.headers["webhook-timestamp"]), UTC)
        expected = Webhook(secret).sign(self.webhook_id, stamp, self.body.decode())
        return expected in self.headers["webhook-signature"].split(" ")


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        #: What to answer a request: a status or an Answer (default 200).
        self.respond: Callable[[Received], int | Answer] = lambda _r: 200
        self._server: asyncio.Server | None = None
        self.port = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode("latin-1").strip()
            if not request_line:
                return
            method, target, _version = request_line.split(" ", 2)
            headers: dict[str, str] = {}
            while True:
                line = (await reader.readline()).decode("latin-1")
                if line in ("\r\n", "\n", ""):
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            received = Received(method, target, headers, body)
            self.requests.append(received)
            answer = self.respond(received)
            if isinstance(answer, int):
                answer = Answer(answer)
            if answer.delay:
                await asyncio.sleep(answer.delay)
            phrase = HTTPStatus(answer.status).phrase
            extra = "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items())
            writer.write(
                f"HTTP/1.1 {answer.status} {phrase}\r\n{extra}"
                "content-length: 0\r\nconnection: close\r\n\r\n".encode("latin-1")
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
