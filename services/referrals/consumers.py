"""Event handlers of the referrals service (idempotent through the inbox).

- ``referrals-directory``: organisations (shared.directory).
- ``referrals-clusters``: the registry's cluster events → ``referral_clusters`` (fields, home,
  municipalities served, status), which the directory, matching and activity announcements use.

The projection is ``shared.cluster_projection`` (the same for funding and evaluation); an older
event redelivered after a newer one is ignored.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import ReferralCluster, directory
from shared.cluster_projection import project_league, project_profile, project_status
from shared.directory import directory_subscription
from shared.events import contracts as ev
from shared.events.bus import Subscription
from shared.events.envelope import CloudEvent


async def on_cluster_facts(session: AsyncSession, event: CloudEvent) -> None:
    """registered / updated carry the whole profile: upsert it."""
    facts = ev.ClusterFacts.model_validate(event.data)
    await project_profile(session, ReferralCluster, facts, event.time, event.type)


async def on_league_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterLeagueChanged.model_validate(event.data)
    await project_league(session, ReferralCluster, data, event.time)


async def on_status_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterStatusChanged.model_validate(event.data)
    await project_status(session, ReferralCluster, data, event.time)


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
