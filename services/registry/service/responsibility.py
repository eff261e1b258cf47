"""Who carries a cluster's base funding (§1): computing, storing, announcing, overriding.

Responsibility is recomputed whenever its inputs change (league, members, home, override)
and announced with ``registry.cluster.responsibility_changed`` only when the answer actually
changes. The matrix is guiding: the parties may agree another arrangement, recorded as an
override with its reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import Cluster, ResponsibilityOverride, messaging
from services.registry.rules.profile import MemberFacts
from services.registry.rules.responsibility import (
    FUNDING_PARTY_KINDS,
    CentreOfGravity,
    Responsibility,
    centre_of_gravity,
    responsibility,
)
from services.registry.schemas.clusters import OverrideIn
from services.registry.service.cluster_loading import (
    active_override,
    cluster_facts,
    get_cluster,
    member_facts,
    organisation_kinds,
    organisation_names,
)
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
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


# --- agreed exceptions (overrides) -------------------------------------------------------


async def record_override(
    session: AsyncSession,
    cluster_id: str,
    data: OverrideIn,
    principal: Principal,
    config: RuleConfig,
) -> ResponsibilityOverride:
    """§1: the matrix is guiding; parties may agree another arrangement, recorded with a reason."""
    cluster = await get_cluster(session, cluster_id)
    named = [*data.primary, *data.also]
    if len(named) != len(set(named)):
        raise Problem(422, "party-named-twice", "Name each party once, in primary or also.")
    if principal.organisation_id not in named:
        raise Problem(
            403,
            "not-a-party",
            "Only a party named in the agreed arrangement may record it; name your own "
            "organisation in primary or also.",
        )
    kinds = await organisation_kinds(session, named)
    unknown = [n for n in named if n not in kinds]
    if unknown:
        raise Problem(422, "unknown-party", f"No organisation with id {unknown}.", unknown=unknown)
    unfit = [n for n in named if kinds[n] not in FUNDING_PARTY_KINDS]
    if unfit:
        raise Problem(
            422,
            "not-a-funding-party",
            f"{unfit} cannot carry base funding: name ministries, growth forums, regions, "
            "municipalities or KL.",
        )
    now = utcnow()
    previous = await active_override(session, cluster.id)
    if previous is not None:
        previous.withdrawn_at = now
        previous.withdrawn_by = principal.organisation_id
    override = ResponsibilityOverride(
        id=str(uuid.uuid4()),
        cluster_id=cluster.id,
        primary=list(data.primary),
        also=list(data.also),
        reason=data.reason,
        recorded_by=principal.organisation_id,
        recorded_at=now,
    )
    session.add(override)
    await session.flush()
    await touch_cluster(
        session, cluster, config, ["responsibility_override"], cause="override_recorded"
    )
    return override


async def override_names(session: AsyncSession, override: ResponsibilityOverride) -> dict[str, str]:
    """The names of the parties an override names, and of who recorded it."""
    return await organisation_names(
        session, {*override.primary, *override.also, override.recorded_by}
    )


async def withdraw_override(
    session: AsyncSession,
    cluster_id: str,
    override_id: str,
    principal: Principal,
    config: RuleConfig,
) -> None:
    cluster = await get_cluster(session, cluster_id)
    override = (
        None if "\x00" in override_id else await session.get(ResponsibilityOverride, override_id)
    )
    if override is None or override.cluster_id != cluster.id or override.withdrawn_at:
        raise Problem(404, "not-found", f"No active override '{override_id}' for this cluster.")
    if principal.organisation_id not in [*override.primary, *override.also]:
        raise Problem(403, "not-a-party", "Only a party named in the arrangement may withdraw it.")
    override.withdrawn_at = utcnow()
    override.withdrawn_by = principal.organisation_id
    await session.flush()
    await touch_cluster(
        session, cluster, config, ["responsibility_override"], cause="override_withdrawn"
    )
