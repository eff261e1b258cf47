"""A cluster's league (§1): changed by FIVU/RTI or a growth forum responsible for the cluster
(``rules/authority.py``), with a reason, on record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import Cluster, LeagueChange, messaging
from services.registry.schemas.clusters import LeagueChangeIn
from services.registry.service.cluster_access import require_league_setter
from services.registry.service.cluster_loading import get_cluster
from services.registry.service.responsibility import touch_cluster
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.outbox import record_event


async def change_league(
    session: AsyncSession,
    cluster_id: str,
    data: LeagueChangeIn,
    principal: Principal,
    config: RuleConfig,
    if_match: str | None = None,
) -> Cluster:
    cluster = await get_cluster(session, cluster_id)
    require_league_setter(principal, cluster)
    if if_match is not None:
        require_if_match(if_match, cluster.version)
    if cluster.status != "active":
        raise Problem(
            409,
            "cluster-not-active",
            f"The cluster is {cluster.status}; only an active cluster's league can change.",
            cluster_status=cluster.status,
        )
    if data.league == cluster.league:
        raise Problem(409, "same-league", f"The cluster is already in the league '{data.league}'.")
    previous = cluster.league
    cluster.league = data.league
    session.add(
        LeagueChange(
            cluster_id=cluster.id,
            from_league=previous,
            to_league=data.league,
            reason=data.reason,
            changed_by=principal.organisation_id,
            changed_at=utcnow(),
        )
    )
    await record_event(
        session,
        messaging,
        "registry.cluster.league_changed",
        ev.ClusterLeagueChanged(
            cluster_id=cluster.id,
            from_league=previous,
            to_league=data.league,
            reason=data.reason,
            changed_by=principal.organisation_id,
        ),
        subject=cluster.id,
    )
    await touch_cluster(session, cluster, config, ["league"], cause="league_changed")
    return cluster


async def league_history(session: AsyncSession, cluster_id: str) -> list[LeagueChange]:
    await get_cluster(session, cluster_id)
    return list(
        (
            await session.execute(
                select(LeagueChange)
                .where(LeagueChange.cluster_id == cluster_id)
                .order_by(LeagueChange.changed_at, LeagueChange.id)
            )
        ).scalars()
    )
