"""Programmes, calls, dialogue requests and the cluster read model.

Reads of programmes, calls and clusters are public. Writes need ``funding:write`` and act as
the caller's own organisation: a funder plans and moves only its own calls. Dialogue requests
are seen by the party they are addressed to and by the call's funder.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.api.common import (
    PREFIX,
    Answerer,
    Config,
    Funder,
    IdempotencyKey,
    IfMatch,
    Session,
    create_idempotently,
)
from services.funding.models import Call, DialogueRequest
from services.funding.schemas.calls import (
    CallCreate,
    CallDialogueOut,
    CallOut,
    CallState,
    CancelIn,
    CriteriaPublish,
    DialogueAnswerIn,
    DialogueAnswerView,
    DialogueOmissionOut,
    DialogueRequestOut,
    DialogueSummary,
    ProgrammeCreate,
    ProgrammeOut,
)
from services.funding.schemas.grants import FundingClusterOut
from services.funding.service import calls, clusters, programmes
from shared.auth import Principal, current_principal
from shared.dependencies import Today
from shared.errors import Problem
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix=PREFIX)
Caller = Annotated[Principal, Depends(current_principal)]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
OrgFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]

# --- programmes -----------------------------------------------------------------------------


@router.get("/programmes", tags=["programmes"], response_model=Page[ProgrammeOut])
async def list_programmes(
    session: Session, funder: OrgFilter = None, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[ProgrammeOut]:
    """Programmes of every funder (public); `funder` narrows to one."""
    rows, nxt = await programmes.programmes_page(session, funder, cursor, limit)
    return Page[ProgrammeOut](
        items=[ProgrammeOut.model_validate(r, from_attributes=True) for r in rows], next_cursor=nxt
    )


@router.get("/programmes/{programme_id}", tags=["programmes"], response_model=ProgrammeOut)
async def get_programme(session: Session, programme_id: str) -> ProgrammeOut:
    prog = await programmes.get_programme(session, programme_id)
    return ProgrammeOut.model_validate(prog, from_attributes=True)


@router.post(
    "/programmes",
    tags=["programmes"],
    status_code=201,
    response_model=ProgrammeOut,
    summary="Set up a programme of your own (funding:write; you are the funder)",
)
async def create_programme(
    request: Request,
    session: Session,
    body: ProgrammeCreate,
    principal: Funder,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        prog = await programmes.create_programme(session, body, principal)
        out = ProgrammeOut.model_validate(prog, from_attributes=True).model_dump(mode="json")
        return out

    return await create_idempotently(request, session, principal, idempotency_key, body, create)


# --- calls ----------------------------------------------------------------------------------


async def call_out(session: AsyncSession, call: Call) -> CallOut:
    requests = await calls.dialogue_requests_of(session, call.id)
    status = calls.dialogue_status(call, requests)
    dialogue = (
        DialogueSummary(
            deadline=call.dialogue_deadline,
            parties=[r.recipient_id for r in requests],
            answered=list(status.answered),
            unanswered=list(status.unanswered),
            closed_at=call.dialogue_closed_at,
        )
        if status
        else None
    )
    return CallOut.model_validate(
        {
            **{c: getattr(call, c) for c in CallOut.model_fields if hasattr(call, c)},
            "criteria_published": call.criteria_published_at is not None,
            "dialogue": dialogue,
            "dialogue_omissions": call.dialogue_omissions or [],
        }
    )


@router.get("/calls", tags=["calls"], response_model=Page[CallOut])
async def list_calls(
    session: Session,
    funder: OrgFilter = None,
    state: CallState | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CallOut]:
    """Calls of every funder (public), with their dialogue's progress."""
    rows, nxt = await calls.calls_page(session, funder, state, cursor, limit)
    return Page[CallOut](items=[await call_out(session, c) for c in rows], next_cursor=nxt)


@router.get("/calls/{call_id}", tags=["calls"], response_model=CallOut)
async def get_call(session: Session, call_id: str) -> JSONResponse:
    call = await calls.get_call(session, call_id)
    return with_etag(await call_out(session, call), call.version)


