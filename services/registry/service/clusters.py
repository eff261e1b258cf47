"""Cluster use cases: registration, profile, members, leagues, responsibility, seats.

Every change that matters writes its outbox events in the same transaction. Responsibility
is recomputed whenever its inputs change (league, members, home, override) and announced
with ``registry.cluster.responsibility_changed`` only when the answer actually changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import rules
from services.registry.models import (
    Cluster,
    ClusterField,
    ClusterMunicipality,
    LeagueChange,
    Member,
    MinistrySeat,
    Organisation,
    ResponsibilityOverride,
    SocietalTaskRecord,
    messaging,
)
from services.registry.schemas import (
    ClusterCreate,
    ClusterUpdate,
    LeagueChangeIn,
    MemberIn,
    OrganisationCreate,
    OverrideIn,
    SeatIn,
    StatusChangeIn,
)
from services.registry.service.organisations import register_organisation
from services.registry.settings import RegistrySettings
from shared.auth import Principal
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.envelope import utcnow
from shared.events.outbox import record_event
from shared.pagination import decode_cursor, encode_cursor
from shared.reference import region_of_municipality

#: Organisation kinds that may be named as responsible for a cluster's base funding.
FUNDING_PARTY_KINDS = {
    "ministry",
    "growth_forum",
    "region",
    "municipality",
    "municipal_association",
}


@dataclass(frozen=True)
class RuleConfig:
    """The configurable rules, taken from the registry's settings."""

    cog: rules.CentreOfGravityRule = field(default_factory=rules.CentreOfGravityRule)
    profile: rules.ProfileThresholds = field(default_factory=rules.ProfileThresholds)
    merger: rules.MergerRule = field(default_factory=rules.MergerRule)

    @classmethod
    def from_settings(cls, s: RegistrySettings) -> RuleConfig:
        return cls(
            rules.CentreOfGravityRule(s.cog_threshold, s.cog_min_members),
            rules.ProfileThresholds(s.profile_min_members, s.profile_min_helix_kinds),
            rules.MergerRule(s.merger_small_members, s.merger_size_factor),
        )


# --- who may do what ---------------------------------------------------------------------


def require_cluster_itself(principal: Principal, cluster_id: str, what: str) -> None:
    """Writes to a profile and its members only by the cluster organisation itself."""
    if principal.organisation_id != cluster_id and not principal.has("admin"):
        raise Problem(
            403,
            "not-your-cluster",
            f"Only the cluster organisation itself may {what}; you act as "
            f"{principal.organisation_id}.",
        )
    if principal.organisation_id == cluster_id and not principal.has("clusters:write"):
        raise Problem(403, "insufficient-scope", "This needs the scope 'clusters:write'.")


def is_league_authority(principal: Principal) -> bool:
    """§1: leagues are set by FIVU/RTI or a regional growth forum."""
    return (
        principal.organisation_id == rules.FIVU_RTI_ID
        or principal.organisation_kind == "growth_forum"
    )


def require_league_authority(principal: Principal, what: str) -> None:
    if not is_league_authority(principal):
        raise Problem(
            403,
            "not-a-league-authority",
            f"Only FIVU/RTI or a regional growth forum may {what}.",
        )
    require_registry_scope(principal)


def require_registry_scope(principal: Principal) -> None:
    """A token narrowed to other scopes (say funding:write only) may not act on the registry."""
    if not principal.has("organisations:write"):
        raise Problem(
            403,
            "insufficient-scope",
            "This needs the scope 'organisations:write', which your token does not hold.",
            required_scope="organisations:write",
        )


# --- loading -----------------------------------------------------------------------------


async def get_cluster(session: AsyncSession, cluster_id: str) -> Cluster:
    cluster = None if "\x00" in cluster_id else await session.get(Cluster, cluster_id)
    if cluster is None:
        raise Problem(404, "not-found", f"No cluster with id '{cluster_id}'.")
    return cluster


