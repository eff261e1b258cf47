"""§4.3 flags: bottom quartile of the league in three consecutive published accounts (not two),
a funder's "no longer relevant" mark at once; funding receives the flag."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.funding.models import ClusterFlag
from tests.conftest import Suite, eventually
from tests.evaluation.helpers import (
    API,
    assert_problem,
    outbox,
    register_cluster,
    report,
    set_today,
)

BRIDGE = ("collaboration_projects", "international_partners", "firms_new_competences", "new_ideas")


async def funding_flags(suite: Suite, cluster_id: str) -> list[ClusterFlag]:
    async with suite.apps["funding"].state.session_factory() as session:
        rows = await session.execute(
            select(ClusterFlag).where(ClusterFlag.cluster_id == cluster_id)
        )
        return list(rows.scalars())


async def test_three_consecutive_bottom_years_flag_two_do_not(suite: Suite) -> None:
    set_today(suite, date(2026, 3, 1))
    # Four national clusters; W has the lowest value of every bridge-builder indicator each
    # year: composite percentile 12.5 (bottom quartile, ≤ 25); X sits at 37.5.
    ids = {}
    for rank, key in enumerate("WXYZ", start=1):
        ids[key] = await register_cluster(suite, f"{key}-klyngen")
        for year in (2021, 2022, 2023):
            await report(suite, ids[key], year, dict.fromkeys(BRIDGE, rank))
    fivu = await suite.auth("fivu-rti")

    for year in (2021, 2022):
        r = await suite.http.post(f"{API}/accounts/{year}/publish", headers=fivu)
        assert r.status_code == 200, r.text
    assert (await suite.http.get(f"{API}/flags")).json()["items"] == []  # two years: no flag
    assert await outbox(suite, "evaluation.cluster.flagged") == []

    r = await suite.http.post(f"{API}/accounts/2023/publish", headers=fivu)
    assert r.status_code == 200, r.text
    [flag] = (await suite.http.get(f"{API}/flags")).json()["items"]
    assert flag["cluster_id"] == ids["W"]
    assert flag["rule"] == "bottom_25pct_3y_overall" and flag["account_year"] == 2023
    assert "3 consecutive published accounts" in flag["reason"]
    assert [(y["year"], y["in_bottom"], y["percentile"]) for y in flag["evidence"]["years"]] == [
        (2021, True, 12.5),
        (2022, True, 12.5),
        (2023, True, 12.5),
    ]
    assert flag["evidence"]["years"][0]["league"] == "national"
    [event] = await outbox(suite, "evaluation.cluster.flagged")
    assert event["subject"] == ids["W"]
    assert event["data"]["rule"] == "bottom_25pct_3y_overall"
    assert event["data"]["account_year"] == 2023
    r = await suite.http.get(f"{API}/flags", params={"cluster": ids["X"]})
    assert r.json()["items"] == []
    r = await suite.http.get(f"{API}/flags", params={"year": 2022})
    assert r.json()["items"] == []

    # funding consumes it
    async def told() -> bool:
        return len(await funding_flags(suite, ids["W"])) == 1

    await eventually(told)


async def test_no_longer_relevant_flags_at_once(suite: Suite) -> None:
    cid = await register_cluster(suite, "R-klyngen")
    # issue 12: a party responsible for the cluster under §1 (here co-responsible: the growth
    # forum of its home area, Syddanmark) or a funder with a grant in force marks it
    forum = await suite.auth("vaekstforum-syddanmark")
    url = f"{API}/clusters/{cid}/relevance"
    body = {"reason": "Klyngens felt dækkes nu af en national klynge"}
    assert_problem(await suite.http.post(url, json=body), 401)
    r = await suite.http.post(url, json=body, headers=await suite.auth(cid))
    assert_problem(r, 403, "insufficient-scope")
    r = await suite.http.post(url, json={"reason": "kort"}, headers=forum)
    assert_problem(r, 422)
    r = await suite.http.post(f"{API}/clusters/nope/relevance", json=body, headers=forum)
    assert_problem(r, 404)

    key = {"Idempotency-Key": "mark-1"}
    r = await suite.http.post(url, json=body, headers=forum | key)
    assert r.status_code == 201, r.text
    mark = r.json()
    again = await suite.http.post(url, json=body, headers=forum | key)
    assert again.status_code == 201 and again.json() == mark
    assert mark["funder_id"] == "vaekstforum-syddanmark" and mark["withdrawn_at"] is None
    assert r.headers["location"] == f"{url}/{mark['id']}"
    assert (await suite.http.get(r.headers["location"])).json() == mark

    [flag] = (await suite.http.get(f"{API}/flags", params={"cluster": cid})).json()["items"]
    assert flag["id"] == mark["flag_id"]
    assert flag["rule"] == "no_longer_relevant" and flag["account_year"] is None
    assert "marked no longer relevant by vaekstforum-syddanmark" in flag["reason"]
    assert flag["evidence"]["no_longer_relevant"][0]["reason"] == body["reason"]
    [event] = await outbox(suite, "evaluation.cluster.flagged")
    assert event["data"]["cluster_id"] == cid and event["data"]["rule"] == "no_longer_relevant"

    # one standing mark per funder
    r = await suite.http.post(url, json=body, headers=forum)
    assert_problem(r, 409, "already-marked")

    # only the author withdraws its own mark; the flag is lifted (issue 12) and stays listed
    withdraw = f"{url}/{mark['id']}/withdraw"
    assert_problem(await suite.http.post(withdraw), 401)
    r = await suite.http.post(withdraw, headers=await suite.auth("fivu-rti"))
    assert_problem(r, 403, "not-your-mark")
    r = await suite.http.post(withdraw, headers=forum)
    assert r.status_code == 200 and r.json()["withdrawn_at"] is not None
    assert_problem(await suite.http.post(withdraw, headers=forum), 409, "already-withdrawn")
    [lifted] = (await suite.http.get(f"{API}/flags", params={"cluster": cid})).json()["items"]
    assert lifted["state"] == "lifted" and lifted["lifted_at"] is not None
    marks = (await suite.http.get(url)).json()
    assert [m["id"] for m in marks] == [mark["id"]]
    assert_problem(await suite.http.get(f"{url}/rlv-nope"), 404)

    # a new mark after withdrawing raises a new flag
    r = await suite.http.post(url, json=body, headers=forum)
    assert r.status_code == 201, r.text
    assert len(await outbox(suite, "evaluation.cluster.flagged")) == 2

    async def told() -> bool:
        return len(await funding_flags(suite, cid)) == 2

    await eventually(told)
