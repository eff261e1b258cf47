"""Evaluation in `make run`, fed by the other services' events (issue 6's second "done when").

With ``python -m services.run`` as a real process: a grant FIVU/RTI awards in funding shows up
in evaluation as two scheduled evaluations (mid-term and final) and as public project funding
in the cluster's draft account; a referral one demo cluster sends another, completed in
referrals, shows up in both clusters' counts (given and received).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun
from tests.e2e.test_embedded_funding import _demo_client, _party_headers, _token
from tests.e2e.test_embedded_referrals import _cluster_id

#: A guard against hanging if an event never comes; not a statement about speed.
EVENT_TIMEOUT = 30.0
YEAR = 2026

pytestmark = SHARES_THE_DEMO_RUN


async def _until(check: Callable[[], Awaitable[Any]]) -> Any:
    deadline = time.monotonic() + EVENT_TIMEOUT
    while time.monotonic() < deadline:
        if found := await check():
            return found
        await asyncio.sleep(0.2)
    raise AssertionError("not seen in evaluation in time")


async def _values(http: httpx.AsyncClient, cluster_id: str) -> dict[str, Any]:
    r = await http.get(f"/evaluation/v1/accounts/{YEAR}", params={"limit": 5000})
    assert r.status_code == 200, r.text
    (row,) = [c for c in r.json()["clusters"] if c["cluster_id"] == cluster_id]
    return {code: cell["value"] for code, cell in row["values"].items()}


async def test_grants_and_referrals_reach_the_account(run: EmbeddedRun) -> None:
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        fivu_client = _demo_client(run, "ministry")
        fivu = await _token(http, fivu_client["client_id"], fivu_client["client_secret"])
        kf = _demo_client(run, "forum_secretariat")
        secretariat = await _token(http, kf["client_id"], kf["client_secret"])
        green = _demo_client(run, "cluster_organisation")  # Klynge for Grøn Energi
        sender = await _token(http, green["client_id"], green["client_secret"])
        robot_id = await _cluster_id(http, "Syddansk Robotklynge (demo)")

        # a project grant of 730,000 DKK over 2026–2027 (730 days): 365,000 falls in 2026
        before = await _values(http, robot_id)
        assert before["public_project_funding"] is None  # the demo gives it base funding only
        prog = await http.post(
            "/funding/v1/programmes",
            json={
                "name": "Robotprojekter 2026–2027 (e2e)",
                "kind": "project",
                "source": "national",
                "starts_on": "2026-01-01",
                "ends_on": "2027-12-31",
            },
            headers=fivu,
        )
        assert prog.status_code == 201, prog.text
        grant = await http.post(
            "/funding/v1/grants",
            json={
                "cluster_id": robot_id,
                "programme_id": prog.json()["id"],
                "title": "Robotter i SMV'er",
                "amount_dkk": 730_000,
                "starts_on": "2026-01-01",
                "ends_on": "2027-12-31",
            },
            headers=fivu,
        )
        assert grant.status_code == 201, grant.text
        grant_id = grant.json()["id"]

        async def two_evaluations() -> list[dict[str, Any]] | None:
            r = await http.get("/evaluation/v1/evaluations", params={"grant": grant_id})
            items = r.json()["items"]
            return items if len(items) == 2 else None

        evaluations = await _until(two_evaluations)
        assert {(e["kind"], e["due_on"]) for e in evaluations} == {
            ("mid_term", "2026-12-31"),
            ("final", "2027-12-31"),
        }

        async def funded() -> bool:
            return (await _values(http, robot_id))["public_project_funding"] == 365_000

        await _until(funded)

        # a referral between two clusters, completed: given by one, received by the other
        # (the demo's referrals come from growth houses and go to clusters of other fields,
        # so neither count moves on its own meanwhile)
        green_id = green["organisation_id"]
        build_id = await _cluster_id(http, "Bygholm Byggeklynge (demo)")
        build = await _party_headers(http, secretariat, build_id)
        given_before = (await _values(http, green_id))["referrals_given"] or 0
        received_before = (await _values(http, build_id))["referrals_received"] or 0
        sent = await http.post(
            "/referrals/v1/referrals",
            json={
                "recipient_id": build_id,
                "firm": {"name": "Vindmøllesmed ApS", "municipality_code": "0751"},
                "need": "Vil bygge en ny fabrikshal i træ og søger rådgivning om byggeri",
                "fields": ["construction"],
                "contact": {"name": "Jens Smed", "email": "jens@smed.example"},
                "consent": {
                    "given_at": "2026-01-05T10:00:00Z",
                    "given_by": "Jens Smed",
                    "purpose": "Kontakt fra Bygholm Byggeklynge",
                },
            },
            headers=sender,
        )
        assert sent.status_code == 201, sent.text
        referral = sent.json()
        etag = sent.headers["etag"]
        for action, body in (
            ("accept", None),
            ("start", None),
            ("complete", {"outcome": "Arkitekt fundet", "outcome_category": "advice_given"}),
        ):
            moved = await http.post(
                f"/referrals/v1/referrals/{referral['id']}/{action}",
                json=body,
                headers=build | {"If-Match": etag},
            )
            assert moved.status_code == 200, moved.text
            etag = moved.headers["etag"]

        async def counted() -> bool:
            given = (await _values(http, green_id))["referrals_given"] or 0
            received = (await _values(http, build_id))["referrals_received"] or 0
            return given == given_before + 1 and received == received_before + 1

        await _until(counted)
