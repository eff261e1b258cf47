"""Property-based fuzzing of the registry API with schemathesis: no input may cause a 5xx.

The registry runs for real (its database, the nats-server, the other four services behind
the suite dispatcher). Schemathesis drives its ASGI client from its own event-loop thread,
while the suite's apps (engine, NATS connection, relay) live on the test's loop, so
``LoopBridge`` is the ASGI app schemathesis talks to: it hands each request to the suite on
the test's loop and relays the answer back unchanged. Nothing is mocked; a 5xx from the real
app reaches schemathesis's ``not_a_server_error`` check and fails the test.

Bounded and repeatable: 25 examples per operation and generation mode, derandomized, no
example database, no shrinking phase.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.conftest import Suite

MAX_EXAMPLES = 25
OPENAPI = "/registry/openapi.json"


class LoopBridge:
    """ASGI app (run on schemathesis's loop) forwarding each request to ``app`` on ``loop``."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.client = httpx.AsyncClient(
            # A crash must come back as the app's 500 answer, not as an exception here.
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://suite",
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            # Refusing the lifespan scope means "no lifespan": the suite fixture owns them.
            raise RuntimeError("lifespan is handled by the suite fixture")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        url = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"host"]
        future = asyncio.run_coroutine_threadsafe(
            self.client.request(scope["method"], url, headers=headers, content=body), self.loop
        )
        response = await asyncio.wrap_future(future)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": response.headers.raw,
            }
        )
        await send({"type": "http.response.body", "body": response.content})


def fuzz(
    bridge: LoopBridge, headers: dict[str, str], mode: GenerationMode
) -> list[tuple[str, int]]:
    """Run every operation of the registry's OpenAPI; return (operation, status) seen."""
    schema = schemathesis.openapi.from_asgi(OPENAPI, bridge)
    seen: list[tuple[str, int]] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            seen.append((case.operation.label, response.status_code))
            case.validate_response(response, checks=[not_a_server_error])

        try:
            check()
        except Unsatisfiable:
            # Negative mode cannot break an operation that takes no input (e.g. /healthz).
            if mode is GenerationMode.POSITIVE:
                raise
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
async def test_registry_api_never_answers_5xx(suite: Suite, mode: GenerationMode) -> None:
    # klyngeforum holds organisations:write and clients:write, so writes get past auth.
    headers = await suite.auth("klyngeforum")
    bridge = LoopBridge(suite.dispatcher, asyncio.get_running_loop())
    try:
        seen = await asyncio.to_thread(fuzz, bridge, headers, mode)
    finally:
        await bridge.client.aclose()

    operations = {label for label, _ in seen}
    assert {
        "GET /registry/v1/organisations",
        "POST /registry/v1/organisations",
        "POST /registry/v1/clients",
        "POST /registry/v1/oauth/token",
    } <= operations
    assert len(seen) >= 5 * len(operations)
    assert all(status < 500 for _, status in seen)
    if mode is GenerationMode.POSITIVE:
        # Valid input with a valid token really creates (the fuzzing reached the database).
        assert ("POST /registry/v1/organisations", 201) in seen
        assert ("GET /registry/v1/organisations", 200) in seen
        assert "GET /registry/v1/organisations/{organisation_id}" in operations
