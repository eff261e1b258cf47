"""Event handlers of the referrals service (idempotent through the inbox).

- ``referrals-directory``: organisations (shared.directory).
- ``referrals-clusters``: the registry's cluster events → ``referral_clusters`` (fields, home,
  municipalities served, status), which the directory, matching and activity announcements use.

An older event redelivered after a newer one is ignored (``updated_at`` holds the time of the
newest event applied).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import ReferralCluster, directory
from shared.directory import directory_subscription
from shared.events import contracts as ev
from shared.events.bus import Subscription
from shared.events.envelope import CloudEvent, is_newer


async def on_cluster_facts(session: AsyncSession, event: CloudEvent) -> None:
    """registered / updated carry the whole profile: upsert it."""
    data = ev.ClusterFacts.model_validate(event.data)
    cluster = await session.get(ReferralCluster, data.cluster_id)
    if cluster is None:
        cluster = ReferralCluster(id=data.cluster_id, updated_at=event.time)
        session.add(cluster)
    elif not is_newer(event.time, cluster.updated_at):
        return
    cluster.name = data.name
    cluster.cluster_kind = data.cluster_kind
    cluster.league = data.league
    cluster.status = data.status
    cluster.home_municipality_code = data.home_municipality_code
    cluster.home_region_code = data.home_region_code
    cluster.municipalities_served = list(data.municipalities_served)
    cluster.fields = list(data.fields)
    cluster.updated_at = event.time


async def on_league_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterLeagueChanged.model_validate(event.data)
    cluster = await session.get(ReferralCluster, data.cluster_id)
    if cluster is not None and is_newer(event.time, cluster.updated_at):
        cluster.league = data.to_league
        cluster.updated_at = event.time


async def on_status_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterStatusChanged.model_validate(event.data)
    cluster = await session.get(ReferralCluster, data.cluster_id)
    if cluster is not None and is_newer(event.time, cluster.updated_at):
        cluster.status = data.to_status
        cluster.updated_at = event.time


CLUSTERS = Subscription(
    durable="referrals-clusters",
    handlers={
        "registry.cluster.registered": on_cluster_facts,
        "registry.cluster.updated": on_cluster_facts,
        "registry.cluster.league_changed": on_league_changed,
        "registry.cluster.status_changed": on_status_changed,
    },
)

SUBSCRIPTIONS = [directory_subscription("referrals", directory), CLUSTERS]
