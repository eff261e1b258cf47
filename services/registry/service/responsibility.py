"""Who carries a cluster's base funding (§1): computing, storing, announcing.

Responsibility is recomputed whenever its inputs change (league, members, home, an exception
coming into force or ending) and announced with ``registry.cluster.responsibility_changed``
only when the answer actually changes. The matrix is guiding: the parties may agree another
arrangement, an exception every concerned party has confirmed
(``service/responsibility_exceptions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import Cluster, ResponsibilityOverride, messaging
from services.registry.rules.profile import MemberFacts
from services.registry.rules.responsibility import (
    CentreOfGravity,
    Responsibility,
    centre_of_gravity,
    responsibility,
)
from services.registry.service.cluster_loading import (
    active_override,
    cluster_facts,
    get_cluster,
    member_facts,
    organisation_names,
)
from shared.clock import utcnow
from shared.events import contracts as ev
from shared.events.outbox import record_event


@dataclass
class ResponsibilityState:
    computed: Responsibility
    cog: CentreOfGravity
    override: ResponsibilityOverride | None

    def facts(self) -> ev.ResponsibilityFacts:
        if self.override is not None:
            return ev.ResponsibilityFacts(
                primary=list(self.override.primary),
                also=list(self.override.also),
                rule="agreed_exception",
                overridden=True,
                centre_of_gravity_forum=self.cog.forum_id,
            )
        return ev.ResponsibilityFacts(
            primary=list(self.computed.primary),
            also=list(self.computed.also),
            rule=self.computed.rule,
            overridden=False,
            centre_of_gravity_forum=self.cog.forum_id,
        )


async def responsibility_state(
    session: AsyncSession,
    cluster: Cluster,
    config: RuleConfig,
    members: list[MemberFacts] | None = None,
) -> ResponsibilityState:
    if members is None:
        members = await member_facts(session, cluster.id)
    cog = centre_of_gravity((m.municipality_code for m in members), config.cog)
    computed = responsibility(
        cluster.league,
        cog,
        home_municipality=cluster.home_municipality_code,
        municipalities_served=cluster.municipalities_served,
    )
    return ResponsibilityState(computed, cog, await active_override(session, cluster.id))


@dataclass
class ResponsibilityView:
    """A cluster's responsibility as ``GET …/responsibility`` shows it, with party names."""

    cluster: Cluster
    state: ResponsibilityState
    names: dict[str, str]


async def responsibility_view(
    session: AsyncSession, cluster_id: str, config: RuleConfig
) -> ResponsibilityView:
    cluster = await get_cluster(session, cluster_id)
    state = await responsibility_state(session, cluster, config)
    ov = state.override
    ids = {*state.computed.primary, *state.computed.also, *(state.cog.counts or {})}
    if state.cog.forum_id:
        ids.add(state.cog.forum_id)
    if ov:
        ids |= {*ov.primary, *ov.also, ov.recorded_by}
    return ResponsibilityView(cluster, state, await organisation_names(session, ids))


async def refresh_responsibility(
    session: AsyncSession,
    cluster: Cluster,
    config: RuleConfig,
    cause: str,
    members: list[MemberFacts] | None = None,
) -> ev.ResponsibilityFacts:
    """Recompute; store and announce it when it differs from what was last announced."""
    state = await responsibility_state(session, cluster, config, members)
    current = state.facts()
    previous = (
        ev.ResponsibilityFacts.model_validate(cluster.responsibility)
        if cluster.responsibility
        else None
    )
    if previous != current:
        cluster.responsibility = current.model_dump(mode="json")
        if previous is not None:
            await record_event(
                session,
                messaging,
                "registry.cluster.responsibility_changed",
                ev.ClusterResponsibilityChanged(
                    cluster_id=cluster.id,
                    league=cluster.league,
                    previous=previous,
                    current=current,
                    cause=cause,
                ),
                subject=cluster.id,
            )
    return current


async def touch_cluster(
    session: AsyncSession, cluster: Cluster, config: RuleConfig, changed: list[str], cause: str
) -> None:
    """Bump the version, recompute responsibility and announce the update."""
    cluster.version += 1
    cluster.updated_at = utcnow()
    await session.flush()
    await refresh_responsibility(session, cluster, config, cause)
    await record_event(
        session,
        messaging,
        "registry.cluster.updated",
        ev.ClusterUpdated(**await cluster_facts(session, cluster), changed=changed),
        subject=cluster.id,
    )
