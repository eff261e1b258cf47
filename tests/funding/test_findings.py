"""Coordination findings kept current from events (issue 4): each rule raises and resolves on
the events that should move it, registry and evaluation events through real NATS."""

from __future__ import annotations

from typing import Any

import nats

from services.funding.rules.coordination_model import (
    FLAGGED,
    OUTSIDE,
    OVERLAP,
    PARALLEL,
    PHASE_DOWN,
)
from shared.events.bus import ensure_stream
from shared.events.outbox import build_envelope
from tests.conftest import Suite, eventually
from tests.funding.helpers import API, assert_problem, outbox, programme, register_cluster

MIDT = "vaekstforum-midtjylland"
SYD = "vaekstforum-syddanmark"
REGISTRY = "/registry/v1/clusters"
#: The rules these tests are about; the issue-13 rules (§1 coverage, base funding without
#: competition, recommendations, societal tasks) have their own tests
#: (``test_findings_grants.py``) and are left out of what these compare.
RULES = {OUTSIDE, OVERLAP, PARALLEL, PHASE_DOWN, FLAGGED}


async def award(suite: Suite, funder: str, cluster: str, kind: str = "base", **extra: Any) -> str:
    prog = await programme(suite, funder, kind=kind, starts_on="2010-01-01", ends_on="2030-12-31")
    body = {
        "cluster_id": cluster,
        "programme_id": prog,
        "title": "Tilskud",
        "amount_dkk": 8_000_000,
        "starts_on": "2015-01-01",
        "ends_on": "2018-12-31",
        "activities": ["matchmaking"],
    } | extra
    if kind == "base" and "call_id" not in body:
        body["exemption_reason"] = "Test: base funding outside a call"
    r = await suite.http.post(f"{API}/grants", json=body, headers=await suite.auth(funder))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def findings(suite: Suite, **params: Any) -> list[dict[str, Any]]:
    r = await suite.http.get(f"{API}/findings", params=params)
    assert r.status_code == 200, r.text
    return [f for f in r.json()["items"] if f["rule"] in RULES]


async def open_rules(suite: Suite, cluster: str) -> list[str]:
    return sorted(f["rule"] for f in await findings(suite, cluster=cluster, state="open"))


async def until_rules(suite: Suite, cluster: str, rules: list[str]) -> None:
    async def check() -> bool:
        return await open_rules(suite, cluster) == rules

    await eventually(check)


async def registry_post(suite: Suite, path: str, body: dict[str, Any], who: str) -> None:
    r = await suite.http.post(f"{REGISTRY}/{path}", json=body, headers=await suite.auth(who))
    assert r.status_code in (200, 201), r.text


async def test_a_league_change_moves_base_funding_outside_the_matrix_and_back(
    suite: Suite,
) -> None:
    # a national cluster in Midtjylland: FIVU/RTI primary, Midt's growth forum shares it
    cid = await register_cluster(suite, "Vindklyngen")
    grant = await award(suite, MIDT, cid)
    assert await findings(suite, cluster=cid) == []

    # FIVU/RTI moves it to the world-class league: FIVU/RTI alone, Midt's base grant is outside
    await registry_post(
        suite,
        f"{cid}/league-changes",
        {"league": "world_class", "reason": "Verdensklasse"},
        "fivu-rti",
    )
    await until_rules(suite, cid, ["base_funding_outside_responsibility"])
    [found] = await findings(suite, cluster=cid)
    assert found["section"] == "§1, §3" and found["grant_ids"] == [grant]
    assert found["funder_ids"] == [MIDT]
    assert found["evidence"]["responsibility"]["primary"] == ["fivu-rti"]
    assert found["evidence"]["grant"]["amount_dkk"] == 8_000_000
    one = await suite.http.get(f"{API}/findings/{found['id']}")
    assert one.status_code == 200 and one.json()["key"] == found["key"]
    [raised] = [
        e for e in await outbox(suite, "funding.finding.raised") if e["data"]["rule"] in RULES
    ]
    assert raised["data"]["finding_id"] == found["id"]

    # back to national: resolved, the same finding
    await registry_post(
        suite, f"{cid}/league-changes", {"league": "national", "reason": "Tilbage"}, "fivu-rti"
    )
    await until_rules(suite, cid, [])
    [gone] = await findings(suite, cluster=cid, state="resolved")
    assert gone["id"] == found["id"] and gone["resolved_at"]
    [resolved] = [
        e for e in await outbox(suite, "funding.finding.resolved") if e["data"]["rule"] in RULES
    ]
    assert resolved["data"]["cause"] == "registry.cluster.responsibility_changed"


