"""Seats for sector ministries in a national innovation network's groups (§2).

The network offers a seat (``registry.ministry_seat.offered``, addressed to the ministry);
only the ministry answers for itself (``rules/authority.seat_answerers``), and the network
is told (``registry.ministry_seat.answered``, addressed to it).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import MinistrySeat, Organisation, messaging
from services.registry.rules import authority
from services.registry.schemas.clusters import SeatIn
from services.registry.service.cluster_access import check, require_cluster_itself
from services.registry.service.cluster_loading import get_cluster
from shared.auth import Principal
from shared.errors import Problem
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.pagination import decode_cursor, encode_cursor, invalid_cursor


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
    await record_event(
        session,
        messaging,
        "registry.ministry_seat.offered",
        ev.MinistrySeatOffered(
            seat_id=seat.id,
            cluster_id=cluster.id,
            ministry_id=ministry.id,
            group=seat.group_kind,
            offered_on=seat.offered_on,
        ),
        subject=cluster.id,
        recipient=ministry.id,
    )
    return seat


async def answer_seat(
    session: AsyncSession,
    cluster_id: str,
    seat_id: str,
    taken: bool,
    principal: Principal,
    today: date,
) -> MinistrySeat:
    """The ministry itself accepts or declines the seat, as of ``today`` (§2)."""
    seat = None if "\x00" in seat_id else await session.get(MinistrySeat, seat_id)
    if seat is None or seat.cluster_id != cluster_id:
        raise Problem(404, "not-found", f"No seat '{seat_id}' in cluster '{cluster_id}'.")
    check(
        principal,
        "answer_seat",
        authority.seat_answerers(seat.ministry_id),
        rule="answer_seat",
        kind="not-your-seat",
        what="Only the ministry offered the seat answers for itself",
    )
    seat.taken = taken
    seat.answered_on = today
    await record_event(
        session,
        messaging,
        "registry.ministry_seat.answered",
        ev.MinistrySeatAnswered(
            seat_id=seat.id,
            cluster_id=seat.cluster_id,
            ministry_id=seat.ministry_id,
            group=seat.group_kind,
            taken=taken,
            answered_on=today,
        ),
        subject=seat.cluster_id,
        recipient=seat.cluster_id,
    )
    return seat


async def seats_of_ministry(
    session: AsyncSession, ministry_id: str, *, cursor: str | None, limit: int
) -> tuple[list[MinistrySeat], str | None]:
    """A ministry's seats across clusters, oldest offer first (public, as per cluster)."""
    stmt = (
        select(MinistrySeat)
        .where(MinistrySeat.ministry_id == ministry_id)
        .order_by(MinistrySeat.offered_on, MinistrySeat.id)
        .limit(limit + 1)
    )
    after = decode_cursor(cursor, str, str)
    if after:
        try:
            offered, sid = date.fromisoformat(after[0]), after[1]
        except ValueError as exc:
            raise invalid_cursor() from exc
        stmt = stmt.where(
            or_(
                MinistrySeat.offered_on > offered,
                and_(MinistrySeat.offered_on == offered, MinistrySeat.id > sid),
            )
        )
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].offered_on.isoformat(), rows[-1].id]) if more else None
