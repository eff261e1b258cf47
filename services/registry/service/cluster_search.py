"""Searching clusters (the query the §4.4 merger hints also start from)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import (
    Cluster,
    ClusterField,
    ClusterMunicipality,
    Member,
    Organisation,
)
from shared.pagination import decode_cursor, encode_cursor

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
    after = decode_cursor(cursor, str, str)
    if after:
        name, cid = after
        stmt = stmt.where(
            or_(Organisation.name > name, and_(Organisation.name == name, Cluster.id > cid))
        )
    rows = [tuple(r) for r in (await session.execute(stmt)).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1][1], rows[-1][0].id]) if more else None
    return rows, next_cursor  # type: ignore[return-value]