async def test_an_override_naming_the_funder_resolves_it(suite: Suite) -> None:
    cid = await register_cluster(suite, "Fødevareklyngen", league="emerging")
    await award(suite, "fivu-rti", cid)  # FIVU/RTI base funding for an emerging cluster
    await until_rules(suite, cid, ["base_funding_outside_responsibility"])
    assert [f["cluster_id"] for f in await findings(suite, funder="fivu-rti")] == [cid]
    assert await findings(suite, funder=MIDT) == []
    r = await suite.http.post(
        f"{REGISTRY}/{cid}/responsibility-overrides",
        json={"primary": [MIDT], "also": ["fivu-rti"], "reason": "Aftalt undtagelse"},
        headers=await suite.auth(MIDT),
    )
    assert r.status_code == 201, r.text
    # issue 12: an exception takes effect once every concerned party has confirmed it
    for party in r.json()["waiting_for"]:
        c = await suite.http.post(
            f"{REGISTRY}/{cid}/responsibility-overrides/{r.json()['id']}/confirm",
            headers=await suite.auth(party["id"]),
        )
        assert c.status_code == 200, c.text
    await until_rules(suite, cid, [])


async def test_two_funders_on_the_same_activity_until_they_agree(suite: Suite) -> None:
    cid = await register_cluster(suite, "Robotklyngen")
    await award(suite, MIDT, cid, "project")
    await award(suite, SYD, cid, "project", starts_on="2018-01-01", ends_on="2019-12-31")
    assert await open_rules(suite, cid) == ["overlapping_activity_without_agreement"]
    [found] = await findings(suite, rule="overlapping_activity_without_agreement")
    assert found["evidence"]["overlap"] == {"starts_on": "2018-01-01", "ends_on": "2018-12-31"}
    assert found["funder_ids"] == sorted([MIDT, SYD])
    r = await suite.http.post(
        f"{API}/agreements",
        json={
            "kind": "co_financing",
            "title": "Fælles finansiering",
            "cluster_id": cid,
            "parties": [
                {"party_id": MIDT, "activities": ["matchmaking"]},
                {"party_id": SYD, "activities": ["matchmaking"]},
            ],
        },
        headers=await suite.auth(MIDT),
    )
    assert r.status_code == 201, r.text
    # issue 12: a proposal counts for nothing until every named party has confirmed it
    assert r.json()["state"] == "proposed" and r.json()["waiting_for"] == [SYD]
    assert await open_rules(suite, cid) == ["overlapping_activity_without_agreement"]
    c = await suite.http.post(
        f"{API}/agreements/{r.json()['id']}/confirm", headers=await suite.auth(SYD)
    )
    assert c.status_code == 200 and c.json()["state"] == "in_force", c.text
    assert await open_rules(suite, cid) == []


