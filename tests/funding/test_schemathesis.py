"""Property-based fuzzing of the funding API with schemathesis: no input may cause a 5xx.

The same machinery as the registry's (``tests.registry.test_schemathesis``): the real suite
(databases, nats-server, relays), ``LoopBridge`` between schemathesis's loop and the test's,
and ``fuzz`` with its ``not_a_server_error`` check — here against ``/funding/openapi.json`` as
FIVU/RTI (a funder holding ``funding:write``), bounded and derandomized.

Random path ids would only meet 404s, so every other example gets real ones: a cluster the
funding read model knows, FIVU/RTI's programme, a strategic call in dialogue, its dialogue
requests and a grant, plus real ids for the body fields that name other records.
"""

from __future__ import annotations

import asyncio

import pytest
from schemathesis import GenerationMode

from tests.conftest import Suite
from tests.funding.helpers import API, plan_call, programme, register_cluster
from tests.registry.test_schemathesis import Known, LoopBridge, fuzz

MAX_EXAMPLES = 12  # per operation; derandomized, so the same cases every run
OPENAPI = "/funding/openapi.json"


async def seed_funding(suite: Suite) -> Known:
    fivu = await suite.auth("fivu-rti")
    cluster = await register_cluster(suite, "Fuzz Energiklynge")
    prog = await programme(suite)
    call = await plan_call(suite, programme_id=prog)
    requests = await suite.http.get(
        f"{API}/dialogue-requests", params={"call_id": call["id"]}, headers=fivu
    )
    assert requests.status_code == 200, requests.text
    request_ids = [r["id"] for r in requests.json()["items"]]
    assert len(request_ids) == 11  # issue 12: every other party of the strategy
    grant = await suite.http.post(
        f"{API}/grants",
        json={
            "cluster_id": cluster,
            "programme_id": prog,
            "title": "Basisfinansiering (fuzz)",
            "exemption_reason": "Overgangsordning (fuzz)",
            "amount_dkk": 8_000_000,
            "starts_on": "2015-01-01",
            "ends_on": "2018-12-31",
            "activities": ["matchmaking"],
        },
        headers=fivu,
    )
    assert grant.status_code == 201, grant.text
    return Known(
        path={
            "cluster_id": [cluster],
            "programme_id": [prog],
            "call_id": [call["id"]],
            "request_id": request_ids,
            "grant_id": [grant.json()["id"]],
            "funder_id": ["fivu-rti", "vaekstforum-midtjylland"],
        },
        body={
            "cluster_id": [cluster, None],
            "cluster_ids": [[cluster], []],
            "programme_id": [prog],
            "call_id": [call["id"], None],
            "funder_id": ["fivu-rti", None],
        },
    )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
async def test_funding_api_never_answers_5xx(suite: Suite, mode: GenerationMode) -> None:
    headers = await suite.auth("fivu-rti")
    known = await seed_funding(suite)
    bridge = LoopBridge(suite.dispatcher, asyncio.get_running_loop())
    try:
        seen = await asyncio.to_thread(
            fuzz, bridge, headers, mode, known, openapi=OPENAPI, max_examples=MAX_EXAMPLES
        )
    finally:
        await bridge.client.aclose()

    operations = {label for label, _ in seen}
    writes = {
        f"POST {API}/programmes",
        f"POST {API}/calls",
        f"POST {API}/calls/{{call_id}}/criteria/publish",
        f"POST {API}/calls/{{call_id}}/open",
        f"POST {API}/dialogue-requests/{{request_id}}/answer",
        f"POST {API}/grants",
        f"POST {API}/agreements",
    }
    assert writes <= operations
    assert len(seen) >= 5 * len(operations)
    assert all(status < 500 for _, status in seen), sorted(
        {(label, status) for label, status in seen if status >= 500}
    )
    if mode is GenerationMode.POSITIVE:
        statuses = set(seen)
        # Valid input with a FIVU/RTI token and real ids reaches the database.
        for reached in [
            (f"POST {API}/programmes", 201),
            (f"POST {API}/calls", 201),
            (f"POST {API}/grants", 201),
            (f"GET {API}/calls/{{call_id}}", 200),
            (f"GET {API}/grants/{{grant_id}}", 200),
            (f"GET {API}/dialogue-requests/{{request_id}}", 200),
            (f"GET {API}/clusters/{{cluster_id}}", 200),
        ]:
            assert reached in statuses, reached
