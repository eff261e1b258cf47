"""Loading a cluster and what hangs on it: members' facts, names, the active override, tasks.

Read-only helpers of the cluster use cases; a missing cluster is a 404 problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import (
    Cluster,
    Member,
    Organisation,
    ResponsibilityOverride,
    SocietalTaskRecord,
)
from services.registry.rules.members import member_summary
from services.registry.rules.profile import MemberFacts, task_gaps
from shared.errors import Problem


async def get_cluster(session: AsyncSession, cluster_id: str) -> Cluster:
    cluster = None if "\x00" in cluster_id else await session.get(Cluster, cluster_id)
    if cluster is None:
        raise Problem(404, "not-found", f"No cluster with id '{cluster_id}'.")
    return cluster


async def member_facts(session: AsyncSession, cluster_id: str) -> list[MemberFacts]:
    rows = await session.execute(
        select(Member.kind, Member.municipality_code, Member.employees).where(
            Member.cluster_id == cluster_id
        )
    )
    return [MemberFacts(k, m, e) for k, m, e in rows]


async def organisation_names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return dict(rows.tuples().all())


async def organisation_kinds(session: AsyncSession, ids: list[str]) -> dict[str, str]:
    """The kind of each organisation named (unknown ids are left out)."""
    rows = await session.execute(
        select(Organisation.id, Organisation.kind).where(Organisation.id.in_(ids))
    )
    return dict(rows.tuples().all())


async def active_override(session: AsyncSession, cluster_id: str) -> ResponsibilityOverride | None:
    """The exception in force (every concerned party confirmed it), if any."""
    return (
        (
            await session.execute(
                select(ResponsibilityOverride)
                .where(
                    ResponsibilityOverride.cluster_id == cluster_id,
                    ResponsibilityOverride.state == "in_force",
                )
                .order_by(ResponsibilityOverride.recorded_at.desc())
            )
        )
        .scalars()
        .first()
    )


def task_record_gaps(task: SocietalTaskRecord, functions: Iterable[str]) -> tuple[str, ...]:
    """§2 for a stored task of a cluster with these core ``functions``: what keeps it from
    being supported (``rules.profile.task_gaps``; empty: supportable)."""
    return task_gaps(
        task.backing_of_central_actors,
        task.added_value_in_coordination,
        task.resources_without_crowding_out,
        functions,
    )


def task_record_supportable(task: SocietalTaskRecord, functions: Iterable[str]) -> bool:
    """§2 for a stored task: its three preconditions hold and the cluster carries a core
    function — so a change of the cluster's ``functions`` changes it too."""
    return not task_record_gaps(task, functions)


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


async def cluster_facts(
    session: AsyncSession, cluster: Cluster, member_count: int | None = None
) -> dict[str, Any]:
    """The cluster as the ``registry.cluster.*`` events carry it."""
    org = await session.get(Organisation, cluster.id)
    assert org is not None
    rows = await session.execute(
        select(Member.kind, Member.employees).where(Member.cluster_id == cluster.id)
    )
    members = [(kind, employees) for kind, employees in rows]
    summary = member_summary(members)
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
        "societal_tasks": [
            {"task": t.task, "supportable": task_record_supportable(t, cluster.functions or [])}
            for t in await societal_tasks(session, cluster.id)
        ],
        "founded_on": cluster.founded_on,
    }
