"""Property-based fuzzing of the registry API with schemathesis: no input may cause a 5xx.

The registry runs for real (its database, the nats-server, the other four services behind
the suite dispatcher). Schemathesis drives its ASGI client from its own event-loop thread,
while the suite's apps (engine, NATS connection, relay) live on the test's loop, so
``LoopBridge`` is the ASGI app schemathesis talks to: it hands each request to the suite on
the test's loop and relays the answer back unchanged. Nothing is mocked; a 5xx from the real
app reaches schemathesis's ``not_a_server_error`` check and fails the test.

Bounded and repeatable: 25 examples per operation and generation mode, derandomized, no
example database, no shrinking phase.

Random path ids would only ever meet 404s, so the cluster endpoints get real ones: before
fuzzing, a few clusters (an innovation network with members, a ministry seat and an agreed
override) are registered, and every other example of an operation has its ids — and a few
body fields that name other records (``ministry_id``, ``merged_into_id``, an override's
parties) — replaced by real ones, with ``If-Match: *``, so the generated profiles, members,
league and status changes reach the database. League changes and overrides are sent as
FIVU/RTI (only a funder, or a named party, gets that far); everything else as the
secretariat (admin).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.conftest import Suite
from tests.registry.test_clusters_api import cvr

MAX_EXAMPLES = 15  # per operation; derandomized, so the same cases every run
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


@dataclass(frozen=True)
class Known:
    """Real values to put into every other example (see the module docstring)."""

    path: Mapping[str, list[str]] = field(default_factory=dict)
    body: Mapping[str, list[Any]] = field(default_factory=dict)
    #: Operation label → the headers to send instead of the default ones.
    headers: Mapping[str, dict[str, str]] = field(default_factory=dict)

    def apply(self, case: schemathesis.Case, n: int) -> dict[str, str] | None:
        if n % 2:
            return None
        pick = n // 2
        for name, values in self.path.items():
            if case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = values[pick % len(values)]
        if isinstance(case.body, dict):
            # JSON Schema's "integer" includes 1.0; the API takes integer literals only (strict
            # JSON types, issue 14), so the examples meant to get through send 1.
            case.body = _integer_literals(case.body)
            for name, values in self.body.items():
                if name in case.body:
                    case.body[name] = values[pick % len(values)]
        return {"If-Match": "*"}


def _integer_literals(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integer_literals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integer_literals(v) for v in value]
    return value


def fuzz(
    bridge: LoopBridge,
    headers: dict[str, str],
    mode: GenerationMode,
    known: Known | None = None,
    openapi: str = OPENAPI,
    max_examples: int = MAX_EXAMPLES,
    skip: Collection[str] = (),
) -> list[tuple[str, int]]:
    """Run every operation of ``openapi`` (the registry's by default) but those in ``skip``
    (labels such as ``GET /gateway/v1/events``: an endless stream); return (operation,
    status) seen."""
    schema = schemathesis.openapi.from_asgi(openapi, bridge)
    seen: list[tuple[str, int]] = []
    known = known or Known()
    examples = count()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in skip:
            continue

        @settings(
            max_examples=max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            send = known.headers.get(case.operation.label, headers)
            extra = known.apply(case, next(examples))
            response = case.call(headers={**send, **(extra or {})})
            seen.append((case.operation.label, response.status_code))
            case.validate_response(response, checks=[not_a_server_error])

        try:
            check()
        except Unsatisfiable:
            # Negative mode cannot break an operation that takes no input (e.g. /healthz).
            if mode is GenerationMode.POSITIVE:
                raise
    return seen


async def seed_clusters(suite: Suite) -> Known:
    """Register real clusters, members, a seat and an override for the fuzzing to hit."""
    fivu = await suite.auth("fivu-rti")
    ids: list[str] = []
    for name, number, kind in [
        ("Fuzz Netværk", cvr(800), "innovation_network"),
        ("Fuzz Klynge", cvr(801), "cluster"),
    ]:
        resp = await suite.http.post(
            "/registry/v1/clusters",
            json={
                "name": name,
                "cvr": number,
                "cluster_kind": kind,
                "league": "emerging",
                "home_municipality_code": "0657",
                "fields": ["energy"],
            },
            # an emerging cluster is registered by its home area's growth forum (issue 12)
            headers=await suite.auth("vaekstforum-midtjylland"),
        )
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()["id"])
    network = ids[0]
    own = await suite.auth(network)
    members = []
    for i, muni in enumerate(["0657", "0751", "0101"]):
        resp = await suite.http.post(
            f"/registry/v1/clusters/{network}/members",
            json={"kind": "firm", "name": f"Fuzz {i}", "municipality_code": muni},
            headers=own,
        )
        assert resp.status_code == 201, resp.text
        members.append(resp.json()["id"])
    seat = await suite.http.post(
        f"/registry/v1/clusters/{network}/ministry-seats",
        json={"ministry_id": "ministeriet-energi", "group": "steering", "offered_on": "2026-01-01"},
        headers=own,
    )
    override = await suite.http.post(
        f"/registry/v1/clusters/{network}/responsibility-overrides",
        json={"primary": ["fivu-rti"], "reason": "Aftalt til fuzzing"},
        headers=fivu,
    )
    assert seat.status_code == override.status_code == 201, (seat.text, override.text)
    return Known(
        path={
            "cluster_id": ids,
            "member_id": members,
            "seat_id": [seat.json()["id"]],
            "override_id": [override.json()["id"]],
            "organisation_id": ["fivu-rti", network],
        },
        body={
            "cvr": [cvr(seed) for seed in range(900, 906)],
            "home_municipality_code": ["0657", "0400", "0101"],
            "municipalities_served": [["0751"], [], ["0400", "0461"]],
            "municipality_code": ["0657", None, "0851"],
            "ministry_id": ["ministeriet-miljoe", "ministeriet-foedevarer"],
            "merged_into_id": ids,
            "primary": [["fivu-rti"], ["fivu-rti", "vaekstforum-midtjylland"]],
        },
        headers={
            "POST /registry/v1/clusters/{cluster_id}/league-changes": fivu,
            "POST /registry/v1/clusters/{cluster_id}/responsibility-overrides": fivu,
            "DELETE /registry/v1/clusters/{cluster_id}/responsibility-overrides/{override_id}": (
                fivu
            ),
            "PUT /registry/v1/clusters/{cluster_id}/ministry-seats/{seat_id}": await suite.auth(
                "ministeriet-energi"
            ),
        },
    )


CLUSTER_OPERATIONS = {
    "GET /registry/v1/clusters",
    "POST /registry/v1/clusters",
    "GET /registry/v1/clusters/{cluster_id}",
    "PATCH /registry/v1/clusters/{cluster_id}",
    "POST /registry/v1/clusters/{cluster_id}/league-changes",
    "GET /registry/v1/clusters/{cluster_id}/league-history",
    "POST /registry/v1/clusters/{cluster_id}/status",
    "GET /registry/v1/clusters/{cluster_id}/members",
    "POST /registry/v1/clusters/{cluster_id}/members",
    "PUT /registry/v1/clusters/{cluster_id}/members/{member_id}",
    "DELETE /registry/v1/clusters/{cluster_id}/members/{member_id}",
    "GET /registry/v1/clusters/{cluster_id}/responsibility",
    "POST /registry/v1/clusters/{cluster_id}/responsibility-overrides",
    "DELETE /registry/v1/clusters/{cluster_id}/responsibility-overrides/{override_id}",
    "GET /registry/v1/clusters/{cluster_id}/ministry-seats",
    "POST /registry/v1/clusters/{cluster_id}/ministry-seats",
    "PUT /registry/v1/clusters/{cluster_id}/ministry-seats/{seat_id}",
    "GET /registry/v1/merger-suggestions",
    "GET /registry/v1/fields",
    "GET /registry/v1/societal-tasks",
}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
async def test_registry_api_never_answers_5xx(suite: Suite, mode: GenerationMode) -> None:
    # klyngeforum holds organisations:write, clients:write and admin, so writes get past auth.
    headers = await suite.auth("klyngeforum")
    known = await seed_clusters(suite)
    bridge = LoopBridge(suite.dispatcher, asyncio.get_running_loop())
    try:
        seen = await asyncio.to_thread(fuzz, bridge, headers, mode, known)
    finally:
        await bridge.client.aclose()

    operations = {label for label, _ in seen}
    assert {
        "GET /registry/v1/organisations",
        "POST /registry/v1/organisations",
        "POST /registry/v1/clients",
        "POST /registry/v1/oauth/token",
    } <= operations
    if mode is GenerationMode.POSITIVE:
        assert CLUSTER_OPERATIONS <= operations
    else:
        # Negative mode cannot break a lone string path id; every cluster write it can break.
        assert {op for op in CLUSTER_OPERATIONS if not op.startswith("GET")} <= operations
    assert len(seen) >= 5 * len(operations)
    assert all(status < 500 for _, status in seen)
    if mode is GenerationMode.POSITIVE:
        # Valid input with a valid token really creates (the fuzzing reached the database).
        assert ("POST /registry/v1/organisations", 201) in seen
        assert ("GET /registry/v1/organisations", 200) in seen
        assert "GET /registry/v1/organisations/{organisation_id}" in operations
        # The real ids let generated writes through to the database.
        statuses = set(seen)
        for reached in [
            ("POST /registry/v1/clusters", 201),
            ("GET /registry/v1/clusters/{cluster_id}", 200),
            ("PATCH /registry/v1/clusters/{cluster_id}", 200),
            ("POST /registry/v1/clusters/{cluster_id}/members", 201),
            ("PUT /registry/v1/clusters/{cluster_id}/members/{member_id}", 200),
            ("GET /registry/v1/clusters/{cluster_id}/responsibility", 200),
            ("POST /registry/v1/clusters/{cluster_id}/responsibility-overrides", 201),
            ("POST /registry/v1/clusters/{cluster_id}/league-changes", 200),
        ]:
            assert reached in statuses, reached


async def fuzz_service(
    suite: Suite,
    service: str,
    caller: str,
    mode: GenerationMode,
    *,
    max_examples: int = 8,
    skip: Collection[str] = (),
) -> None:
    """Fuzz every operation of ``service`` as ``caller`` without seeded ids: no input may
    cause a 5xx (referrals, evaluation and the gateway use this; registry and funding seed
    real ids to reach deeper)."""
    headers = await suite.auth(caller)
    bridge = LoopBridge(suite.dispatcher, asyncio.get_running_loop())
    try:
        seen = await asyncio.to_thread(
            fuzz,
            bridge,
            headers,
            mode,
            None,
            openapi=f"/{service}/openapi.json",
            max_examples=max_examples,
            skip=skip,
        )
    finally:
        await bridge.client.aclose()
    assert len({label for label, _ in seen}) >= 5
    assert all(status < 500 for _, status in seen), sorted(
        {(label, status) for label, status in seen if status >= 500}
    )
