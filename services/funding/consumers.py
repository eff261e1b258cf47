"""Event handlers of the funding service (idempotent through the inbox).

- ``funding-directory``: organisations (shared.directory).
- ``funding-clusters``: the registry's cluster events → ``funding_clusters`` (league, status,
  responsibility), the read model grants and the coordination checks rely on. The projection
  is ``shared.cluster_projection`` (the same for referrals and evaluation); what funding does
  after a row changed — re-check the cluster's findings — stays here.
- ``funding-evaluation``: ``evaluation.cluster.flagged`` → ``funding_cluster_flags``;
  ``evaluation.cluster.flag_lifted`` marks them lifted (they no longer count, §4.3).
- ``funding-recommendations``: ``evaluation.evaluation.completed`` → ``funding_recommendations``;
  a ``stop`` or ``phase_down`` recommendation is a finding on the grant until its funder acts
  (§4.3).

Funding also keeps, beyond the shared projection, each cluster's founding date (§3: how new an
organisation is) and its §2 societal tasks with whether each is supportable.

Registry events of one stream arrive in order; a redelivered older event is still ignored
(``updated_at`` holds the time of the newest event applied).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import (
    ClusterFlag,
    Finding,
    FundingCluster,
    Recommendation,
    directory,
)
from services.funding.rules.coordination_model import PARALLEL
from services.funding.service.coordination_findings import reevaluate
from shared.cluster_projection import (
    open_flags_lifted_by,
    project_league,
    project_profile,
    project_responsibility,
    project_status,
)
from shared.directory import directory_subscription
from shared.events import contracts as ev
from shared.events.bus import Subscription
from shared.events.envelope import CloudEvent
from shared.queries import new_id


async def _parallel_to(session: AsyncSession, cluster_id: str) -> list[str]:
    """The cluster and those with an open parallel-organisation finding naming it."""
    rows = await session.execute(
        select(Finding).where(Finding.rule == PARALLEL, Finding.state == "open")
    )
    named = [
        f.cluster_id
        for f in rows.scalars()
        if any(e.get("cluster_id") == cluster_id for e in f.evidence.get("existing_clusters", []))
    ]
    return [cluster_id, *named]


async def on_cluster_facts(session: AsyncSession, event: CloudEvent) -> None:
    """registered / updated carry the whole profile: upsert it."""
    facts = ev.ClusterFacts.model_validate(event.data)
    cluster = await project_profile(session, FundingCluster, facts, event.time, event.type)
    if cluster is not None:
        cluster.founded_on = facts.founded_on
        cluster.societal_tasks = [t.model_dump() for t in facts.societal_tasks]
        await reevaluate(session, [cluster.id], event.type, event.time.date())


async def on_league_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterLeagueChanged.model_validate(event.data)
    cluster = await project_league(session, FundingCluster, data, event.time)
    if cluster is not None:
        await reevaluate(session, [cluster.id], event.type, event.time.date())


async def on_responsibility_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterResponsibilityChanged.model_validate(event.data)
    cluster = await project_responsibility(session, FundingCluster, data, event.time)
    if cluster is not None:
        await reevaluate(session, [cluster.id], event.type, event.time.date())


async def on_status_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterStatusChanged.model_validate(event.data)
    cluster = await project_status(session, FundingCluster, data, event.time)
    if cluster is not None:
        # a dissolved or merged cluster no longer covers its field for newer ones (§3)
        await reevaluate(
            session, await _parallel_to(session, cluster.id), event.type, event.time.date()
        )


async def on_cluster_flagged(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterFlagged.model_validate(event.data)
    seen = await session.execute(select(ClusterFlag.id).where(ClusterFlag.event_id == event.id))
    if seen.first() is None:
        session.add(
            ClusterFlag(
                event_id=event.id,
                cluster_id=data.cluster_id,
                rule=data.rule,
                reason=data.reason,
                evidence=dict(data.evidence),
                account_year=data.account_year,
                flagged_at=event.time,
                flag_id=data.flag_id,
            )
        )
        await reevaluate(session, [data.cluster_id], event.type, event.time.date())


async def on_flag_lifted(session: AsyncSession, event: CloudEvent) -> None:
    """§4.3: evaluation lifted a flag (every basis withdrawn): mark the stored flag(s) lifted —
    by ``flag_id``, else by cluster + rule + account year — and re-check the cluster, so the
    finding that rested on it is resolved."""
    data = ev.ClusterFlagLifted.model_validate(event.data)
    stmt = open_flags_lifted_by(ClusterFlag, data)
    flags = list((await session.execute(stmt)).scalars())
    for flag in flags:
        flag.lifted_at, flag.lift_reason = event.time, data.reason
    if flags:
        await reevaluate(session, [data.cluster_id], event.type, event.time.date())


async def on_evaluation_completed(session: AsyncSession, event: CloudEvent) -> None:
    """§4.3: an evaluation's recommendation reaches the grant's funder; ``stop`` and
    ``phase_down`` are a finding until the funder terminates or amends the grant or records
    why not (``service/recommendations.py``)."""
    data = ev.EvaluationCompleted.model_validate(event.data)
    seen = await session.execute(
        select(Recommendation.id).where(Recommendation.event_id == event.id)
    )
    if seen.first() is not None:
        return
    session.add(
        Recommendation(
            id=new_id("rec"),
            event_id=event.id,
            evaluation_id=data.evaluation_id,
            grant_id=data.grant_id,
            cluster_id=data.cluster_id,
            funder_id=data.funder_id,
            evaluation_kind=data.kind,
            recommendation=data.recommendation,
            completed_at=event.time,
        )
    )
    await reevaluate(session, [data.cluster_id], event.type, event.time.date())


CLUSTERS = Subscription(
    durable="funding-clusters",
    handlers={
        "registry.cluster.registered": on_cluster_facts,
        "registry.cluster.updated": on_cluster_facts,
        "registry.cluster.league_changed": on_league_changed,
        "registry.cluster.responsibility_changed": on_responsibility_changed,
        "registry.cluster.status_changed": on_status_changed,
    },
)

EVALUATION = Subscription(
    durable="funding-evaluation",
    handlers={
        "evaluation.cluster.flagged": on_cluster_flagged,
        "evaluation.cluster.flag_lifted": on_flag_lifted,
    },
)

RECOMMENDATIONS = Subscription(
    durable="funding-recommendations",
    handlers={"evaluation.evaluation.completed": on_evaluation_completed},
)

SUBSCRIPTIONS = [
    directory_subscription("funding", directory),
    CLUSTERS,
    EVALUATION,
    RECOMMENDATIONS,
]