@router.post(
    "/calls",
    tags=["calls"],
    status_code=201,
    response_model=CallOut,
    summary="Plan a call; a strategic or base-funding call starts the §3 dialogue",
)
async def plan_call(
    request: Request,
    session: Session,
    body: CallCreate,
    principal: Funder,
    config: Config,
    today: Today,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        call = await calls.plan_call(session, body, principal, config, today)
        out = (await call_out(session, call)).model_dump(mode="json")
        return out

    return await create_idempotently(request, session, principal, idempotency_key, body, create)


@router.post(
    "/calls/{call_id}/criteria/publish",
    tags=["calls"],
    response_model=CallOut,
    summary="Publish the award criteria (weights sum to 100); once, If-Match required",
)
async def publish_criteria(
    session: Session,
    call_id: str,
    body: CriteriaPublish,
    principal: Funder,
    if_match: IfMatch = None,
) -> JSONResponse:
    call = await calls.publish_criteria(session, call_id, body, principal, if_match)
    return with_etag(await call_out(session, call), call.version)


async def _move(
    session: AsyncSession,
    call_id: str,
    action: str,
    principal: Principal,
    today: object,
    if_match: str | None,
    reason: str | None = None,
) -> JSONResponse:
    call = await calls.move_call(session, call_id, action, principal, today, if_match, reason)  # type: ignore[arg-type]
    return with_etag(await call_out(session, call), call.version)


@router.post("/calls/{call_id}/open", tags=["calls"], response_model=CallOut)
async def open_call(
    session: Session, call_id: str, principal: Funder, today: Today, if_match: IfMatch = None
) -> JSONResponse:
    """Open for applications: criteria published, and the dialogue answered or past its
    deadline (409 says which is missing). If-Match is optional on state moves."""
    return await _move(session, call_id, "open", principal, today, if_match)


@router.post("/calls/{call_id}/close", tags=["calls"], response_model=CallOut)
async def close_call(
    session: Session, call_id: str, principal: Funder, today: Today, if_match: IfMatch = None
) -> JSONResponse:
    return await _move(session, call_id, "close", principal, today, if_match)


@router.post("/calls/{call_id}/decide", tags=["calls"], response_model=CallOut)
async def decide_call(
    session: Session, call_id: str, principal: Funder, today: Today, if_match: IfMatch = None
) -> JSONResponse:
    return await _move(session, call_id, "decide", principal, today, if_match)


@router.post("/calls/{call_id}/cancel", tags=["calls"], response_model=CallOut)
async def cancel_call(
    session: Session,
    call_id: str,
    principal: Funder,
    today: Today,
    body: CancelIn | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    return await _move(
        session, call_id, "cancel", principal, today, if_match, body.reason if body else None
    )


# --- dialogue -------------------------------------------------------------------------------


async def request_out(session: AsyncSession, req: DialogueRequest) -> DialogueRequestOut:
    call = await calls.call_of(session, req)
    return DialogueRequestOut(
        id=req.id,
        call_id=req.call_id,
        call_title=call.title,
        funder_id=call.funder_id,
        recipient_id=req.recipient_id,
        deadline=req.deadline,
        answered=req.answered_at is not None,
        answered_at=req.answered_at,
        comment=req.comment,
        co_financing_dkk=req.co_financing_dkk,
        cluster_ids=list(req.cluster_ids),
        created_at=req.created_at,
    )


@router.get("/dialogue-requests", tags=["dialogue"], response_model=Page[DialogueRequestOut])
async def list_dialogue_requests(
    session: Session,
    principal: Caller,
    call_id: OrgFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[DialogueRequestOut]:
    """Requests addressed to you, and every request on calls you fund."""
    rows, nxt = await calls.dialogue_requests_page(session, principal, call_id, cursor, limit)
    return Page[DialogueRequestOut](
        items=[await request_out(session, r) for r in rows], next_cursor=nxt
    )


@router.get("/dialogue-requests/{request_id}", tags=["dialogue"], response_model=DialogueRequestOut)
async def get_dialogue_request(
    session: Session, request_id: str, principal: Caller
) -> DialogueRequestOut:
    req = await calls.get_dialogue_request(session, request_id)
    out = await request_out(session, req)
    if principal.organisation_id not in (out.recipient_id, out.funder_id):
        raise Problem(
            403,
            "not-your-request",
            "A dialogue request is seen by the party it is addressed to and the call's funder.",
        )
    return out


@router.post(
    "/dialogue-requests/{request_id}/answer",
    tags=["dialogue"],
    response_model=DialogueRequestOut,
    summary="Answer a request addressed to you (once): comment, co-financing, clusters",
)
async def answer_dialogue_request(
    session: Session, request_id: str, body: DialogueAnswerIn, principal: Answerer
) -> DialogueRequestOut:
    req = await calls.answer_dialogue(session, request_id, body, principal)
    return await request_out(session, req)


@router.get(
    "/calls/{call_id}/dialogue",
    tags=["dialogue"],
    response_model=CallDialogueOut,
    summary="A call's §3 dialogue: every consulted party sees every answer once given",
    responses={401: {"description": "No token"}, 403: {"description": "Not consulted"}},
)
async def get_call_dialogue(session: Session, call_id: str, principal: Caller) -> CallDialogueOut:
    """For the call's funder and every party it consulted: who was asked, who was omitted and
    why, and each answer (comment, intended co-financing, clusters) once given."""
    call = await calls.call_dialogue(session, call_id, principal)
    requests = await calls.dialogue_requests_of(session, call.id)
    return CallDialogueOut(
        call_id=call.id,
        funder_id=call.funder_id,
        deadline=call.dialogue_deadline,
        closed_at=call.dialogue_closed_at,
        parties=[
            DialogueAnswerView(
                request_id=r.id,
                party_id=r.recipient_id,
                answered=r.answered_at is not None,
                answered_at=r.answered_at,
                comment=r.comment,
                co_financing_dkk=r.co_financing_dkk,
                cluster_ids=list(r.cluster_ids),
            )
            for r in requests
        ],
        omissions=[DialogueOmissionOut(**o) for o in call.dialogue_omissions or []],
    )


# --- read model -----------------------------------------------------------------------------


@router.get("/clusters", tags=["clusters"], response_model=Page[FundingClusterOut])
async def list_clusters(
    session: Session, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[FundingClusterOut]:
    """Clusters as this service knows them from registry events (public)."""
    rows, nxt = await clusters.clusters_page(session, cursor, limit)
    return Page[FundingClusterOut](
        items=[FundingClusterOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=nxt,
    )


@router.get("/clusters/{cluster_id}", tags=["clusters"], response_model=FundingClusterOut)
async def get_cluster(session: Session, cluster_id: str) -> FundingClusterOut:
    cluster = await clusters.get_cluster(session, cluster_id)
    return FundingClusterOut.model_validate(cluster, from_attributes=True)
