"""Issue 12's user stories in evaluation, through the HTTP API: who may mark a cluster "no
longer relevant" (§4.3 with §1), a withdrawn mark lifts its flag, the account of a year can be
published only after the year (§4.1), and past years use the clusters and leagues as they
were."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, update

from services.evaluation.models import EvalGrant, LeagueHistory
from tests.conftest import Suite, eventually
from tests.evaluation.helpers import (
    API,
    assert_problem,
    award_grant,
    db_rows,
    outbox,
    programme,
    register_cluster,
    report,
    set_today,
)

BODY = {"reason": "Klyngens felt dækkes nu af en national klynge"}
BRIDGE = ("collaboration_projects", "international_partners", "firms_new_competences", "new_ideas")
DEC_3 = date(2026, 12, 3)


async def test_a_growth_forum_marks_only_a_cluster_it_funds_or_is_responsible_for(
    suite: Suite,
) -> None:
    set_today(suite, DEC_3)
    # a national cluster at home in Esbjerg: FIVU/RTI primary, Vækstforum Syddanmark also (§1)
    cid = await register_cluster(suite, "Energiklyngen Vest")
    url = f"{API}/clusters/{cid}/relevance"
    midt = await suite.auth("vaekstforum-midtjylland")

    r = await suite.http.post(url, json=BODY, headers=midt)
    problem = assert_problem(r, 403, "not-funder-or-responsible")
    assert problem["rule"] == "relevance-mark-by-funder-or-responsible"
    assert problem["may_act"] == ["fivu-rti", "vaekstforum-syddanmark"]
    assert "vaekstforum-midtjylland" in problem["detail"] and "§4.3" in problem["detail"]
    assert (await suite.http.get(f"{API}/flags", params={"cluster": cid})).json()["items"] == []
    assert await outbox(suite, "evaluation.cluster.flagged") == []

    # once it funds the cluster (a grant in force on 3 December) it may mark it
    prog = await programme(suite, "vaekstforum-midtjylland", kind="project")
    await award_grant(
        suite,
        cid,
        prog,
        funder="vaekstforum-midtjylland",
        starts_on="2026-01-01",
        ends_on="2027-12-31",
    )

    async def granted() -> bool:
        return bool(await db_rows(suite, select(EvalGrant).where(EvalGrant.cluster_id == cid)))

    await eventually(granted)
    r = await suite.http.post(url, json=BODY, headers=midt)
    assert r.status_code == 201, r.text
    # a responsible party may too, without a grant
    r = await suite.http.post(url, json=BODY, headers=await suite.auth("vaekstforum-syddanmark"))
    assert r.status_code == 201, r.text
    # a grant no longer in force no longer counts
    set_today(suite, date(2028, 1, 1))
    r = await suite.http.post(url, json=BODY, headers=await suite.auth("vaekstforum-nordjylland"))
    assert_problem(r, 403, "not-funder-or-responsible")


async def test_withdrawing_the_mark_lifts_the_flag(suite: Suite) -> None:
    cid = await register_cluster(suite, "Energiklyngen Øst")
    url = f"{API}/clusters/{cid}/relevance"
    fivu, syd = await suite.auth("fivu-rti"), await suite.auth("vaekstforum-syddanmark")
    first = (await suite.http.post(url, json=BODY, headers=fivu)).json()
    second = (await suite.http.post(url, json=BODY, headers=syd)).json()
    raised = await outbox(suite, "evaluation.cluster.flagged")
    assert [e["data"]["flag_id"] for e in raised] == [first["flag_id"], second["flag_id"]]

    # the first flag rests on the first mark, the second on both
    r = await suite.http.post(f"{url}/{first['id']}/withdraw", headers=fivu)
    assert r.status_code == 200, r.text
    flags = {f["id"]: f for f in (await suite.http.get(f"{API}/flags")).json()["items"]}
    assert flags[first["flag_id"]]["state"] == "lifted"
    assert first["id"] in flags[first["flag_id"]]["lifted_reason"]
    assert flags[second["flag_id"]]["state"] == "open"
    [lifted] = await outbox(suite, "evaluation.cluster.flag_lifted")
    assert lifted["subject"] == cid
    assert lifted["data"]["flag_id"] == first["flag_id"]
    assert lifted["data"]["rule"] == "no_longer_relevant"

    r = await suite.http.post(f"{url}/{second['id']}/withdraw", headers=syd)
    assert r.status_code == 200, r.text
    flags = {f["id"]: f for f in (await suite.http.get(f"{API}/flags")).json()["items"]}
    assert {f["state"] for f in flags.values()} == {"lifted"}
    events = await outbox(suite, "evaluation.cluster.flag_lifted")
    assert [e["data"]["flag_id"] for e in events] == [first["flag_id"], second["flag_id"]]


async def test_a_later_account_outside_the_bottom_quartile_lifts_the_performance_flag(
    suite: Suite,
) -> None:
    set_today(suite, DEC_3)
    ids = {}
    for rank, key in enumerate("WXYZ", start=1):
        ids[key] = await register_cluster(suite, f"{key}-klyngen")
        for year in (2021, 2022, 2023):
            await report(suite, ids[key], year, dict.fromkeys(BRIDGE, rank))
        # in 2024 W is at the top
        await report(suite, ids[key], 2024, dict.fromkeys(BRIDGE, 5 if key == "W" else rank))
    fivu = await suite.auth("fivu-rti")
    for year in (2021, 2022, 2023):
        assert (await suite.http.post(f"{API}/accounts/{year}/publish", headers=fivu)).is_success
    [flag] = (await suite.http.get(f"{API}/flags")).json()["items"]
    assert flag["cluster_id"] == ids["W"] and flag["state"] == "open"
    assert (await suite.http.post(f"{API}/accounts/2024/publish", headers=fivu)).is_success
    [flag] = (await suite.http.get(f"{API}/flags")).json()["items"]
    assert flag["state"] == "lifted" and "2024" in flag["lifted_reason"]
    [event] = await outbox(suite, "evaluation.cluster.flag_lifted")
    assert event["data"]["flag_id"] == flag["id"] and event["data"]["account_year"] == 2023


async def test_publishing_the_current_year_on_3_december_is_too_early(suite: Suite) -> None:
    set_today(suite, DEC_3)
    cid = await register_cluster(suite)
    await report(suite, cid, 2026, dict.fromkeys(BRIDGE, 3))
    r = await suite.http.post(f"{API}/accounts/2026/publish", headers=await suite.auth("fivu-rti"))
    problem = assert_problem(r, 409, "too-early")
    assert problem["earliest"] == "2027-03-01" and "2027-03-01" in problem["detail"]
    assert (await suite.http.get(f"{API}/accounts/2026")).json()["state"] == "draft"
    # last year's account may be published (1 March has passed)
    r = await suite.http.post(f"{API}/accounts/2025/publish", headers=await suite.auth("fivu-rti"))
    assert r.status_code == 200, r.text
    # … but not before 1 March
    set_today(suite, date(2027, 2, 28))
    r = await suite.http.post(f"{API}/accounts/2026/publish", headers=await suite.auth("fivu-rti"))
    assert assert_problem(r, 409, "too-early")["earliest"] == "2027-03-01"


async def test_past_years_use_the_clusters_and_leagues_as_they_were(suite: Suite) -> None:
    set_today(suite, DEC_3)
    old = await register_cluster(suite, "Gammel Klynge")  # registered (in evaluation) in 2015
    new = await register_cluster(suite, "Ny Klynge", since=None)  # registered today
    moved = await register_cluster(suite, "Voksende Klynge", league="emerging")
    for cid in (old, new, moved):
        for year in (2024, 2025, 2026):
            await report(suite, cid, year, dict.fromkeys(BRIDGE, 2))

    # FIVU/RTI moves the emerging cluster to the national league (the event's time is now)
    r = await suite.http.post(
        f"/registry/v1/clusters/{moved}/league-changes",
        json={"league": "national", "reason": "Klyngen er vokset til national størrelse"},
        headers=await suite.auth("fivu-rti"),
    )
    assert r.status_code in (200, 201), r.text

    async def changed() -> list[LeagueHistory]:
        rows = await db_rows(suite, select(LeagueHistory).where(LeagueHistory.cluster_id == moved))
        return rows if len(rows) == 2 else []

    await eventually(changed)
    # as if the change had happened on 1 June 2025
    async with suite.apps["evaluation"].state.session_factory() as session, session.begin():
        await session.execute(
            update(LeagueHistory)
            .where(LeagueHistory.cluster_id == moved, LeagueHistory.league == "national")
            .values(valid_from=datetime(2025, 6, 1, tzinfo=UTC))
        )

    async def leagues(year: int) -> dict[str, str]:
        r = await suite.http.get(f"{API}/accounts/{year}")
        assert r.status_code == 200, r.text
        return {c["cluster_id"]: c["league"] for c in r.json()["clusters"]}

    assert await leagues(2024) == {old: "national", moved: "emerging"}  # not the new cluster
    assert await leagues(2025) == {old: "national", moved: "national"}  # in force at year end
    assert await leagues(2026) == {old: "national", moved: "national", new: "national"}

    r = await suite.http.post(f"{API}/accounts/2024/publish", headers=await suite.auth("fivu-rti"))
    assert r.status_code == 200, r.text
    published = {c["cluster_id"]: c["league"] for c in r.json()["clusters"]}
    assert published == {old: "national", moved: "emerging"}
    [event] = await outbox(suite, "evaluation.account.published")
    assert event["data"]["clusters_by_league"] == {"world_class": 0, "national": 1, "emerging": 1}