async def member_facts(session: AsyncSession, cluster_id: str) -> list[rules.MemberFacts]:
    rows = await session.execute(
        select(Member.kind, Member.municipality_code, Member.employees).where(
            Member.cluster_id == cluster_id
        )
    )
    return [rules.MemberFacts(k, m, e) for k, m, e in rows]


async def organisation_names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return dict(rows.tuples().all())


async def active_override(session: AsyncSession, cluster_id: str) -> ResponsibilityOverride | None:
    return (
        (
            await session.execute(
                select(ResponsibilityOverride)
                .where(
                    ResponsibilityOverride.cluster_id == cluster_id,
                    ResponsibilityOverride.withdrawn_at.is_(None),
                )
                .order_by(ResponsibilityOverride.recorded_at.desc())
            )
        )
        .scalars()
        .first()
    )


# --- responsibility ----------------------------------------------------------------------


@dataclass
class ResponsibilityState:
    computed: rules.Responsibility
    cog: rules.CentreOfGravity
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
    members: list[rules.MemberFacts] | None = None,
) -> ResponsibilityState:
    if members is None:
        members = await member_facts(session, cluster.id)
    cog = rules.centre_of_gravity((m.municipality_code for m in members), config.cog)
    computed = rules.responsibility(
        cluster.league,
        cog,
        home_municipality=cluster.home_municipality_code,
        municipalities_served=cluster.municipalities_served,
    )
    return ResponsibilityState(computed, cog, await active_override(session, cluster.id))


