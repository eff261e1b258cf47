"""Joint events (§5 "fælles arrangementer for fælles SMV-målgrupper").

A party proposes an event for a shared target group to another party. Only the two of them
see the proposal (a token is needed; anyone else gets 404). The partner accepts — the event is
announced as an activity hosted by both and ``referrals.joint_event.agreed`` is published —
or declines with a reason; the proposer may withdraw it. Every transition needs If-Match;
only a proposal can move (409 otherwise).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.referrals.api.common import (
    PREFIX,
    Cursor,
    IdempotencyKey,
    IfMatch,
    Limit,
    Party,
    Session,
    create_idempotently,
)
from services.referrals.models import JointEvent
from services.referrals.schemas.joint_events import (
    JointEventCreate,
    JointEventDecline,
    JointEventOut,
    JointEventState,
)
from services.referrals.service import joint_events as service
from shared.dependencies import Now
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix=PREFIX)

_TRANSITION_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "You are not the party who may do this"},
    404: {"description": "No such joint event of yours"},
    409: {"description": "The joint event is no longer a proposal"},
    412: {"description": "Stale If-Match"},
    428: {"description": "If-Match missing"},
}


def joint_out(joint: JointEvent) -> JointEventOut:
    return JointEventOut.model_validate(joint, from_attributes=True)


@router.get(
    "/joint-events",
    tags=["joint events"],
    response_model=Page[JointEventOut],
    summary="Joint events you proposed or were asked to co-host",
)
async def list_joint_events(
    session: Session,
    principal: Party,
    state: JointEventState | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[JointEventOut]:
    rows, nxt = await service.list_joint_events(session, principal, state, cursor, limit)
    return Page[JointEventOut](items=[joint_out(j) for j in rows], next_cursor=nxt)


@router.get(
    "/joint-events/{joint_event_id}",
    tags=["joint events"],
    response_model=JointEventOut,
    responses={404: {"description": "No such joint event of yours"}},
)
async def get_joint_event(session: Session, joint_event_id: str, principal: Party) -> JSONResponse:
    """One joint event, to its proposer or partner, with its ETag."""
    joint = await service.visible(session, joint_event_id, principal)
    return with_etag(joint_out(joint), joint.version)


@router.post(
    "/joint-events",
    tags=["joint events"],
    status_code=201,
    response_model=JointEventOut,
    summary="Propose a joint event to another party (referrals:write; Idempotency-Key)",
)
async def propose_joint_event(
    request: Request,
    session: Session,
    body: JointEventCreate,
    principal: Party,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        joint = await service.propose(session, body, principal, now)
        return joint_out(joint).model_dump(mode="json")

    return await create_idempotently(request, session, principal, idempotency_key, body, create)


@router.post(
    "/joint-events/{joint_event_id}/accept",
    tags=["joint events"],
    response_model=JointEventOut,
    summary="Accept a proposal made to you: it is announced as an activity with both hosts",
    responses=_TRANSITION_RESPONSES,
)
async def accept_joint_event(
    session: Session,
    joint_event_id: str,
    principal: Party,
    now: Now,
    if_match: IfMatch = None,
) -> JSONResponse:
    joint = await service.accept(session, joint_event_id, principal, if_match, now)
    return with_etag(joint_out(joint), joint.version)


@router.post(
    "/joint-events/{joint_event_id}/decline",
    tags=["joint events"],
    response_model=JointEventOut,
    summary="Decline a proposal made to you, with a reason",
    responses=_TRANSITION_RESPONSES,
)
async def decline_joint_event(
    session: Session,
    joint_event_id: str,
    body: JointEventDecline,
    principal: Party,
    now: Now,
    if_match: IfMatch = None,
) -> JSONResponse:
    joint = await service.decline(session, joint_event_id, body, principal, if_match, now)
    return with_etag(joint_out(joint), joint.version)


@router.post(
    "/joint-events/{joint_event_id}/withdraw",
    tags=["joint events"],
    response_model=JointEventOut,
    summary="Withdraw your own proposal",
    responses=_TRANSITION_RESPONSES,
)
async def withdraw_joint_event(
    session: Session,
    joint_event_id: str,
    principal: Party,
    now: Now,
    if_match: IfMatch = None,
) -> JSONResponse:
    joint = await service.withdraw(session, joint_event_id, principal, if_match, now)
    return with_etag(joint_out(joint), joint.version)
