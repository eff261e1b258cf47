"""Timelines of grants (which money, when) for a cluster or a funder: load the grants, spread
them over calendar years with ``rules/timeline.py``. Reads only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import FundingCluster, Grant
from services.funding.rules.timeline import Money, timeline
from services.funding.service.common import organisations
from shared.errors import Problem
from shared.queries import get_or_404


def _money(g: Grant) -> Money:
    return Money(
        g.id,
        g.funder_id,
        g.cluster_id,
        g.kind,
        g.amount_dkk,
        g.starts_on,
        g.ends_on,
        g.terminated_on,
    )


async def cluster_timeline(session: AsyncSession, cluster_id: str) -> list[dict[str, Any]]:
    """The cluster's grants by calendar year; 404 for a cluster the read model lacks."""
    await get_or_404(session, FundingCluster, cluster_id, "cluster")
    rows = await session.execute(select(Grant).where(Grant.cluster_id == cluster_id))
    return timeline(_money(g) for g in rows.scalars())


async def funder_timeline(session: AsyncSession, funder_id: str) -> list[dict[str, Any]]:
    """A funder's grants by calendar year; 404 for an organisation the service does not know."""
    if "\x00" in funder_id or not await organisations(session, [funder_id]):
        raise Problem(404, "not-found", f"No organisation '{funder_id[:64]}'.")
    rows = await session.execute(select(Grant).where(Grant.funder_id == funder_id))
    return timeline(_money(g) for g in rows.scalars())
