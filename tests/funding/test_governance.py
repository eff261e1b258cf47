"""Issue 12 in funding: agreements need every named party's consent, an agreement clears an
overlap only for the activity it covers, strategic calls consult every party of the strategy
and everyone consulted sees every answer, and a flag lifted in evaluation resolves the
finding that rested on it."""

from __future__ import annotations

from datetime import date
from typing import Any

import nats

from shared.events.bus import ensure_stream
from shared.events.outbox import build_envelope
from tests.conftest import Suite, eventually
from tests.funding.helpers import (
    API,
    FORUMS,
    assert_problem,
    outbox,
    plan_call,
    programme,
    register_cluster,
    set_today,
)
from tests.funding.test_findings import award, findings, open_rules, until_rules

FIVU = "fivu-rti"
MIDT = "vaekstforum-midtjylland"
SYD = "vaekstforum-syddanmark"
ENERGY = "ministeriet-energi"
OTHER_MINISTRIES = ["ministeriet-erhverv-vaekst", "ministeriet-foedevarer", "ministeriet-miljoe"]
OVERLAP = "overlapping_activity_without_agreement"


def co_financing(cluster: str, **activities: list[str]) -> dict[str, Any]:
    return {
        "kind": "co_financing",
        "title": "Samfinansiering",
        "cluster_id": cluster,
        "parties": [
            {"party_id": p.replace("_", "-"), "activities": a} for p, a in activities.items()
        ],
    }


async def overlap(suite: Suite) -> str:
    """A national cluster in Midtjylland that FIVU/RTI and Vækstforum Midtjylland both pay
    for matchmaking in 2015–2018: an overlap finding without agreement."""
    cid = await register_cluster(suite, "Vindklyngen")
    await award(suite, FIVU, cid)
    await award(suite, MIDT, cid, "project", activities=["Matchmaking "])
    assert await open_rules(suite, cid) == [OVERLAP]
    return cid


async def test_a_co_financing_agreement_naming_fivu_is_a_proposal_until_fivu_confirms(
    suite: Suite,
) -> None:
    cid = await overlap(suite)
    midt, fivu = await suite.auth(MIDT), await suite.auth(FIVU)
    body = co_financing(cid, fivu_rti=["matchmaking"], vaekstforum_midtjylland=["matchmaking"])
    r = await suite.http.post(f"{API}/agreements", json=body, headers=midt)
    assert r.status_code == 201, r.text
    agreement = r.json()
    assert agreement["state"] == "proposed" and agreement["waiting_for"] == [FIVU]
    answers = {a["party_id"]: a["answer"] for a in agreement["answers"]}
    assert answers == {FIVU: "pending", MIDT: "confirmed"}
    # counts for nothing: the finding stays open, nothing is concluded
    assert await open_rules(suite, cid) == [OVERLAP]
    assert await outbox(suite, "funding.agreement.concluded") == []
    proposed = await outbox(suite, "funding.agreement.proposed")
    assert sorted(e["recipient"] for e in proposed) == [FIVU, MIDT]
    assert {e["data"]["party_id"] for e in proposed} == {MIDT}

    # nobody else answers for FIVU/RTI; the proposer has already confirmed
    r = await suite.http.post(
        f"{API}/agreements/{agreement['id']}/confirm", headers=await suite.auth(SYD)
    )
    refused = assert_problem(r, 403, "not-a-party")
    assert refused["rule"] == "agreement-answered-by-a-party" and refused["may_act"] == [FIVU]
    r = await suite.http.post(f"{API}/agreements/{agreement['id']}/confirm", headers=midt)
    assert_problem(r, 409, "not-pending")
    r = await suite.http.post(f"{API}/agreements/{agreement['id']}/confirm")
    assert_problem(r, 401)
    narrowed = await suite.auth(FIVU, ["webhooks:write"])
    r = await suite.http.post(f"{API}/agreements/{agreement['id']}/confirm", headers=narrowed)
    assert_problem(r, 403, "insufficient-scope")

    # FIVU/RTI confirms: in force, concluded, the finding resolved
    r = await suite.http.post(f"{API}/agreements/{agreement['id']}/confirm", headers=fivu)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "in_force" and r.json()["in_force_since"]
    assert r.json()["waiting_for"] == []
    assert await open_rules(suite, cid) == []
    [concluded] = await outbox(suite, "funding.agreement.concluded")
    assert concluded["data"]["agreement_id"] == agreement["id"]
    confirmed = await outbox(suite, "funding.agreement.confirmed")
    assert sorted(e["recipient"] for e in confirmed) == [FIVU, MIDT]
    listed = await suite.http.get(f"{API}/agreements", params={"state": "in_force"})
    assert [a["id"] for a in listed.json()["items"]] == [agreement["id"]]

    # a party withdraws it: the finding is open again; others may not withdraw
    r = await suite.http.post(
        f"{API}/agreements/{agreement['id']}/withdraw", headers=await suite.auth(SYD)
    )
    assert assert_problem(r, 403, "not-a-party")["may_act"] == [FIVU, MIDT]
    r = await suite.http.post(
        f"{API}/agreements/{agreement['id']}/withdraw",
        json={"reason": "Finansieringen er ændret"},
        headers=fivu,
    )
    assert r.status_code == 200 and r.json()["state"] == "withdrawn", r.text
    assert await open_rules(suite, cid) == [OVERLAP]
    withdrawn = await outbox(suite, "funding.agreement.withdrawn")
    assert sorted(e["recipient"] for e in withdrawn) == [FIVU, MIDT]
    assert withdrawn[0]["data"]["reason"] == "Finansieringen er ændret"
    r = await suite.http.post(f"{API}/agreements/{agreement['id']}/withdraw", headers=fivu)
    assert_problem(r, 409, "not-withdrawable")

    # a declined proposal never counts
    r = await suite.http.post(f"{API}/agreements", json=body, headers=midt)
    second = r.json()["id"]
    r = await suite.http.post(
        f"{API}/agreements/{second}/decline", json={"reason": "Ikke aftalt"}, headers=fivu
    )
    assert r.status_code == 200 and r.json()["state"] == "declined", r.text
    assert await open_rules(suite, cid) == [OVERLAP]
    declined = await outbox(suite, "funding.agreement.declined")
    assert sorted(e["recipient"] for e in declined) == [FIVU, MIDT]


