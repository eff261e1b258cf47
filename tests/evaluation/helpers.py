"""Helpers the evaluation tests share: clusters registered through the registry (and waited
for in evaluation's read model), members, funding grants, reports, the evaluation database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update

from services.evaluation.models import (
    EvalCluster,
    IndicatorValue,
    LeagueHistory,
    MemberSnapshot,
)
from shared.reference import growth_forum_for_region, region_of_municipality
from tests.conftest import Suite, eventually, outbox_envelopes
from tests.funding.helpers import assert_problem, cvr

API = "/evaluation/v1"
FUNDING = "/funding/v1"

__all__ = [
    "API",
    "assert_problem",
    "cvr",
    "db_rows",
    "register_cluster",
    "values_of",
]


async def db_rows(suite: Suite, stmt: Any) -> list[Any]:
    """The first column of each row of a SELECT on the evaluation database (ORM entities)."""
    async with suite.apps["evaluation"].state.session_factory() as session:
        return list((await session.execute(stmt)).scalars())


async def eval_cluster(suite: Suite, cluster_id: str) -> EvalCluster | None:
    async with suite.apps["evaluation"].state.session_factory() as session:
        return await session.get(EvalCluster, cluster_id)


#: When the test clusters "were registered" in evaluation's read model (``register_cluster``):
#: an account of year Y holds only clusters registered by the end of Y (§4.1, as they were).
LONG_AGO = datetime(2015, 1, 1, tzinfo=UTC)


async def backdate(suite: Suite, cluster_id: str, since: datetime) -> None:
    """Evaluation's read model as if the registry had registered the cluster at ``since``
    (its registration and the start of its first league). The registry's events carry the
    real time; tests of past years' accounts need clusters that existed then. Waits until
    evaluation has heard of the cluster."""

    async def known() -> bool:
        return bool(
            await db_rows(
                suite, select(LeagueHistory).where(LeagueHistory.cluster_id == cluster_id)
            )
        )

    await eventually(known)
    async with suite.apps["evaluation"].state.session_factory() as session, session.begin():
        await session.execute(
            update(EvalCluster).where(EvalCluster.id == cluster_id).values(registered_at=since)
        )
        first = (
            await session.execute(
                select(LeagueHistory)
                .where(LeagueHistory.cluster_id == cluster_id)
                .order_by(LeagueHistory.valid_from)
                .limit(1)
            )
        ).scalar_one()
        await session.execute(
            update(LeagueHistory)
            .where(
                LeagueHistory.cluster_id == cluster_id,
                LeagueHistory.valid_from == first.valid_from,
            )
            .values(valid_from=since)
        )


def registrant(body: dict[str, Any]) -> str:
    """Who registers the cluster (issue 12): FIVU/RTI a national or world-class one, the growth
    forum of its home area an emerging one."""
    if body["league"] in ("national", "world_class"):
        return "fivu-rti"
    code = body["home_municipality_code"]
    return growth_forum_for_region(region_of_municipality(code), code).id


async def register_cluster(
    suite: Suite,
    name: str = "Energiklyngen",
    *,
    since: datetime | None = LONG_AGO,
    **extra: Any,
) -> str:
    """Register a cluster in the registry (as FIVU/RTI) and wait until evaluation has it.
    Default: a national energy cluster at home in Esbjerg (Region Syddanmark), in evaluation's
    read model registered ``since`` (default 2015, so past years' accounts hold it; None: the
    real time of the registry's event, today)."""
    body = {
        "name": name,
        "cvr": cvr(),
        "cluster_kind": "cluster",
        "league": "national",
        "home_municipality_code": "0561",
        "fields": ["energy"],
    } | extra
    r = await suite.http.post(
        "/registry/v1/clusters", json=body, headers=await suite.auth(registrant(body))
    )
    assert r.status_code == 201, r.text
    cid = str(r.json()["id"])

    async def known() -> bool:
        return await eval_cluster(suite, cid) is not None

    await eventually(known)
    if since is not None:
        await backdate(suite, cid, since)
    return cid


async def add_members(suite: Suite, cluster_id: str, members: list[dict[str, Any]]) -> None:
    """Add members as the cluster organisation; wait until evaluation's snapshot counts them."""
    headers = await suite.auth(cluster_id)
    for m in members:
        r = await suite.http.post(
            f"/registry/v1/clusters/{cluster_id}/members",
            json={"name": f"Medlem {cvr()}"} | m,
            headers=headers,
        )
        assert r.status_code == 201, r.text
    r = await suite.http.get(f"/registry/v1/clusters/{cluster_id}")
    expected = r.json()["members"]["total"]

    async def counted() -> bool:
        snaps = await db_rows(
            suite, select(MemberSnapshot).where(MemberSnapshot.cluster_id == cluster_id)
        )
        return any(s.member_count == expected for s in snaps)

    await eventually(counted)


async def values_of(
    suite: Suite, cluster_id: str, source: str | None = None
) -> dict[tuple[int, str], float]:
    """(year, code) → value of a cluster's indicator values (optionally of one source)."""
    stmt = select(IndicatorValue).where(IndicatorValue.cluster_id == cluster_id)
    if source:
        stmt = stmt.where(IndicatorValue.source == source)
    return {(v.year, v.indicator): v.value for v in await db_rows(suite, stmt)}


async def programme(suite: Suite, funder: str = "fivu-rti", kind: str = "base") -> str:
    body = {
        "name": f"Klyngeprogram ({kind})",
        "kind": kind,
        "source": "national",
        "starts_on": "2020-01-01",
        "ends_on": "2030-12-31",
    }
    r = await suite.http.post(f"{FUNDING}/programmes", json=body, headers=await suite.auth(funder))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def award_grant(
    suite: Suite, cluster_id: str, prog: str, funder: str = "fivu-rti", **extra: Any
) -> dict[str, Any]:
    body = {
        "cluster_id": cluster_id,
        "programme_id": prog,
        "title": "Klyngeindsats",
        "amount_dkk": 1_000_000,
        "starts_on": "2024-07-01",
        "ends_on": "2025-06-30",
    } | extra
    kind = (await suite.http.get(f"{FUNDING}/programmes/{prog}")).json()["kind"]
    if kind == "base" and "call_id" not in body:  # issue 13: base funding outside a call says why
        body["exemption_reason"] = "Overgangsordning (test)"
    r = await suite.http.post(f"{FUNDING}/grants", json=body, headers=await suite.auth(funder))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def report(
    suite: Suite,
    cluster_id: str,
    year: int,
    values: dict[str, Any],
    *,
    if_match: str | None = None,
    expect: int = 201,
) -> dict[str, Any]:
    headers = await suite.auth(cluster_id)
    if if_match:
        headers = headers | {"If-Match": if_match}
    r = await suite.http.put(
        f"{API}/clusters/{cluster_id}/reports/{year}", json={"values": values}, headers=headers
    )
    assert r.status_code == expect, r.text
    return dict(r.json())


async def outbox(suite: Suite, type_: str | None = None) -> list[dict[str, Any]]:
    """Envelopes in the evaluation outbox, oldest first (optionally of one type)."""
    return await outbox_envelopes(suite, "evaluation", type_)


def set_today(suite: Suite, today: date) -> None:
    suite.apps["evaluation"].state.clock = lambda: today
