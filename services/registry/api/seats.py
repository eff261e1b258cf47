"""Ministry seats (§2): national innovation networks offer sector ministries a seat in their
steering and follow-up groups (an addressed event tells the ministry); only the ministry
answers; ``GET …/ministry-seats?ministry=`` lists one ministry's seats across clusters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.api.common import PREFIX, Caller, Session
from services.registry.models import MinistrySeat
from services.registry.schemas.clusters import (
    MinistrySeatOut,
    OrganisationRef,
    SeatAnswer,
    SeatIn,
    SeatOut,
)
from services.registry.service import seats as seat_service
from services.registry.service.cluster_loading import organisation_names
from shared.dependencies import Today
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix=PREFIX, tags=["clusters"])


async def _seat_out(session: AsyncSession, seats: list[MinistrySeat]) -> list[SeatOut]:
    names = await organisation_names(session, {s.ministry_id for s in seats})
    return [
        SeatOut(
            id=s.id,
            ministry=OrganisationRef(id=s.ministry_id, name=names.get(s.ministry_id, "")),
            group=s.group_kind,
            offered_on=s.offered_on,
            taken=s.taken,
            answered_on=s.answered_on,
        )
        for s in seats
    ]


@router.get(
    "/clusters/{cluster_id}/ministry-seats",
    response_model=list[SeatOut],
    summary="Seats offered to sector ministries in steering/follow-up groups (§2; public)",
)
async def list_seats(session: Session, cluster_id: str) -> list[SeatOut]:
    return await _seat_out(session, await seat_service.list_seats(session, cluster_id))


@router.post(
    "/clusters/{cluster_id}/ministry-seats",
    status_code=201,
    response_model=SeatOut,
    summary="Offer a ministry a seat (the innovation network itself)",
)
async def offer_seat(session: Session, cluster_id: str, body: SeatIn, principal: Caller) -> SeatOut:
    seat = await seat_service.offer_seat(session, cluster_id, body, principal)
    return (await _seat_out(session, [seat]))[0]


@router.put(
    "/clusters/{cluster_id}/ministry-seats/{seat_id}",
    response_model=SeatOut,
    summary="Accept or decline the seat (the ministry itself; nobody answers for it)",
    responses={403: {"description": "Not the ministry offered the seat, or lacking scope"}},
)
async def answer_seat(
    session: Session,
    cluster_id: str,
    seat_id: str,
    body: SeatAnswer,
    principal: Caller,
    today: Today,
) -> SeatOut:
    seat = await seat_service.answer_seat(
        session, cluster_id, seat_id, body.taken, principal, today
    )
    return (await _seat_out(session, [seat]))[0]


@router.get(
    "/ministry-seats",
    response_model=Page[MinistrySeatOut],
    summary="One ministry's seats across clusters, answered or waiting (§2; public)",
)
async def seats_of_ministry(
    session: Session,
    ministry: Annotated[str, Query(max_length=64, pattern=r"^[^\x00]+$")],
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[MinistrySeatOut]:
    rows, next_cursor = await seat_service.seats_of_ministry(
        session, ministry, cursor=cursor, limit=limit
    )
    outs = await _seat_out(session, rows)
    return Page[MinistrySeatOut](
        items=[
            MinistrySeatOut(**o.model_dump(), cluster_id=s.cluster_id)
            for o, s in zip(outs, rows, strict=True)
        ],
        next_cursor=next_cursor,
    )
