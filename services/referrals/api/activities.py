"""Activities (§5: the parties tell each other about larger activities relevant to the
other's target group): conferences, workshops, matchmaking, projects, courses, network
meetings.

Reading is public. A party (``referrals:write``) announces activities in its own name;
announcing one sends ``referrals.activity.announced`` to every organisation whose fields or
target groups overlap. Only the host changes or cancels it (If-Match required).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.referrals.api.common import (
    PREFIX,
    Cursor,
    IdempotencyKey,
    IdFilter,
    IfMatch,
    Limit,
    Party,
    Session,
    create_idempotently,
)
from services.referrals.api.services import FieldCode, TargetGroupFilter
from services.referrals.models import Activity
from services.referrals.schemas.directory import ActivityCreate, ActivityOut, ActivityUpdate
from services.referrals.service import activities as directory
from shared.dependencies import Now
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, Page
from shared.queries import get_or_404

router = APIRouter(prefix=PREFIX)

_CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not your organisation's activity"},
    409: {"description": "The activity was cancelled"},
    412: {"description": "Stale If-Match"},
    428: {"description": "If-Match missing"},
}


async def _one(session: Session, activity: Activity) -> ActivityOut:
    [out] = await directory.activities_out(session, [activity])
    return out


@router.get(
    "/activities",
    tags=["activities"],
    response_model=Page[ActivityOut],
    summary="Activities in start order (public; default: those not yet ended)",
)
async def list_activities(
    session: Session,
    now: Now,
    organisation: IdFilter = None,
    field: FieldCode = None,
    target_group: TargetGroupFilter = None,
    from_: Annotated[
        date | None, Query(alias="from", description="Ending on or after this day (UTC)")
    ] = None,
    to: Annotated[date | None, Query(description="Starting on or before this day (UTC)")] = None,
    status: Literal["announced", "cancelled"] = "announced",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ActivityOut]:
    rows, nxt = await directory.list_activities(
        session,
        organisation=organisation,
        field=field,
        target_group=target_group,
        from_=from_,
        to=to,
        status=status,
        now=now,
        cursor=cursor,
        limit=limit,
    )
    return Page[ActivityOut](items=await directory.activities_out(session, rows), next_cursor=nxt)


@router.get("/activities/{activity_id}", tags=["activities"], response_model=ActivityOut)
async def get_activity(session: Session, activity_id: str) -> JSONResponse:
    """One activity (public), with its ETag."""
    activity = await get_or_404(session, Activity, activity_id, "activity")
    return with_etag(await _one(session, activity), activity.version)


@router.post(
    "/activities",
    tags=["activities"],
    status_code=201,
    response_model=ActivityOut,
    summary="Announce an activity in your own name (referrals:write; Idempotency-Key supported)",
)
async def create_activity(
    request: Request,
    session: Session,
    body: ActivityCreate,
    principal: Party,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Stores the activity and, in the same transaction, sends ``referrals.activity.announced``
    to each organisation whose fields or target groups overlap (``announced_to``)."""

    async def create() -> dict[str, Any]:
        activity = await directory.create_activity(session, body, principal, now)
        return (await _one(session, activity)).model_dump(mode="json")

    return await create_idempotently(request, session, principal, idempotency_key, body, create)


@router.patch(
    "/activities/{activity_id}",
    tags=["activities"],
    response_model=ActivityOut,
    summary="Change your activity (If-Match required)",
    responses=_CHANGE_RESPONSES,
)
async def update_activity(
    session: Session,
    activity_id: str,
    body: ActivityUpdate,
    principal: Party,
    now: Now,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Organisations that overlap only after the change (new fields or target groups) are
    told; nobody is told twice."""
    activity = await directory.update_activity(session, activity_id, body, principal, if_match, now)
    return with_etag(await _one(session, activity), activity.version)


@router.post(
    "/activities/{activity_id}/cancel",
    tags=["activities"],
    response_model=ActivityOut,
    summary="Cancel your activity (If-Match required)",
    responses=_CHANGE_RESPONSES,
)
async def cancel_activity(
    session: Session, activity_id: str, principal: Party, now: Now, if_match: IfMatch = None
) -> JSONResponse:
    activity = await directory.cancel_activity(session, activity_id, principal, if_match, now)
    return with_etag(await _one(session, activity), activity.version)
