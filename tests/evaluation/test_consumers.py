"""Evaluation's read models from real events: registry clusters and members, funding grants
(money per year and the grant's evaluations), referrals completed between clusters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from services.evaluation import consumers
from services.evaluation.models import EvalGrant, Evaluation, ReferralRecord
from services.evaluation.service.derived import danish_year
from shared.events.envelope import CloudEvent
from tests.conftest import Suite, eventually, outbox_envelopes
from tests.evaluation.helpers import (
    API,
    FUNDING,
    add_members,
    award_grant,
    db_rows,
    eval_cluster,
    outbox,
    programme,
    register_cluster,
    values_of,
)
from tests.funding.helpers import cvr

#: Registry events are stamped with the real time: the member snapshot is of this (Danish) year.
THIS_YEAR = danish_year(datetime.now(UTC))


async def test_cluster_and_its_members_become_member_indicators(suite: Suite) -> None:
    cid = await register_cluster(suite, "Vindklyngen", league="national")
    cluster = await eval_cluster(suite, cid)
    assert cluster is not None
    assert (cluster.name, cluster.league, cluster.status) == ("Vindklyngen", "national", "active")
    assert cluster.home_region_code == "1083"  # Esbjerg → Region Syddanmark
    # No members yet: the member indicators are missing, not 0.
    assert await values_of(suite, cid, "derived") == {}

    await add_members(
        suite,
        cid,
        [
            {"kind": "firm", "employees": 12},
            {"kind": "firm", "employees": 49},
            {"kind": "firm", "employees": 50},
            {"kind": "firm"},  # size unknown: not counted under 50
            {"kind": "knowledge_institution"},
            {"kind": "education_institution"},
            {"kind": "public_actor"},
        ],
    )
    assert await values_of(suite, cid, "derived") == {
        (THIS_YEAR, "participating_firms"): 4,
        (THIS_YEAR, "participating_firms_under_50"): 2,
        (THIS_YEAR, "knowledge_institutions"): 2,
    }

    # A year without a registry event takes the latest earlier snapshot (resolved when the
    # account is computed): next year's draft shows this year's members.
    r = await suite.http.get(f"{API}/accounts/{THIS_YEAR + 1}")
    assert r.status_code == 200, r.text
    [row] = [c for c in r.json()["clusters"] if c["cluster_id"] == cid]
    assert row["values"]["participating_firms"]["value"] == 4
    assert row["values"]["knowledge_institutions"]["value"] == 2
    # … and the year before registration has none (missing).
    r = await suite.http.get(f"{API}/accounts/{THIS_YEAR - 1}")
    [row] = [c for c in r.json()["clusters"] if c["cluster_id"] == cid]
    assert row["values"]["participating_firms"] == {
        "value": None,
        "percentile": None,
        "change": None,
        "change_relative": None,
    }

    # League and status follow the registry; a dissolved cluster leaves the account.
    fivu = await suite.auth("fivu-rti")
    etag = (await suite.http.get(f"/registry/v1/clusters/{cid}")).headers["etag"]
    r = await suite.http.post(
        f"/registry/v1/clusters/{cid}/league-changes",
        json={"league": "emerging", "reason": "Ny vurdering"},
        headers=fivu | {"If-Match": etag},
    )
    assert r.status_code in (200, 201), r.text

    async def emerging() -> bool:
        c = await eval_cluster(suite, cid)
        return c is not None and c.league == "emerging"

    await eventually(emerging)
    r = await suite.http.post(
        f"/registry/v1/clusters/{cid}/status",
        json={"status": "dissolved", "reason": "Lukket"},
        headers=fivu,
    )
    assert r.status_code in (200, 201), r.text

    async def dissolved() -> bool:
        c = await eval_cluster(suite, cid)
        return c is not None and c.status == "dissolved"

    await eventually(dissolved)
    r = await suite.http.get(f"{API}/accounts/{THIS_YEAR}")
    assert cid not in {c["cluster_id"] for c in r.json()["clusters"]}


async def test_grant_schedules_evaluations_and_counts_as_public_funding(suite: Suite) -> None:
    cid = await register_cluster(suite, "Fødevareklyngen")
    base = await programme(suite, kind="base")
    project = await programme(suite, kind="project")
    grant = await award_grant(suite, cid, base, amount_dkk=1_000_000)
    await award_grant(
        suite, cid, project, amount_dkk=400_000, starts_on="2025-01-01", ends_on="2025-12-31"
    )

    async def evaluations() -> list[Evaluation]:
        return await db_rows(
            suite,
            select(Evaluation).where(Evaluation.grant_id == grant["id"]).order_by(Evaluation.kind),
        )

    async def two() -> bool:
        return len(await evaluations()) == 2

    await eventually(two)
    final, mid = await evaluations()
    # 2024-07-01 … 2025-06-30: half-way is 182 days in (rounded down); the final on the end.
    assert (mid.kind, mid.due_on, mid.state) == ("mid_term", date(2024, 12, 30), "scheduled")
    assert (final.kind, final.due_on, final.state) == ("final", date(2025, 6, 30), "scheduled")
    assert mid.funder_id == "fivu-rti" and mid.cluster_id == cid
    scheduled = [
        e["data"]
        for e in await outbox(suite, "evaluation.evaluation.scheduled")
        if e["data"]["grant_id"] == grant["id"]
    ]
    assert sorted((s["kind"], s["due_on"]) for s in scheduled) == [
        ("final", "2025-06-30"),
        ("mid_term", "2024-12-30"),
    ]

    # The money per calendar year, pro rata by days (shared.money, the split funding's
    # timelines and the dashboard use too): 184 of 365 days fall in 2024 — 504,109.59 kr.,
    # to the nearest krone.
    async def funded() -> dict[tuple[int, str], float]:
        return await values_of(suite, cid, "derived")

    async def both_grants() -> bool:
        return len(await funded()) == 3

    await eventually(both_grants)
    assert await funded() == {
        (2024, "public_base_funding"): 504_110,
        (2025, "public_base_funding"): 495_890,
        (2025, "public_project_funding"): 400_000,
    }

    # Amended to end 2025-12-31: the money spreads again, the pending evaluations move.
    fivu = await suite.auth("fivu-rti")
    url = f"{FUNDING}/grants/{grant['id']}"
    r = await suite.http.patch(
        url, json={"ends_on": "2025-12-31"}, headers=fivu | {"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text

    async def moved() -> bool:
        final, mid = await evaluations()
        return final.due_on == date(2025, 12, 31) and mid.due_on == date(2025, 4, 1)

    await eventually(moved)
    assert (await funded())[(2024, "public_base_funding")] == 335_155  # 184/549 of 1 M: 335,154.83

    # Terminated on 2024-10-01: money up to that day only (93 of the 549 planned days); the
    # mid-term not yet due is cancelled, the final falls due on the termination day.
    r = await suite.http.post(
        f"{url}/terminate",
        json={"terminated_on": "2024-10-01", "reason": "Klyngen lukkede"},
        headers=fivu | {"If-Match": '"2"'},
    )
    assert r.status_code == 200, r.text

    async def cancelled() -> bool:
        final, mid = await evaluations()
        return mid.state == "cancelled" and final.due_on == date(2024, 10, 1)

    await eventually(cancelled)
    assert await funded() == {
        (2024, "public_base_funding"): 169_399,  # 93/549 of 1 M: 169,398.91
        (2025, "public_project_funding"): 400_000,  # no base money in 2025: missing, not 0
    }
    [cancel] = await outbox(suite, "evaluation.evaluation.cancelled")
    assert cancel["data"]["kind"] == "mid_term" and "2024-10-01" in cancel["data"]["reason"]

    # A redelivered older event (the award) changes nothing: the grant stays terminated and
    # no third evaluation is scheduled.
    [awarded] = [
        e
        for e in await outbox_envelopes(suite, "funding", "funding.grant.awarded")
        if e["data"]["grant_id"] == grant["id"]
    ]
    old = CloudEvent.model_validate(awarded)
    factory = suite.apps["evaluation"].state.session_factory
    async with factory() as session, session.begin():
        await consumers.on_grant_awarded(session, old)
    [stored] = await db_rows(suite, select(EvalGrant).where(EvalGrant.id == grant["id"]))
    assert stored.status == "terminated" and stored.terminated_on == date(2024, 10, 1)
    assert len(await evaluations()) == 2
    assert (await funded())[(2024, "public_base_funding")] == 169_399


async def _referrals_know(suite: Suite, organisation_id: str) -> None:
    async def known() -> bool:
        r = await suite.http.get(f"/referrals/v1/organisations/{organisation_id}")
        return r.status_code == 200

    await eventually(known)


async def test_referral_completed_between_two_clusters_counts_for_both(suite: Suite) -> None:
    sender = await register_cluster(suite, "Robotklyngen", home_municipality_code="0461")
    recipient = await register_cluster(suite, "Vandklyngen", home_municipality_code="0751")
    for cid in (sender, recipient):
        await _referrals_know(suite, cid)
    as_sender, as_recipient = await suite.auth(sender), await suite.auth(recipient)
    body = {
        "recipient_id": recipient,
        "firm": {"cvr": cvr(), "name": "Testfirma ApS", "municipality_code": "0461"},
        "need": "Virksomheden søger en partner til vandrensning",
        "fields": ["water_environment"],
        "contact": {"name": "Test Person", "email": "test@eksempel.dk"},
        "consent": {
            "given_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "given_by": "Test Person",
            "purpose": "Kontakt fra klyngen",
        },
    }
    r = await suite.http.post("/referrals/v1/referrals", json=body, headers=as_sender)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    url = f"/referrals/v1/referrals/{rid}"
    etag = r.headers["etag"]

    async def sent() -> bool:
        rows = await db_rows(suite, select(ReferralRecord).where(ReferralRecord.id == rid))
        return bool(rows) and rows[0].state == "requested"  # kept "for the record"

    await eventually(sent)
    for step, payload in (
        ("accept", None),
        ("start", None),
        ("complete", {"outcome": "Projekt startet", "outcome_category": "project_started"}),
    ):
        r = await suite.http.post(
            f"{url}/{step}", json=payload, headers=as_recipient | {"If-Match": etag}
        )
        assert r.status_code == 200, r.text
        etag = r.headers["etag"]

    async def counted() -> bool:
        given = await values_of(suite, sender, "derived")
        received = await values_of(suite, recipient, "derived")
        return bool(given) and bool(received)

    await eventually(counted)
    year = danish_year(datetime.now(UTC))  # counted in the (Danish) year it was completed
    assert await values_of(suite, sender, "derived") == {(year, "referrals_given"): 1}
    assert await values_of(suite, recipient, "derived") == {(year, "referrals_received"): 1}
    [record] = await db_rows(suite, select(ReferralRecord).where(ReferralRecord.id == rid))
    assert (record.sender_id, record.recipient_id, record.state) == (
        sender,
        recipient,
        "completed",
    )
    assert record.completed_at is not None