async def test_base_funding_that_does_not_phase_down(suite: Suite) -> None:
    cid = await register_cluster(suite, "Medicoklyngen")
    await award(suite, "fivu-rti", cid)  # 2 M a year 2015–2018
    assert await open_rules(suite, cid) == []
    later = await award(
        suite, "fivu-rti", cid, amount_dkk=2_000_000, starts_on="2019-01-01", ends_on="2019-12-31"
    )
    assert await open_rules(suite, cid) == ["base_funding_not_phasing_down"]
    [found] = await findings(suite, cluster=cid)
    assert found["section"] == "§4.3" and found["evidence"]["year"] == 2019
    r = await suite.http.patch(
        f"{API}/grants/{later}",
        json={"amount_dkk": 1_000_000},
        headers=await suite.auth("fivu-rti") | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert await open_rules(suite, cid) == []


async def test_a_parallel_organisation_until_the_older_one_dissolves(suite: Suite) -> None:
    # issue 13: by founding date, not by when the registry heard of them
    newer = await register_cluster(
        suite, "Ny Energi", fields=["energy", "digital"], founded_on="2014-03-01"
    )
    older = await register_cluster(
        suite, "Energiklyngen", fields=["energy"], founded_on="2009-01-01"
    )
    await award(suite, SYD, newer, "project")
    assert await open_rules(suite, newer) == ["parallel_organisation"]
    [found] = await findings(suite, cluster=newer)
    assert found["evidence"]["existing_clusters"] == [
        {
            "cluster_id": older,
            "name": "Energiklyngen",
            "fields": ["energy"],
            "founded_on": "2009-01-01",
            "date_from": "founded_on",
        }
    ]
    assert found["evidence"]["new_cluster"]["founded_on"] == "2014-03-01"
    assert "founded 2014-03-01" in found["summary"] and "Energiklyngen" in found["summary"]
    assert newer in found["summary"] and found["summary"].startswith("§3")
    # the older organisation, registered later, gets no finding for the same kind of money
    await award(suite, SYD, older, "project")
    assert await open_rules(suite, older) == []
    await registry_post(
        suite, f"{older}/status", {"status": "dissolved", "reason": "Lukket"}, "fivu-rti"
    )
    await until_rules(suite, newer, [])


async def test_a_flagged_cluster_still_funded_until_the_grant_ends(suite: Suite) -> None:
    cid = await register_cluster(suite, "Turismeklyngen")
    grant = await award(suite, "fivu-rti", cid)
    envelope = build_envelope(
        "evaluation.cluster.flagged",
        {
            "cluster_id": cid,
            "rule": "poor_performance",
            "reason": "Lav effekt",
            "account_year": 2016,
        },
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
    await until_rules(suite, cid, ["flagged_cluster_still_funded"])
    [found] = await findings(suite, cluster=cid)
    assert found["evidence"]["flags"][0]["reason"] == "Lav effekt"
    r = await suite.http.post(
        f"{API}/grants/{grant}/terminate",
        json={"terminated_on": "2016-12-31", "reason": "Evaluering"},
        headers=await suite.auth("fivu-rti") | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert await open_rules(suite, cid) == []


async def test_findings_list_filters_and_errors(suite: Suite) -> None:
    assert_problem(await suite.http.get(f"{API}/findings/fnd-nope"), 404, "not-found")
    assert_problem(await suite.http.get(f"{API}/findings", params={"rule": "nope"}), 422)
    assert_problem(await suite.http.get(f"{API}/findings", params={"state": "closed"}), 422)
    cid = await register_cluster(suite, "Maritime", league="emerging")
    for _ in range(3):
        await award(suite, "fivu-rti", cid)
    page1 = (await suite.http.get(f"{API}/findings", params={"limit": 2})).json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    page2 = (
        await suite.http.get(f"{API}/findings", params={"limit": 2, "cursor": page1["next_cursor"]})
    ).json()
    ids = [f["id"] for f in page1["items"] + page2["items"]]
    assert len(set(ids)) == len(ids) >= 3


async def test_timelines_per_cluster_and_funder(suite: Suite) -> None:
    cid = await register_cluster(suite, "Timeklyngen")
    base = await award(suite, "fivu-rti", cid)  # 8 M over 2015–2018
    await award(
        suite,
        MIDT,
        cid,
        "project",
        amount_dkk=1_000_000,
        starts_on="2016-07-01",
        ends_on="2017-06-30",
    )
    r = await suite.http.get(f"{API}/clusters/{cid}/timeline")
    assert r.status_code == 200, r.text
    years = {y["year"]: y for y in r.json()["years"]}
    assert sorted(years) == [2015, 2016, 2017, 2018]
    assert years[2015]["base_dkk"] == round(8_000_000 * 365 / 1461)
    assert years[2016]["base_dkk"] == round(8_000_000 * 366 / 1461)
    assert years[2016]["project_dkk"] == round(1_000_000 * 184 / 365)
    assert sum(y["base_dkk"] for y in years.values()) == 8_000_000
    funder = (await suite.http.get(f"{API}/funders/fivu-rti/timeline")).json()
    assert [g["grant_id"] for g in funder["years"][0]["grants"]] == [base]
    # terminated at the end of 2016: the money stops there
    r = await suite.http.post(
        f"{API}/grants/{base}/terminate",
        json={"terminated_on": "2016-12-31", "reason": "Stop"},
        headers=await suite.auth("fivu-rti") | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    funder = (await suite.http.get(f"{API}/funders/fivu-rti/timeline")).json()
    assert [y["year"] for y in funder["years"]] == [2015, 2016]
    assert_problem(await suite.http.get(f"{API}/clusters/nope/timeline"), 404, "not-found")
    assert_problem(await suite.http.get(f"{API}/funders/nope/timeline"), 404, "not-found")
