"""Issue 13 through the HTTP API and real events: §1 coverage, base funding without
competition, a call's budget, evaluation recommendations reaching the funder (§4.3) and grants
for societal tasks that are not supportable (§2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import nats

from services.funding.service.coordination_findings import sweep_ended
from shared.events.bus import ensure_stream
from shared.events.outbox import build_envelope
from tests.conftest import Suite, eventually
from tests.funding.helpers import (
    API,
    assert_problem,
    plan_call,
    programme,
    register_cluster,
    set_today,
)

MIDT = "vaekstforum-midtjylland"
SYD = "vaekstforum-syddanmark"


async def award(
    suite: Suite, funder: str, cluster: str, prog: str, expect: int = 201, **extra: Any
) -> dict[str, Any]:
    body = {
        "cluster_id": cluster,
        "programme_id": prog,
        "title": "Tilskud",
        "amount_dkk": 1_000_000,
        "starts_on": "2025-01-01",
        "ends_on": "2027-12-31",
        "activities": ["matchmaking"],
    } | extra
    r = await suite.http.post(f"{API}/grants", json=body, headers=await suite.auth(funder))
    assert r.status_code == expect, r.text
    return dict(r.json())


async def open_findings(suite: Suite, cluster: str, rule: str) -> list[dict[str, Any]]:
    r = await suite.http.get(
        f"{API}/findings", params={"cluster": cluster, "rule": rule, "state": "open"}
    )
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def base_programme(suite: Suite, funder: str) -> str:
    return await programme(suite, funder, starts_on="2020-01-01", ends_on="2030-12-31")


async def project_programme(suite: Suite, funder: str) -> str:
    return await programme(
        suite,
        funder,
        kind="project",
        source="regional",
        starts_on="2020-01-01",
        ends_on="2030-12-31",
    )


async def test_coverage_until_the_primary_party_funds(suite: Suite) -> None:
    # an emerging network in Herning: Midt's growth forum and the municipalities are primary
    cid = await register_cluster(suite, "Herning Netværk", league="emerging")
    fivu = await award(
        suite, "fivu-rti", cid, await base_programme(suite, "fivu-rti"), exemption_reason="Pilot"
    )
    [found] = await open_findings(suite, cid, "primary_party_not_funding")
    assert found["section"] == "§1" and found["grant_ids"] == [fivu["id"]]
    primary = found["evidence"]["responsibility"]["primary"]
    assert MIDT in primary and found["funder_ids"] == [*primary, "fivu-rti"]  # to both
    assert found["summary"].startswith("§1") and "fivu-rti" in found["summary"]
    # the primary party funds (project money in the same period): resolved
    await award(suite, MIDT, cid, await project_programme(suite, MIDT), activities=["forprojekt"])
    assert await open_findings(suite, cid, "primary_party_not_funding") == []
    r = await suite.http.get(
        f"{API}/findings", params={"cluster": cid, "rule": "primary_party_not_funding"}
    )
    assert [f["state"] for f in r.json()["items"]] == ["resolved"]


async def test_base_grants_need_a_decided_call_or_an_exemption(suite: Suite) -> None:
    cid = await register_cluster(suite, "Basisklyngen")
    prog = await base_programme(suite, "fivu-rti")
    r = await suite.http.post(
        f"{API}/grants",
        json={
            "cluster_id": cid,
            "programme_id": prog,
            "title": "Basis",
            "amount_dkk": 1_000_000,
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
        },
        headers=await suite.auth("fivu-rti"),
    )
    assert "call_id" in assert_problem(r, 422, "base-grant-without-call")["detail"]
    # project money carries no exemption from competition
    proj = await project_programme(suite, MIDT)
    await award(suite, MIDT, cid, proj, 422, exemption_reason="Nej")
    grant = await award(suite, "fivu-rti", cid, prog, exemption_reason="Eneste ansøger")
    assert grant["exemption_reason"] == "Eneste ansøger"
    [found] = await open_findings(suite, cid, "base_funding_without_competition")
    assert found["section"] == "§3, §4.1" and "Eneste ansøger" in found["summary"]
    assert "fivu-rti" in found["funder_ids"]
    export = (await suite.http.get(f"{API}/exports/360giving.json")).json()["grants"]
    [mine] = [g for g in export if g["id"].endswith(grant["id"])]
    assert {"vocabulary": "klyngeforum-award-basis", "code": "exemption"}.items() <= next(
        c for c in mine["classifications"] if c["vocabulary"] == "klyngeforum-award-basis"
    ).items()


async def test_grants_under_a_call_stay_within_its_budget(suite: Suite) -> None:
    cid = await register_cluster(suite, "Budgetklyngen")
    forum = await suite.auth(MIDT)
    prog = await project_programme(suite, MIDT)
    call = await plan_call(
        suite,
        MIDT,
        programme_id=prog,
        strategic=False,
        budget_dkk=10_000_000,
        opens_on="2025-03-01",
        closes_on="2025-05-01",
        decision_on="2025-06-01",
    )
    version = call["version"]
    r = await suite.http.post(
        f"{API}/calls/{call['id']}/criteria/publish",
        json={},
        headers=forum | {"If-Match": f'"{version}"'},
    )
    assert r.status_code == 200, r.text
    set_today(suite, date(2025, 2, 28))
    early = await suite.http.post(f"{API}/calls/{call['id']}/open", headers=forum)
    assert assert_problem(early, 409, "call-not-open-yet")["opens_on"] == "2025-03-01"
    set_today(suite, date(2025, 3, 1))
    for action in ("open", "close"):
        r = await suite.http.post(f"{API}/calls/{call['id']}/{action}", headers=forum)
        assert r.status_code == 200, r.text
    first = await award(suite, MIDT, cid, prog, call_id=call["id"], amount_dkk=6_000_000)
    over = await suite.http.post(
        f"{API}/grants",
        json={
            "cluster_id": cid,
            "programme_id": prog,
            "call_id": call["id"],
            "title": "For meget",
            "amount_dkk": 5_000_000,
            "starts_on": "2025-07-01",
            "ends_on": "2026-06-30",
        },
        headers=forum,
    )
    body = assert_problem(over, 409, "over-budget")
    assert body["remaining_dkk"] == 4_000_000 and "4,000,000" in body["detail"]
    await award(suite, MIDT, cid, prog, call_id=call["id"], amount_dkk=4_000_000)
    # amending a grant counts against the same budget
    r = await suite.http.patch(
        f"{API}/grants/{first['id']}",
        json={"amount_dkk": 6_000_001},
        headers=forum | {"If-Match": '"1"'},
    )
    assert assert_problem(r, 409, "over-budget")["remaining_dkk"] == 6_000_000


async def _publish_completed(suite: Suite, grant: dict[str, Any], recommendation: str) -> str:
    evaluation_id = f"evl-{grant['id'][-8:]}-{recommendation}"
    envelope = build_envelope(
        "evaluation.evaluation.completed",
        {
            "evaluation_id": evaluation_id,
            "grant_id": grant["id"],
            "cluster_id": grant["cluster_id"],
            "funder_id": grant["funder_id"],
            "kind": "mid_term",
            "due_on": "2026-01-01",
            "recommendation": recommendation,
        },
        recipient=grant["funder_id"],  # addressed to the grant's funder, as evaluation sends it
    )
    nc = await nats.connect(suite.nats.url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, "evaluation")
        await js.publish(
            envelope.type, envelope.to_json_bytes(), headers={"Nats-Msg-Id": envelope.id}
        )
    finally:
        await nc.close()
    return evaluation_id


async def test_a_stop_recommendation_waits_for_the_funder(suite: Suite) -> None:
    cid = await register_cluster(suite, "Evalueringsklyngen")
    prog = await project_programme(suite, MIDT)
    grant = await award(suite, MIDT, cid, prog)
    other = await award(suite, MIDT, cid, prog, activities=["netværksmøder"])
    rule = "evaluation_recommendation_not_acted_on"
    await _publish_completed(suite, grant, "continue")  # nothing to act on
    stop = await _publish_completed(suite, grant, "stop")

    async def raised() -> list[dict[str, Any]]:
        return await open_findings(suite, cid, rule)

    await eventually(raised)
    [found] = await raised()
    assert found["section"] == "§4.3" and found["funder_ids"] == [MIDT]
    assert stop in found["summary"] and "recommends stopping" in found["summary"]
    listed = await suite.http.get(
        f"{API}/recommendations", params={"grant": grant["id"], "waiting": True}
    )
    assert len(listed.json()["items"]) == 2  # continue and stop, both received
    [rec] = [r for r in listed.json()["items"] if r["recommendation"] == "stop"]
    keep = f"{API}/recommendations/{rec['id']}/keep"
    why = {"reason": "Klyngen har fået ny ledelse; vi vurderer igen om et år."}
    r = await suite.http.post(keep, json=why, headers=await suite.auth(SYD))
    assert r.status_code == 403 and r.json()["may_act"] == [MIDT]
    assert_problem(await suite.http.post(keep, json={}, headers=await suite.auth(MIDT)), 422)
    r = await suite.http.post(keep, json=why, headers=await suite.auth(MIDT))
    assert r.status_code == 200 and r.json()["acted"] == "kept", r.text
    assert await open_findings(suite, cid, rule) == []
    assert_problem(await suite.http.post(keep, json=why, headers=await suite.auth(MIDT)), 409)

    # phase down, answered by terminating the grant
    await _publish_completed(suite, other, "phase_down")
    await eventually(raised)
    r = await suite.http.post(
        f"{API}/grants/{other['id']}/terminate",
        json={"terminated_on": "2025-12-31", "reason": "Udfases efter evaluering"},
        headers=await suite.auth(MIDT) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert await open_findings(suite, cid, rule) == []
    done = await suite.http.get(f"{API}/recommendations", params={"grant": other["id"]})
    assert [x["acted"] for x in done.json()["items"]] == ["terminated"]


async def test_a_grant_for_a_societal_task_that_is_not_supportable(suite: Suite) -> None:
    set_today(suite, date(2025, 3, 1))
    cid = await register_cluster(
        suite,
        "Klimaklyngen",
        functions=["bridge_builder"],
        societal_tasks=[{"task": "climate"}],
    )
    prog = await project_programme(suite, MIDT)
    r = await suite.http.post(
        f"{API}/grants",
        json={
            "cluster_id": cid,
            "programme_id": prog,
            "title": "Sundhed",
            "amount_dkk": 500_000,
            "starts_on": "2025-01-01",
            "ends_on": "2027-12-31",
            "societal_task": "health_welfare",
        },
        headers=await suite.auth(MIDT),
    )
    assert_problem(r, 422, "unknown-societal-task")
    grant = await award(suite, MIDT, cid, prog, societal_task="climate")
    [found] = await open_findings(suite, cid, "unsupportable_societal_task")
    assert found["section"] == "§2" and found["grant_ids"] == [grant["id"]]
    assert "not find supportable" in found["summary"]
    # a second one ends with its grant's period: the daily sweep resolves its warning
    short = await award(suite, MIDT, cid, prog, societal_task="climate", ends_on="2025-06-30")
    assert len(await open_findings(suite, cid, "unsupportable_societal_task")) == 2
    async with suite.apps["funding"].state.session_factory() as session, session.begin():
        assert await sweep_ended(session, date(2025, 7, 1)) == 1
    [still] = await open_findings(suite, cid, "unsupportable_societal_task")
    assert still["grant_ids"] == [grant["id"]] != [short["id"]]
    # the cluster records the task's preconditions: supportable, the warning resolves
    registry = f"/registry/v1/clusters/{cid}"
    version = (await suite.http.get(registry)).headers["etag"]
    task = {
        "task": "climate",
        "backing_of_central_actors": True,
        "added_value_in_coordination": True,
        "resources_without_crowding_out": True,
    }
    r = await suite.http.patch(
        registry,
        json={"societal_tasks": [task]},
        headers=await suite.auth(cid) | {"If-Match": version},
    )
    assert r.status_code == 200, r.text

    async def resolved() -> bool:
        return await open_findings(suite, cid, "unsupportable_societal_task") == []

    await eventually(resolved)