async def refresh_responsibility(
    session: AsyncSession,
    cluster: Cluster,
    config: RuleConfig,
    cause: str,
    members: list[rules.MemberFacts] | None = None,
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


# --- registration and profile ------------------------------------------------------------


def _apply_profile(
    cluster: Cluster, data: ClusterCreate | ClusterUpdate, fields_set: set[str]
) -> None:
    simple = ("description", "founded_on", "cluster_kind", "functions", "fields")
    for name in simple:
        if name in fields_set:
            setattr(cluster, name, getattr(data, name))
    if "municipalities_served" in fields_set:
        cluster.municipalities_served = list(data.municipalities_served or [])
    if "home_municipality_code" in fields_set and data.home_municipality_code:
        cluster.home_municipality_code = data.home_municipality_code
        cluster.home_region_code = region_of_municipality(data.home_municipality_code)
    if "obligations" in fields_set:
        ob = data.obligations
        cluster.obligations = (
            None
            if ob is None
            else {
                "neutral_platform": ob.neutral_platform,
                "open_access": ob.open_access,
                "no_lobbying": ob.no_lobbying,
            }
        )
        cluster.obligations_declared_on = ob.declared_on if ob else None
    if "label" in fields_set:
        cluster.label_level = data.label.level if data.label else None
        cluster.label_valid_until = data.label.valid_until if data.label else None


async def _sync_indexes(
    session: AsyncSession,
    cluster: Cluster,
    data: ClusterCreate | ClusterUpdate,
    fields_set: set[str],
    *,
    new: bool,
) -> None:
    """Keep the search tables and the societal tasks in step with the profile."""
    if new or "fields" in fields_set:
        if not new:
            await session.execute(delete(ClusterField).where(ClusterField.cluster_id == cluster.id))
        session.add_all(ClusterField(cluster_id=cluster.id, field=f) for f in cluster.fields)
    if new or fields_set & {"municipalities_served", "home_municipality_code"}:
        if not new:
            await session.execute(
                delete(ClusterMunicipality).where(ClusterMunicipality.cluster_id == cluster.id)
            )
        codes = {cluster.home_municipality_code, *cluster.municipalities_served}
        session.add_all(
            ClusterMunicipality(cluster_id=cluster.id, municipality_code=c) for c in sorted(codes)
        )
    if (new or "societal_tasks" in fields_set) and data.societal_tasks is not None:
        if not new:
            await session.execute(
                delete(SocietalTaskRecord).where(SocietalTaskRecord.cluster_id == cluster.id)
            )
        session.add_all(
            SocietalTaskRecord(cluster_id=cluster.id, **t.model_dump()) for t in data.societal_tasks
        )


async def cluster_facts(
    session: AsyncSession, cluster: Cluster, member_count: int | None = None
) -> dict[str, Any]:
    org = await session.get(Organisation, cluster.id)
    assert org is not None
    rows = await session.execute(
        select(Member.kind, Member.employees).where(Member.cluster_id == cluster.id)
    )
    members = [(kind, employees) for kind, employees in rows]
    summary = rules.member_summary(members)
    if member_count is None:
        member_count = len(members)
    return {
        "cluster_id": cluster.id,
        "name": org.name,
        "cluster_kind": cluster.cluster_kind,
        "league": cluster.league,
        "status": cluster.status,
        "home_municipality_code": cluster.home_municipality_code,
        "home_region_code": cluster.home_region_code,
        "municipalities_served": list(cluster.municipalities_served),
        "fields": list(cluster.fields),
        "member_count": member_count,
        "merged_into_id": cluster.merged_into_id,
        "responsibility": cluster.responsibility,
        **summary,
        "functions": list(cluster.functions or []),
        "label_level": cluster.label_level,
        "label_valid_until": cluster.label_valid_until,
    }


async def _profileless_cluster_organisation(session: AsyncSession, cvr: str) -> Organisation | None:
    """An organisation of kind cluster_organisation already registered with this CVR but
    without a cluster profile: registering the cluster gives it one (no second organisation)."""
    org = (
        await session.execute(select(Organisation).where(Organisation.cvr == cvr))
    ).scalar_one_or_none()
    if org is None or org.kind != "cluster_organisation":
        return None
    if await session.get(Cluster, org.id) is not None:
        raise Problem(
            409,
            "cluster-exists",
            f"CVR {cvr} is already registered as cluster {org.id}.",
            existing_id=org.id,
        )
    return org


async def register_cluster(
    session: AsyncSession,
    data: ClusterCreate,
    principal: Principal,
    config: RuleConfig,
    *,
    announce_organisation: bool = True,
) -> Cluster:
    """A funder or the secretariat registers a cluster organisation with its first league."""
    if not (is_league_authority(principal) or principal.has("admin")):
        raise Problem(
            403,
            "not-a-league-authority",
            "Clusters are registered, with their first league, by FIVU/RTI, a regional growth "
            "forum or the Klyngeforum secretariat.",
        )
    require_registry_scope(principal)
    org = await _profileless_cluster_organisation(session, data.cvr)
    if org is None:
        org = await register_organisation(
            session,
            OrganisationCreate(
                name=data.name,
                kind="cluster_organisation",
                cvr=data.cvr,
                municipality_code=data.home_municipality_code,
                short_name=data.short_name,
                website=data.website,
            ),
            announce=announce_organisation,
        )
    now = utcnow()
    cluster = Cluster(
        id=org.id,
        cluster_kind=data.cluster_kind,
        league=data.league,
        home_municipality_code=data.home_municipality_code,
        home_region_code=region_of_municipality(data.home_municipality_code),
        municipalities_served=[],
        fields=[],
        functions=[],
        status="active",
        version=1,
        created_at=now,
        updated_at=now,
    )
    _apply_profile(
        cluster, data, set(data.model_fields_set) | {"municipalities_served", "fields", "functions"}
    )
    session.add(cluster)
    await session.flush()
    await _sync_indexes(session, cluster, data, set(data.model_fields_set), new=True)
    session.add(
        LeagueChange(
            cluster_id=cluster.id,
            from_league=None,
            to_league=data.league,
            reason="registered",
            changed_by=principal.organisation_id,
            changed_at=now,
        )
    )
    await refresh_responsibility(session, cluster, config, "registered", members=[])
    await record_event(
        session,
        messaging,
        "registry.cluster.registered",
        ev.ClusterRegistered(**await cluster_facts(session, cluster, 0)),
        subject=cluster.id,
    )
    return cluster


async def update_cluster(
    session: AsyncSession,
    cluster_id: str,
    data: ClusterUpdate,
    principal: Principal,
    if_match: str | None,
    config: RuleConfig,
) -> Cluster:
    cluster = await get_cluster(session, cluster_id)
    require_cluster_itself(principal, cluster.id, "change its profile")
    if data.league is not None:
        raise Problem(
            403,
            "league-not-yours",
            "A cluster cannot change its own league; FIVU/RTI or a growth forum does that "
            f"with POST /registry/v1/clusters/{cluster.id}/league-changes.",
        )
    if data.status is not None:
        raise Problem(
            422,
            "status-not-here",
            f"Change the status with POST /registry/v1/clusters/{cluster.id}/status.",
        )
    require_if_match(if_match, cluster.version)
    fields_set = set(data.model_fields_set) - {"league", "status"}
    org = await session.get(Organisation, cluster.id)
    assert org is not None
    if "name" in fields_set and data.name:
        org.name = data.name
    if "website" in fields_set:
        org.website = str(data.website) if data.website else None
    if "home_municipality_code" in fields_set and data.home_municipality_code:
        org.municipality_code = data.home_municipality_code
        org.region_code = region_of_municipality(data.home_municipality_code)
    _apply_profile(cluster, data, fields_set)
    await _sync_indexes(session, cluster, data, fields_set, new=False)
    await touch_cluster(session, cluster, config, sorted(fields_set), cause="profile")
    return cluster


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


async def change_league(
    session: AsyncSession,
    cluster_id: str,
    data: LeagueChangeIn,
    principal: Principal,
    config: RuleConfig,
    if_match: str | None = None,
) -> Cluster:
    require_league_authority(principal, "change a cluster's league")
    cluster = await get_cluster(session, cluster_id)
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


async def change_status(
    session: AsyncSession,
    cluster_id: str,
    data: StatusChangeIn,
    principal: Principal,
    config: RuleConfig,
) -> Cluster:
    cluster = await get_cluster(session, cluster_id)
    if principal.organisation_id == cluster.id:
        require_cluster_itself(principal, cluster.id, "change its status")
    elif not (is_league_authority(principal) or principal.has("admin")):
        raise Problem(
            403,
            "not-allowed",
            "A cluster's status is changed by the cluster itself, FIVU/RTI or a growth forum.",
        )
    if data.status == cluster.status and data.merged_into_id == cluster.merged_into_id:
        raise Problem(409, "same-status", f"The cluster is already '{data.status}'.")
    if data.merged_into_id is not None:
        if data.merged_into_id == cluster.id:
            raise Problem(422, "merge-into-self", "A cluster cannot merge into itself.")
        # A body that names an unknown cluster is invalid input (422), not a missing resource.
        target = await session.get(Cluster, data.merged_into_id)
        if target is None:
            raise Problem(
                422,
                "unknown-merge-target",
                f"No cluster with id '{data.merged_into_id}' to merge into.",
            )
        if target.status != "active":
            raise Problem(422, "merge-target-inactive", "The cluster merged into must be active.")
    previous = cluster.status
    cluster.status = data.status
    cluster.merged_into_id = data.merged_into_id
    cluster.status_changed_on = date.today()
    await record_event(
        session,
        messaging,
        "registry.cluster.status_changed",
        ev.ClusterStatusChanged(
            cluster_id=cluster.id,
            from_status=previous,
            to_status=data.status,
            merged_into_id=data.merged_into_id,
            reason=data.reason,
        ),
        subject=cluster.id,
    )
    await touch_cluster(session, cluster, config, ["status"], cause="status_changed")
    return cluster


# --- members -----------------------------------------------------------------------------


async def add_member(
    session: AsyncSession,
    cluster_id: str,
    data: MemberIn,
    principal: Principal,
    config: RuleConfig,
) -> Member:
    (member,) = await add_members(session, cluster_id, [data], principal, config)
    return member


async def add_members(
    session: AsyncSession,
    cluster_id: str,
    data: list[MemberIn],
    principal: Principal,
    config: RuleConfig,
) -> list[Member]:
    """The cluster itself adds members; one new version and one ``registry.cluster.updated``
    for the batch (and ``responsibility_changed`` when the centre of gravity moves)."""
    cluster = await get_cluster(session, cluster_id)
    require_cluster_itself(principal, cluster.id, "change its members")
    now = utcnow()
    members = [
        Member(id=str(uuid.uuid4()), cluster_id=cluster.id, created_at=now, **m.model_dump())
        for m in data
    ]
    session.add_all(members)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(
            409, "member-exists", "A member with that CVR is already registered."
        ) from exc
    await touch_cluster(session, cluster, config, ["members"], cause="members_changed")
    return members


async def get_member(session: AsyncSession, cluster_id: str, member_id: str) -> Member:
    member = None if "\x00" in member_id else await session.get(Member, member_id)
    if member is None or member.cluster_id != cluster_id:
        raise Problem(404, "not-found", f"No member '{member_id}' in cluster '{cluster_id}'.")
    return member


async def replace_member(
    session: AsyncSession,
    cluster_id: str,
    member_id: str,
    data: MemberIn,
    principal: Principal,
    config: RuleConfig,
) -> Member:
    cluster = await get_cluster(session, cluster_id)
    require_cluster_itself(principal, cluster.id, "change its members")
    member = await get_member(session, cluster.id, member_id)
    for key, value in data.model_dump().items():
        setattr(member, key, value)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "member-exists", f"CVR {data.cvr} is already a member.") from exc
    await touch_cluster(session, cluster, config, ["members"], cause="members_changed")
    return member


