"""Registering a cluster, its own profile and its status (active, merged, dissolved).

Every change writes its outbox events in the same transaction; ``touch_cluster`` bumps the
version, recomputes responsibility and announces ``registry.cluster.updated``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import (
    Cluster,
    ClusterField,
    ClusterMunicipality,
    LeagueChange,
    Organisation,
    SocietalTaskRecord,
    messaging,
)
from services.registry.rules.authority import SECRETARIAT_ID
from services.registry.schemas.clusters import ClusterCreate, ClusterUpdate, StatusChangeIn
from services.registry.schemas.organisations import OrganisationCreate
from services.registry.service.cluster_access import (
    require_cluster_itself,
    require_registrar,
    require_status_setter,
)
from services.registry.service.cluster_loading import (
    cluster_facts,
    get_cluster,
    societal_tasks,
    task_record_supportable,
)
from services.registry.service.organisations import register_organisation
from services.registry.service.responsibility import refresh_responsibility, touch_cluster
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.reference import region_of_municipality
from shared.refusal import Refusal


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


def _label_not_here() -> Refusal:
    """A cluster's ESCA label is not part of its profile: an issuer records it (issue 12)."""
    return Refusal(
        "label-by-issuer",
        "record_label",
        "A cluster's ESCA label is recorded by a label issuer (the Klyngeforum secretariat or "
        "an organisation of kind label_issuer) with POST /registry/v1/clusters/{id}/labels, "
        "not set through the cluster's profile.",
        may_act=[SECRETARIAT_ID],
    )


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
    require_registrar(principal, data.league, data.home_municipality_code)
    if data.label is not None:
        raise _label_not_here()
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
    if "label" in data.model_fields_set:
        raise _label_not_here()
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
    supportable_before = await _supportable(session, cluster)
    _apply_profile(cluster, data, fields_set)
    await _sync_indexes(session, cluster, data, fields_set, new=False)
    if await _supportable(session, cluster) != supportable_before:
        # §2: a change of the core functions can make a task (un)supportable
        fields_set.add("societal_tasks")
    await touch_cluster(session, cluster, config, sorted(fields_set), cause="profile")
    return cluster


async def _supportable(session: AsyncSession, cluster: Cluster) -> dict[str, bool]:
    """Each societal task of the cluster and whether it is supportable now (§2)."""
    functions = list(cluster.functions or [])
    return {
        t.task: task_record_supportable(t, functions)
        for t in await societal_tasks(session, cluster.id)
    }


async def change_status(
    session: AsyncSession,
    cluster_id: str,
    data: StatusChangeIn,
    principal: Principal,
    config: RuleConfig,
    today: date,
) -> Cluster:
    """Mark the cluster active, merged into another (active) cluster, or dissolved."""
    cluster = await get_cluster(session, cluster_id)
    require_status_setter(principal, cluster)
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
    cluster.status_changed_on = today
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
