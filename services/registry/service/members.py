"""A cluster's members: added, replaced and removed by the cluster organisation itself.

Each change is one new version and one ``registry.cluster.updated`` (and
``responsibility_changed`` when the centre of gravity moves, §1).
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import Member
from services.registry.schemas.clusters import MemberIn
from services.registry.service.cluster_access import require_cluster_itself
from services.registry.service.cluster_loading import get_cluster
from services.registry.service.responsibility import touch_cluster
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor


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
    after = decode_cursor(cursor, str, str)
    if after:
        name, mid = after
        stmt = stmt.where(or_(Member.name > name, and_(Member.name == name, Member.id > mid)))
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].name, rows[-1].id]) if more else None