async def remove_member(
    session: AsyncSession,
    cluster_id: str,
    member_id: str,
    principal: Principal,
    config: RuleConfig,
) -> None:
    cluster = await get_cluster(session, cluster_id)
    require_cluster_itself(principal, cluster.id, "change its members")
    member = await get_member(session, cluster.id, member_id)
    await session.delete(member)
    await touch_cluster(session, cluster, config, ["members"], cause="members_changed")


async def list_members(
    session: AsyncSession, cluster_id: str, *, kind: str | None, cursor: str | None, limit: int
) -> tuple[list[Member], str | None]:
    await get_cluster(session, cluster_id)
    stmt = (
        select(Member)
        .where(Member.cluster_id == cluster_id)
        .order_by(Member.name, Member.id)
        .limit(limit + 1)
    )
    if kind:
        stmt = stmt.where(Member.kind == kind)
    after = decode_cursor(cursor)
    if after:
        name, mid = str(after[0]), str(after[1]) if len(after) > 1 else ""
        stmt = stmt.where(or_(Member.name > name, and_(Member.name == name, Member.id > mid)))
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].name, rows[-1].id]) if more else None


# --- league history, overrides, seats ----------------------------------------------------


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
    kinds = dict(
        (
            await session.execute(
                select(Organisation.id, Organisation.kind).where(Organisation.id.in_(named))
            )
        )
        .tuples()
        .all()
    )
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


