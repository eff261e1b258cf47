"""Event handlers of the evaluation service (idempotent through the inbox).

- ``evaluation-directory``: organisations (shared.directory).
- ``evaluation-clusters``: the registry's cluster events → ``eval_clusters`` (the shared
  projection, ``shared.cluster_projection``, with the §1 responsibility); after a profile event
  that applied, the member snapshot of the event's year and the derived member indicators; after
  any event that applied, the league history (``service.clusters``).
- ``evaluation-funding``: grants → ``eval_grants``, the public base / project funding per year,
  and the grant's mid-term and final evaluations (``service.grants``).
- ``evaluation-referrals``: referrals sent and completed → ``referral_records`` and the
  referrals given / received by clusters per completion year (``service.derived``).

The inbox makes each event's effect happen once; a redelivered *older* event (after a newer
one of the same cluster, grant or referral was applied) is ignored by its time.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import EvalCluster, directory
from services.evaluation.service import clusters, grants
from services.evaluation.service.derived import record_referral
from shared.cluster_projection import (
    project_league,
    project_profile,
    project_responsibility,
    project_status,
)
from shared.directory import directory_subscription
from shared.events import contracts as ev
from shared.events.bus import Subscription
from shared.events.envelope import CloudEvent


async def on_cluster_facts(session: AsyncSession, event: CloudEvent) -> None:
    facts = ev.ClusterFacts.model_validate(event.data)
    applied = await project_profile(session, EvalCluster, facts, event.time, event.type)
    if applied is not None:  # None: older than what the row holds
        await clusters.take_snapshot(session, facts, event.time)
        await clusters.note_league(session, facts.cluster_id, facts.league, event.time)


async def on_league_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterLeagueChanged.model_validate(event.data)
    if await project_league(session, EvalCluster, data, event.time) is not None:
        await clusters.note_league(session, data.cluster_id, data.to_league, event.time)


async def on_responsibility_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterResponsibilityChanged.model_validate(event.data)
    if await project_responsibility(session, EvalCluster, data, event.time) is not None:
        await clusters.note_league(session, data.cluster_id, data.league, event.time)


async def on_status_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ClusterStatusChanged.model_validate(event.data)
    await project_status(session, EvalCluster, data, event.time)


async def on_grant_awarded(session: AsyncSession, event: CloudEvent) -> None:
    await grants.on_awarded(session, ev.GrantAwarded.model_validate(event.data), event.time)


async def on_grant_amended(session: AsyncSession, event: CloudEvent) -> None:
    await grants.on_amended(session, ev.GrantAmended.model_validate(event.data), event.time)


async def on_grant_terminated(session: AsyncSession, event: CloudEvent) -> None:
    await grants.on_terminated(session, ev.GrantTerminated.model_validate(event.data), event.time)


async def on_referral_sent(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ReferralSent.model_validate(event.data)
    await record_referral(session, data, event.time, completed=False)


async def on_referral_completed(session: AsyncSession, event: CloudEvent) -> None:
    data = ev.ReferralCompleted.model_validate(event.data)
    await record_referral(session, data, event.time, completed=True)


CLUSTERS = Subscription(
    durable="evaluation-clusters",
    handlers={
        "registry.cluster.registered": on_cluster_facts,
        "registry.cluster.updated": on_cluster_facts,
        "registry.cluster.league_changed": on_league_changed,
        "registry.cluster.status_changed": on_status_changed,
        "registry.cluster.responsibility_changed": on_responsibility_changed,
    },
)

FUNDING = Subscription(
    durable="evaluation-funding",
    handlers={
        "funding.grant.awarded": on_grant_awarded,
        "funding.grant.amended": on_grant_amended,
        "funding.grant.terminated": on_grant_terminated,
    },
)

REFERRALS = Subscription(
    durable="evaluation-referrals",
    handlers={
        "referrals.referral.sent": on_referral_sent,
        "referrals.referral.completed": on_referral_completed,
    },
)

SUBSCRIPTIONS = [directory_subscription("evaluation", directory), CLUSTERS, FUNDING, REFERRALS]