async def test_an_agreement_not_covering_the_overlapping_activity_leaves_the_finding_open(
    suite: Suite,
) -> None:
    cid = await overlap(suite)
    body = co_financing(
        cid, fivu_rti=["internationalisering"], vaekstforum_midtjylland=["sekretariat"]
    )
    r = await suite.http.post(f"{API}/agreements", json=body, headers=await suite.auth(MIDT))
    assert r.status_code == 201, r.text
    r = await suite.http.post(
        f"{API}/agreements/{r.json()['id']}/confirm", headers=await suite.auth(FIVU)
    )
    assert r.json()["state"] == "in_force", r.text
    assert await open_rules(suite, cid) == [OVERLAP]
    # one that covers it, written differently (case, spacing), clears it
    body = co_financing(cid, fivu_rti=["MATCHMAKING"], vaekstforum_midtjylland=[])
    body["parties"][1]["activities"] = ["sekretariat"]
    r = await suite.http.post(f"{API}/agreements", json=body, headers=await suite.auth(FIVU))
    r = await suite.http.post(
        f"{API}/agreements/{r.json()['id']}/confirm", headers=await suite.auth(MIDT)
    )
    assert r.json()["state"] == "in_force", r.text
    assert await open_rules(suite, cid) == []


async def test_an_agreement_is_proposed_only_by_a_concerned_party(suite: Suite) -> None:
    """§1: a cluster an agreement names must have a concerned party among the parties, and the
    proposer must be concerned (responsibility, home forum, grant in force)."""
    cid = await register_cluster(suite, "Vindklyngen")  # national, at home in Midtjylland
    nord, syd = await suite.auth("vaekstforum-nordjylland"), await suite.auth(SYD)
    body = co_financing(cid, vaekstforum_nordjylland=["x"], vaekstforum_syddanmark=["x"])
    r = await suite.http.post(f"{API}/agreements", json=body, headers=nord)
    refused = assert_problem(r, 403, "no-concerned-party")
    assert refused["rule"] == "agreement-names-a-concerned-party"
    assert FIVU in refused["may_act"] and MIDT in refused["may_act"]
    body = co_financing(cid, vaekstforum_nordjylland=["x"], vaekstforum_midtjylland=["x"])
    refused = assert_problem(
        await suite.http.post(f"{API}/agreements", json=body, headers=nord), 403, "not-concerned"
    )
    assert refused["may_act"] == [MIDT]
    # a grant in force (shared.money.grant_in_force) makes Syddanmark concerned: its grant runs
    # 2015–2018, so it counts while the day lies in that period, not after it ran out
    await award(suite, SYD, cid, "project")
    body = co_financing(cid, vaekstforum_syddanmark=["x"], vaekstforum_nordjylland=["x"])
    set_today(suite, date(2019, 1, 1))
    r = await suite.http.post(f"{API}/agreements", json=body, headers=syd)
    assert_problem(r, 403, "no-concerned-party")
    set_today(suite, date(2016, 6, 1))
    r = await suite.http.post(f"{API}/agreements", json=body, headers=syd)
    assert r.status_code == 201, r.text