async def list_seats(session: AsyncSession, cluster_id: str) -> list[MinistrySeat]:
    await get_cluster(session, cluster_id)
    return list(
        (
            await session.execute(
                select(MinistrySeat)
                .where(MinistrySeat.cluster_id == cluster_id)
                .order_by(MinistrySeat.offered_on, MinistrySeat.id)
            )
        ).scalars()
    )


async def offer_seat(
    session: AsyncSession, cluster_id: str, data: SeatIn, principal: Principal
) -> MinistrySeat:
    """§2: national innovation networks offer sector ministries a seat where possible."""
    cluster = await get_cluster(session, cluster_id)
    require_cluster_itself(principal, cluster.id, "offer seats in its groups")
    if cluster.cluster_kind != "innovation_network":
        raise Problem(
            422,
            "not-an-innovation-network",
            "Ministry seats (§2) are recorded for national innovation networks.",
        )
    ministry = await session.get(Organisation, data.ministry_id)
    if ministry is None:
        raise Problem(
            422, "unknown-ministry", f"No organisation with id '{data.ministry_id}' to offer."
        )
    if ministry.kind != "ministry":
        raise Problem(422, "not-a-ministry", f"'{ministry.name}' is not a ministry.")
    seat = MinistrySeat(
        id=str(uuid.uuid4()),
        cluster_id=cluster.id,
        ministry_id=ministry.id,
        group_kind=data.group,
        offered_on=data.offered_on,
        taken=False,
    )
    session.add(seat)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(
            409, "seat-exists", "That ministry already has a seat offered in that group."
        ) from exc
    return seat


