"""The cluster read model as the API shows it (filled from registry events by the consumers)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import FundingCluster
from shared.queries import get_or_404, page


async def clusters_page(
    session: AsyncSession, cursor: str | None, limit: int
) -> tuple[list[FundingCluster], str | None]:
    return await page(session, select(FundingCluster), FundingCluster.id, cursor, limit)


async def get_cluster(session: AsyncSession, cluster_id: str) -> FundingCluster:
    return await get_or_404(session, FundingCluster, cluster_id, "cluster")