async def test_a_sector_ministrys_strategic_call_consults_every_other_party(
    suite: Suite,
) -> None:
    prog = await programme(suite, ENERGY, kind="project", source="ministry")
    call = await plan_call(suite, ENERGY, programme_id=prog, strategic=True)
    expected = [FIVU, *OTHER_MINISTRIES, *FORUMS, "kl"]
    assert call["scope"] == "national" and call["dialogue"]["parties"] == expected
    requested = await outbox(suite, "funding.dialogue.requested")
    assert [e["recipient"] for e in requested] == expected
    assert call["dialogue_omissions"] == []

    # an omission is recorded with its reason, shown on the call and in the event
    omitted = [{"party_id": "kl", "reason": "Kun statslige parter berøres"}]
    again = await plan_call(
        suite, ENERGY, programme_id=prog, strategic=True, dialogue_omissions=omitted
    )
    assert again["dialogue"]["parties"] == expected[:-1]
    assert again["dialogue_omissions"] == omitted
    shown = (await suite.http.get(f"{API}/calls/{again['id']}")).json()
    assert shown["dialogue_omissions"] == omitted
    planned = await outbox(suite, "funding.call.planned")
    assert planned[-1]["data"]["dialogue_omissions"] == omitted
    r = await suite.http.post(
        f"{API}/calls",
        json={
            "programme_id": prog,
            "title": "Uden grund",
            "budget_dkk": 1,
            "opens_on": "2030-04-01",
            "closes_on": "2030-05-01",
            "decision_on": "2030-06-01",
            "strategic": True,
            "dialogue_omissions": [{"party_id": ENERGY, "reason": "Os selv"}],
        },
        headers=await suite.auth(ENERGY),
    )
    assert_problem(r, 422, "not-a-consulted-party")


async def test_a_consulted_party_sees_the_other_parties_answers(suite: Suite) -> None:
    cluster = await register_cluster(suite)
    prog = await programme(suite, ENERGY, kind="project", source="ministry")
    call = await plan_call(suite, ENERGY, programme_id=prog, strategic=True)
    fivu = await suite.auth(FIVU)
    mine = await suite.http.get(
        f"{API}/dialogue-requests", params={"call_id": call["id"]}, headers=fivu
    )
    [request] = mine.json()["items"]
    r = await suite.http.post(
        f"{API}/dialogue-requests/{request['id']}/answer",
        json={
            "comment": "Vi medfinansierer",
            "co_financing_dkk": 3_000_000,
            "cluster_ids": [cluster],
        },
        headers=fivu,
    )
    assert r.status_code == 200, r.text
    # KL (consulted) sees FIVU/RTI's answer and who has not answered yet
    kl = await suite.auth("kl")
    r = await suite.http.get(f"{API}/calls/{call['id']}/dialogue", headers=kl)
    assert r.status_code == 200, r.text
    parties = {p["party_id"]: p for p in r.json()["parties"]}
    assert parties[FIVU]["answered"] and parties[FIVU]["comment"] == "Vi medfinansierer"
    assert parties[FIVU]["co_financing_dkk"] == 3_000_000
    assert parties[FIVU]["cluster_ids"] == [cluster]
    assert parties["kl"]["answered"] is False and parties["kl"]["comment"] is None
    # the funder sees it too; others are refused, anonymous callers need a token
    r = await suite.http.get(f"{API}/calls/{call['id']}/dialogue", headers=await suite.auth(ENERGY))
    assert r.status_code == 200
    r = await suite.http.get(
        f"{API}/calls/{call['id']}/dialogue", headers=await suite.auth("region-1081")
    )
    assert assert_problem(r, 403, "not-consulted")["rule"] == "dialogue-seen-by-its-parties"
    assert_problem(await suite.http.get(f"{API}/calls/{call['id']}/dialogue"), 401)
    assert_problem(
        await suite.http.get(f"{API}/calls/call-nope/dialogue", headers=kl), 404, "not-found"
    )
    # every other consulted party is told of the answer (addressed events)
    answered = await outbox(suite, "funding.dialogue.answered")
    assert {e["recipient"] for e in answered} == {ENERGY, "kl", *OTHER_MINISTRIES, *FORUMS}
    # KL answers with a write scope; a token narrowed to webhooks:write cannot answer
    kl_request = next(
        p["request_id"]
        for p in (await suite.http.get(f"{API}/calls/{call['id']}/dialogue", headers=kl)).json()[
            "parties"
        ]
        if p["party_id"] == "kl"
    )
    r = await suite.http.post(
        f"{API}/dialogue-requests/{kl_request}/answer",
        json={"comment": "nej"},
        headers=await suite.auth("kl", ["webhooks:write"]),
    )
    assert assert_problem(r, 403, "insufficient-scope")["rule"] == "scope"
    r = await suite.http.post(
        f"{API}/dialogue-requests/{kl_request}/answer", json={"comment": "Ja"}, headers=kl
    )
    assert r.status_code == 200, r.text