async def answer_seat(
    session: AsyncSession, cluster_id: str, seat_id: str, taken: bool, principal: Principal
) -> MinistrySeat:
    seat = None if "\x00" in seat_id else await session.get(MinistrySeat, seat_id)
    if seat is None or seat.cluster_id != cluster_id:
        raise Problem(404, "not-found", f"No seat '{seat_id}' in cluster '{cluster_id}'.")
    if principal.organisation_id == seat.cluster_id:
        require_cluster_itself(principal, seat.cluster_id, "record a seat's answer")
    elif principal.organisation_id != seat.ministry_id and not principal.has("admin"):
        raise Problem(
            403, "not-your-seat", "Only the ministry offered the seat, or the cluster, may answer."
        )
    seat.taken = taken
    seat.answered_on = date.today()
    return seat


# --- search and merger hints -------------------------------------------------------------

_member_count = (
    select(func.count(Member.id))
    .where(Member.cluster_id == Cluster.id)
    .correlate(Cluster)
    .scalar_subquery()
)


def cluster_query() -> Select[Any]:
    return select(Cluster, Organisation.name, _member_count.label("member_count")).join(
        Organisation, Organisation.id == Cluster.id
    )


async def list_clusters(
    session: AsyncSession,
    *,
    league: str | None,
    status: str | None,
    region: str | None,
    municipality: str | None,
    field: str | None,
    label: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[Cluster, str, int]], str | None]:
    stmt = cluster_query().order_by(Organisation.name, Cluster.id).limit(limit + 1)
    if league:
        stmt = stmt.where(Cluster.league == league)
    if status and status != "any":
        stmt = stmt.where(Cluster.status == status)
    if region:
        stmt = stmt.where(Cluster.home_region_code == region)
    if municipality:
        stmt = stmt.where(
            Cluster.id.in_(
                select(ClusterMunicipality.cluster_id).where(
                    ClusterMunicipality.municipality_code == municipality
                )
            )
        )
    if field:
        stmt = stmt.where(
            Cluster.id.in_(select(ClusterField.cluster_id).where(ClusterField.field == field))
        )
    if label:
        stmt = stmt.where(Cluster.label_level == label)
    if q:
        stmt = stmt.where(
            or_(
                Organisation.name.icontains(q, autoescape=True),
                Cluster.description.icontains(q, autoescape=True),
            )
        )
    after = decode_cursor(cursor)
    if after:
        name, cid = str(after[0]), str(after[1]) if len(after) > 1 else ""
        stmt = stmt.where(
            or_(Organisation.name > name, and_(Organisation.name == name, Cluster.id > cid))
        )
    rows = [tuple(r) for r in (await session.execute(stmt)).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1][1], rows[-1][0].id]) if more else None
    return rows, next_cursor  # type: ignore[return-value]


async def merger_suggestions(
    session: AsyncSession, config: RuleConfig
) -> tuple[list[rules.MergerSuggestion], dict[str, tuple[Cluster, str, int]]]:
    """The §4.4 hints, and the active clusters they name (by id) for shaping the answer."""
    rows = {
        c.id: (c, name, count)
        for c, name, count in (
            await session.execute(cluster_query().where(Cluster.status == "active"))
        ).all()
    }
    sketches = [
        rules.ClusterSketch(c.id, name, c.league, c.home_region_code, tuple(c.fields), count)
        for c, name, count in rows.values()
    ]
    return rules.merger_suggestions(sketches, config.merger), rows


async def societal_tasks(session: AsyncSession, cluster_id: str) -> list[SocietalTaskRecord]:
    return list(
        (
            await session.execute(
                select(SocietalTaskRecord)
                .where(SocietalTaskRecord.cluster_id == cluster_id)
                .order_by(SocietalTaskRecord.task)
            )
        ).scalars()
    )
