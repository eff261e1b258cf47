"""Event handlers of the funding service (idempotent through the inbox).

- ``funding-directory``: organisations (shared.directory).
- ``funding-clusters``: the registry's cluster events → ``funding_clusters`` (league, status,
  responsibility), the read model grants and the coordination checks rely on.
- ``funding-evaluation``: ``evaluation.cluster.flagged`` → ``funding_cluster_flags``.

Registry events of one stream arrive in order; a redelivered older event is still ignored
(``updated_at`` holds the time of the newest event applied).
"""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.findings import PARALLEL
from services.funding.models import ClusterFlag, Finding, FundingCluster, directory
from services.funding.service.findings import reevaluate
from shared.directory import directory_subscription
from shared.events import contracts as ev
from shared.events.bus import Subscription
from shared.events.envelope import CloudEvent, is_newer

log = structlog.get_logger("funding.consumers")


async def _load(session: AsyncSession, cluster_id: str, event: CloudEvent) -> FundingCluster | None:
    cluster = await session.get(FundingCluster, cluster_id)
    if cluster is None:
        log.warning("cluster_event_before_registration", cluster_id=cluster_id, type=event.type)
        return None
    if not is_newer(event.time, cluster.updated_at):
        return None
    cluster.updated_at = event.time
    return cluster


def _apply_responsibility(cluster: FundingCluster, facts: ev.ResponsibilityFacts | None) -> None:
    cluster.responsibility_primary = list(facts.primary) if facts else []
    cluster.responsibility_also = list(facts.also) if facts else []
    cluster.responsibility_rule = facts.rule if facts else None


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
    data = ev.ClusterFacts.model_validate(event.data)
    cluster = await session.get(FundingCluster, data.cluster_id)
    if cluster is None:
        cluster = FundingCluster(id=data.cluster_id, updated_at=event.time)
        session.add(cluster)
    elif not is_newer(event.time, cluster.updated_at):
        return
    cluster.name = data.name
    cluster.cluster_kind = data.cluster_kind
    cluster.league = data.league
    cluster.status = data.status
    cluster.home_municipality_code = data.home_municipality_code
    cluster.home_region_code = data.home_region_code
    cluster.fields = list(data.fields)
    cluster.merged_into_id = data.merged_into_id
    cluster.updated_at = event.time
    if event.type == "registry.cluster.registered" and cluster.registered_at is None:
        cluster.registered_at = event.time
    if data.responsibility is not None or event.type == "registry.cluster.registered":
        _apply_responsibility(cluster, data.responsibility)
    await reevaluate(session, [cluster.id], event.type)


async def on_league_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterLeagueChanged.model_validate(event.data)
    cluster = await _load(session, data.cluster_id, event)
    if cluster is not None:
        cluster.league = data.to_league
        await reevaluate(session, [cluster.id], event.type)


async def on_responsibility_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterResponsibilityChanged.model_validate(event.data)
    cluster = await _load(session, data.cluster_id, event)
    if cluster is not None:
        cluster.league = data.league
        _apply_responsibility(cluster, data.current)
        await reevaluate(session, [cluster.id], event.type)


async def on_status_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterStatusChanged.model_validate(event.data)
    cluster = await _load(session, data.cluster_id, event)
    if cluster is not None:
        cluster.status = data.to_status
        cluster.merged_into_id = data.merged_into_id
        # a dissolved or merged cluster no longer covers its field for newer ones (§3)
        await reevaluate(session, await _parallel_to(session, cluster.id), event.type)


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
            )
        )
        await reevaluate(session, [data.cluster_id], event.type)


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
    handlers={"evaluation.cluster.flagged": on_cluster_flagged},
)

SUBSCRIPTIONS = [directory_subscription("funding", directory), CLUSTERS, EVALUATION]
