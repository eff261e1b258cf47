"""What a reader of one cluster sees beyond its stored profile: the member profile, the
societal tasks with their §2 supportability, the profile warnings and the names of the
parties responsible for its base funding. "Today" (for an expired label) is the caller's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import Cluster, Organisation
from services.registry.rules.profile import (
    MemberProfile,
    ProfileWarning,
    member_profile,
    obligations_declared,
    profile_warnings,
)
from services.registry.service.cluster_loading import (
    member_facts,
    organisation_names,
    societal_tasks,
    task_record_gaps,
)
from services.registry.service.organisations import get_organisation


@dataclass
class ClusterView:
    cluster: Cluster
    organisation: Organisation
    members: MemberProfile
    #: The societal tasks (§2), each with ``supportable`` (all three preconditions hold and the
    #: cluster carries a core function) and ``missing`` (what keeps it from being supported).
    tasks: list[dict[str, Any]]
    warnings: list[ProfileWarning]
    #: Names of the parties in ``cluster.responsibility`` (by organisation id).
    names: dict[str, str]


async def cluster_view(
    session: AsyncSession, cluster: Cluster, config: RuleConfig, today: date
) -> ClusterView:
    org = await get_organisation(session, cluster.id)
    profile = member_profile(await member_facts(session, cluster.id))
    functions = list(cluster.functions or [])
    tasks: list[dict[str, Any]] = []
    for t in await societal_tasks(session, cluster.id):
        gaps = task_record_gaps(t, functions)
        tasks.append(
            {
                "task": t.task,
                "backing_of_central_actors": t.backing_of_central_actors,
                "added_value_in_coordination": t.added_value_in_coordination,
                "resources_without_crowding_out": t.resources_without_crowding_out,
                "note": t.note,
                "supportable": not gaps,
                "missing": list(gaps),
            }
        )
    warnings = profile_warnings(
        profile,
        fields=cluster.fields,
        obligations_declared=obligations_declared(cluster.obligations),
        label_valid_until=cluster.label_valid_until,
        today=today,
        unsupportable_tasks={t["task"]: t["missing"] for t in tasks if not t["supportable"]},
        thresholds=config.profile,
    )
    resp = cluster.responsibility
    names = await organisation_names(
        session, set(resp["primary"]) | set(resp["also"]) if resp else set()
    )
    return ClusterView(cluster, org, profile, tasks, warnings, names)
