"""Evaluation's flags as the registry hears them (§4.3): ``evaluation.cluster.flagged`` is kept
in ``cluster_flags``, ``evaluation.cluster.flag_lifted`` marks it lifted. A cluster with an
open flag is not suggested as a §4.4 merger partner (``service/merger_hints.py``). Never
commits: the consumer's transaction holds the inbox row and the change together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import ClusterFlag
from shared.cluster_projection import open_flags_lifted_by
from shared.events import contracts as ev


async def record_flag(
    session: AsyncSession, event_id: str, data: ev.ClusterFlagged, when: datetime
) -> bool:
    """Keep the flag (once per event); whether it was new."""
    seen = await session.execute(select(ClusterFlag.id).where(ClusterFlag.event_id == event_id))
    if seen.first() is not None:
        return False
    session.add(
        ClusterFlag(
            event_id=event_id,
            cluster_id=data.cluster_id,
            rule=data.rule,
            account_year=data.account_year,
            flag_id=data.flag_id,
            flagged_at=when,
        )
    )
    await session.flush()
    return True


async def lift_flags(session: AsyncSession, data: ev.ClusterFlagLifted, when: datetime) -> int:
    """Mark the open flag(s) lifted — by ``flag_id``, else by cluster + rule + account year (as
    funding does); how many were."""
    stmt = open_flags_lifted_by(ClusterFlag, data)
    flags = list((await session.execute(stmt)).scalars())
    for flag in flags:
        flag.lifted_at = when
    return len(flags)


async def flagged_clusters(session: AsyncSession) -> set[str]:
    """The clusters with at least one open flag."""
    rows = await session.execute(
        select(ClusterFlag.cluster_id).where(ClusterFlag.lifted_at.is_(None)).distinct()
    )
    return set(rows.scalars())
