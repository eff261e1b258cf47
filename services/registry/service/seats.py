"""Seats for sector ministries in a national innovation network's groups (§2)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import MinistrySeat, Organisation
from services.registry.schemas.clusters import SeatIn
from services.registry.service.cluster_access import require_cluster_itself
from services.registry.service.cluster_loading import get_cluster
from shared.auth import Principal
from shared.errors import Problem


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
    session: AsyncSession,
    cluster_id: str,
    seat_id: str,
    taken: bool,
    principal: Principal,
    today: date,
) -> MinistrySeat:
    """The ministry (or the network) records whether the seat was taken, as of ``today``."""
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
    seat.answered_on = today
    return seat