async def _publish(suite: Suite, type_: str, data: dict[str, Any]) -> None:
    envelope = build_envelope(type_, data)
    nc = await nats.connect(suite.nats.url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, "evaluation")
        await js.publish(
            envelope.type, envelope.to_json_bytes(), headers={"Nats-Msg-Id": envelope.id}
        )
    finally:
        await nc.close()


async def test_a_flag_lifted_in_evaluation_resolves_the_funding_finding(suite: Suite) -> None:
    cid = await register_cluster(suite, "Turismeklyngen")
    await award(suite, FIVU, cid)
    flagged = {"cluster_id": cid, "rule": "poor_performance", "reason": "Lav effekt"}
    await _publish(
        suite, "evaluation.cluster.flagged", flagged | {"account_year": 2016, "flag_id": "flg-1"}
    )
    await until_rules(suite, cid, ["flagged_cluster_still_funded"])
    await _publish(
        suite,
        "evaluation.cluster.flag_lifted",
        {
            "cluster_id": cid,
            "rule": "poor_performance",
            "flag_id": "flg-1",
            "account_year": 2016,
            "reason": "Regnskabet for 2017 er ikke i nederste kvartil",
        },
    )
    await until_rules(suite, cid, [])
    [resolved] = await findings(suite, cluster=cid, state="resolved")
    assert resolved["rule"] == "flagged_cluster_still_funded"

    async def resolved_by_lift() -> bool:
        events = await outbox(suite, "funding.finding.resolved")
        return any(e["data"]["cause"] == "evaluation.cluster.flag_lifted" for e in events)

    await eventually(resolved_by_lift)

    # without a flag id (older flags): lifted by cluster + rule + account year
    await _publish(suite, "evaluation.cluster.flagged", flagged | {"account_year": 2018})
    await until_rules(suite, cid, ["flagged_cluster_still_funded"])
    await _publish(
        suite,
        "evaluation.cluster.flag_lifted",
        {"cluster_id": cid, "rule": "poor_performance", "account_year": 2018, "reason": "Ok"},
    )
    await until_rules(suite, cid, [])


async def test_an_organisation_acts_only_as_itself(suite: Suite) -> None:
    """A region cannot award, amend or end another region's grant."""
    cid = await register_cluster(suite, "Vindklyngen")
    grant = await award(suite, "region-1082", cid, "project")
    nord = await suite.auth("region-1081")
    prog = await programme(suite, "region-1081", kind="project", source="regional")
    r = await suite.http.post(
        f"{API}/grants",
        json={
            "cluster_id": cid,
            "programme_id": prog,
            "title": "I en andens navn",
            "amount_dkk": 1,
            "starts_on": "2015-01-01",
            "ends_on": "2015-12-31",
            "funder_id": "region-1082",
        },
        headers=nord,
    )
    refused = assert_problem(r, 403, "not-your-organisation")
    assert refused["rule"] == "own-organisation" and refused["may_act"] == ["region-1082"]
    r = await suite.http.post(
        f"{API}/grants/{grant}/terminate",
        json={"terminated_on": "2015-06-30", "reason": "Nej"},
        headers=nord | {"If-Match": '"1"'},
    )
    refused = assert_problem(r, 403, "not-your-grant")
    assert refused["rule"] == "grant-changed-by-its-funder"
    assert refused["may_act"] == ["region-1082"]
