"""Issue 13 ("The paper's rules, right"), the registry's and evaluation's part, end to end in
`make run` over its public HTTP API:

- §2: a demo cluster with a backed, resourced societal task but no core function shows the
  task as not supportable;
- §4.4: the demo's merger hints were announced (``registry.merger.suggested``) to the growth
  forum responsible, addressed; a pair whose larger partner evaluation flags (§4.3) leaves the
  hints while the flag is open and comes back when it is lifted;
- §4.1: a funder sees its grants' ``evaluation.evaluation.*`` events, an anonymous reader not;
- §4.2: the strongholds answer names its reference set, and the stars of the demo are spread
  over many regions.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun
from tests.e2e.test_governance_stories import (
    EVAL,
    FIVU,
    NORD,
    REG,
    SYD,
    Parties,
    _feed,
    _in_feed,
    _new_cluster,
    _until,
)

pytestmark = SHARES_THE_DEMO_RUN


async def _cluster_named(http: httpx.AsyncClient, name: str) -> dict[str, Any]:
    items = (await http.get(f"{REG}/clusters", params={"q": name, "limit": 5})).json()["items"]
    [found] = [c for c in items if c["name"] == name]
    return dict((await http.get(f"{REG}/clusters/{found['id']}")).json())


async def _pairs(http: httpx.AsyncClient) -> set[tuple[str, str]]:
    resp = await http.get(f"{REG}/merger-suggestions")
    assert resp.status_code == 200, resp.text
    return {(h["small"]["id"], h["larger"]["id"]) for h in resp.json()}


async def test_the_demo_shows_supportability_and_announced_merger_hints(run: EmbeddedRun) -> None:
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        femern = await _cluster_named(http, "Femern Logistik Netværk (demo)")
        assert femern["functions"] == []
        [task] = femern["societal_tasks"]
        assert (task["supportable"], task["missing"]) == (False, ["core_function"])
        assert "task_not_supportable" in {w["code"] for w in femern["warnings"]}

        small = await _cluster_named(http, "Nordjysk Robotnetværk (demo)")
        larger = await _cluster_named(http, "Syddansk Robotklynge (demo)")
        assert (small["id"], larger["id"]) in await _pairs(http)
        nord = await Parties(http, run)(NORD)
        event = await _in_feed(
            http,
            nord,
            "registry.merger.suggested",
            small_cluster_id=small["id"],
            larger_cluster_id=larger["id"],
        )
        assert event["recipient"] == NORD and NORD in event["data"]["recipients"]
        assert await _feed(http, None, "registry.merger.suggested") == []  # addressed only


async def test_a_flagged_partner_leaves_the_merger_hints_until_the_flag_is_lifted(
    run: EmbeddedRun,
) -> None:
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        party = Parties(http, run)
        fivu, syd = await party(FIVU), await party(SYD)
        fields = {"fields": ["space_defence"]}
        small = await _new_cluster(http, syd, "Lille Rumklynge", league="emerging", **fields)
        larger = await _new_cluster(http, fivu, "Stor Rumklynge", **fields)
        assert (small, larger) in await _pairs(http)

        url = f"{EVAL}/clusters/{larger}/relevance"

        async def known() -> bool:
            return (await http.get(url)).status_code == 200

        await _until(known, f"evaluation knows cluster {larger}")
        reason = {"reason": "Feltet dækkes af en anden national klynge (e2e)"}
        mark = await http.post(url, json=reason, headers=fivu)  # FIVU/RTI: primary (§1)
        assert mark.status_code == 201, mark.text

        async def pairs() -> set[tuple[str, str]]:
            return await _pairs(http)

        await _until(
            pairs, "the flagged partner leaves the hints", lambda p: (small, larger) not in p
        )
        withdrawn = await http.post(f"{url}/{mark.json()['id']}/withdraw", headers=fivu)
        assert withdrawn.status_code == 200, withdrawn.text
        await _until(
            pairs, "the hint is back once the flag is lifted", lambda p: (small, larger) in p
        )


async def test_a_funder_sees_its_evaluation_events_and_strongholds_name_their_reference(
    run: EmbeddedRun,
) -> None:
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        fivu = await Parties(http, run)(FIVU)
        evaluations = (await http.get(f"{EVAL}/evaluations", params={"funder": FIVU})).json()
        assert evaluations["items"], "the demo has evaluations of FIVU/RTI's grants"
        event = await _in_feed(http, fivu, "evaluation.evaluation.scheduled", funder_id=FIVU)
        assert event["recipient"] == FIVU
        assert await _feed(http, None, "evaluation.evaluation.*") == []

        body = (await http.get(f"{EVAL}/strongholds")).json()
        ref = body["reference"]
        assert ref["kind"] == "uploaded_regions" and ref["ranked"]
        assert (ref["regions"], ref["danish"]) == (30, 5) and str(ref["regions"]) in ref["text"]
        winners = {c["region_code"] for c in body["cells"] if c["size"]}
        assert len(winners) >= 8  # not one region taking every star
