"""The cluster read model from the registry's events (``eval_clusters``, ``member_snapshots``).

Registry events of one stream arrive in order; a redelivered older event is still ignored
(``EvalCluster.updated_at`` holds the time of the newest event applied, and each year's
``MemberSnapshot.taken_at`` the time of the event it was taken from). The member summary of a
``registered``/``updated`` event becomes the snapshot of the event's calendar year and the
derived member indicators of that year (``service.derived``).
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import EvalCluster, MemberSnapshot
from services.evaluation.service.derived import (
    danish_year,
    member_values,
    set_derived,
)
from shared.events import contracts as ev
from shared.events.envelope import is_newer, utcnow

log = structlog.get_logger("evaluation.clusters")


async def apply_cluster_facts(
    session: AsyncSession, facts: ev.ClusterFacts, when: datetime, *, registered: bool
) -> EvalCluster | None:
    """Upsert the cluster from a ``registered``/``updated`` event at ``when`` and take the
    year's member snapshot. Returns None when the event is older than what was applied."""
    cluster = await session.get(EvalCluster, facts.cluster_id)
    if cluster is None:
        cluster = EvalCluster(id=facts.cluster_id, registered_at=when, updated_at=when)
        session.add(cluster)
    elif not is_newer(when, cluster.updated_at):
        return None
    elif registered:
        cluster.registered_at = when
    cluster.name = facts.name
    cluster.cluster_kind = facts.cluster_kind
    cluster.league = facts.league
    cluster.status = facts.status
    cluster.home_municipality_code = facts.home_municipality_code
    cluster.home_region_code = facts.home_region_code
    cluster.fields = list(facts.fields)
    cluster.functions = list(facts.functions)
    cluster.label_level = facts.label_level
    cluster.label_valid_until = facts.label_valid_until
    cluster.updated_at = when
    await take_snapshot(session, facts, when)
    return cluster


async def take_snapshot(session: AsyncSession, facts: ev.ClusterFacts, when: datetime) -> None:
    """The member summary as the snapshot of ``when``'s year (the latest event of a year wins)
    and that year's derived member values."""
    year = danish_year(when)
    snap = await session.get(MemberSnapshot, (facts.cluster_id, year))
    if snap is None:
        snap = MemberSnapshot(cluster_id=facts.cluster_id, year=year, taken_at=when)
        session.add(snap)
    elif not is_newer(when, snap.taken_at):
        return
    snap.member_count = facts.member_count
    snap.members_by_kind = dict(facts.members_by_kind)
    snap.sme_firms = facts.sme_firms
    snap.firms_size_unknown = facts.firms_size_unknown
    snap.taken_at = when
    values = member_values(
        facts.member_count, facts.members_by_kind, facts.sme_firms, facts.firms_size_unknown
    )
    await set_derived(session, facts.cluster_id, year, values, utcnow())


async def _known(
    session: AsyncSession, cluster_id: str, when: datetime, type_: str
) -> EvalCluster | None:
    cluster = await session.get(EvalCluster, cluster_id)
    if cluster is None:
        log.warning("cluster_event_before_registration", cluster_id=cluster_id, type=type_)
        return None
    if not is_newer(when, cluster.updated_at):
        return None
    cluster.updated_at = when
    return cluster


async def change_league(
    session: AsyncSession, data: ev.ClusterLeagueChanged, when: datetime
) -> None:
    cluster = await _known(session, data.cluster_id, when, "registry.cluster.league_changed")
    if cluster is not None:
        cluster.league = data.to_league


async def change_status(
    session: AsyncSession, data: ev.ClusterStatusChanged, when: datetime
) -> None:
    cluster = await _known(session, data.cluster_id, when, "registry.cluster.status_changed")
    if cluster is not None:
        cluster.status = data.to_status
