"""Coordinated-financing agreements with every named party's consent (§3).

Agreements are public records, with their state and each party's answer. A named party
proposes one (``POST /agreements``); each other named party confirms or declines it; it is
in force — and counts in the coordination findings — only once every one has confirmed. Any
named party may withdraw a proposal or an agreement in force. Others are refused (403,
``rules/authority.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.funding.api.common import (
    PREFIX,
    Funder,
    IdempotencyKey,
    Session,
    create_idempotently,
)
from services.funding.models import Agreement
from services.funding.schemas.grants import AgreementAnswerIn, AgreementCreate, AgreementOut
from services.funding.service import agreements
from shared.dependencies import Today
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix=PREFIX)
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
OrgFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]
State = Literal["proposed", "in_force", "declined", "withdrawn"]
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No bearer token"},
    403: {"description": "Not a party (problem names the rule and who may act), or no scope"},
    404: {"description": "No such agreement"},
    409: {"description": "Not pending / not withdrawable in its current state"},
}


def agreement_out(agreement: Agreement) -> AgreementOut:
    return AgreementOut.model_validate(
        {
            **{c: getattr(agreement, c) for c in AgreementOut.model_fields if c != "waiting_for"},
            "waiting_for": agreements.waiting_for(agreement),
        }
    )


@router.get("/agreements", tags=["agreements"], response_model=Page[AgreementOut])
async def list_agreements(
    session: Session,
    party: OrgFilter = None,
    cluster: OrgFilter = None,
    state: State | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[AgreementOut]:
    """Coordinated-financing agreements (public records of §3 coordination), with their state
    and each named party's answer."""
    shown, nxt = await agreements.agreements_page(session, party, cluster, cursor, limit, state)
    return Page[AgreementOut](items=[agreement_out(a) for a in shown], next_cursor=nxt)


@router.get("/agreements/{agreement_id}", tags=["agreements"], response_model=AgreementOut)
async def get_agreement(session: Session, agreement_id: str) -> AgreementOut:
    return agreement_out(await agreements.get_agreement(session, agreement_id))


@router.post(
    "/agreements",
    tags=["agreements"],
    status_code=201,
    response_model=AgreementOut,
    summary="Propose an agreement you are a party to; in force once every party confirmed",
    responses=REFUSALS,
)
async def propose_agreement(
    request: Request,
    session: Session,
    body: AgreementCreate,
    principal: Funder,
    today: Today,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        agreement = await agreements.propose_agreement(session, body, principal, today)
        return agreement_out(agreement).model_dump(mode="json")

    return await create_idempotently(request, session, principal, idempotency_key, body, create)


@router.post(
    "/agreements/{agreement_id}/confirm",
    tags=["agreements"],
    response_model=AgreementOut,
    summary="Confirm a proposal naming you (funding:write); the last confirmation brings it "
    "into force",
    responses=REFUSALS,
)
async def confirm_agreement(
    session: Session,
    agreement_id: str,
    principal: Funder,
    body: AgreementAnswerIn | None = None,
) -> AgreementOut:
    data = body or AgreementAnswerIn()
    return agreement_out(
        await agreements.answer_agreement(session, agreement_id, "confirm", data, principal)
    )


@router.post(
    "/agreements/{agreement_id}/decline",
    tags=["agreements"],
    response_model=AgreementOut,
    summary="Decline a proposal naming you (funding:write); it never comes into force",
    responses=REFUSALS,
)
async def decline_agreement(
    session: Session,
    agreement_id: str,
    principal: Funder,
    body: AgreementAnswerIn | None = None,
) -> AgreementOut:
    data = body or AgreementAnswerIn()
    return agreement_out(
        await agreements.answer_agreement(session, agreement_id, "decline", data, principal)
    )


@router.post(
    "/agreements/{agreement_id}/withdraw",
    tags=["agreements"],
    response_model=AgreementOut,
    summary="Withdraw a proposal or an agreement in force you are a party to (funding:write)",
    responses=REFUSALS,
)
async def withdraw_agreement(
    session: Session,
    agreement_id: str,
    principal: Funder,
    body: AgreementAnswerIn | None = None,
) -> AgreementOut:
    data = body or AgreementAnswerIn()
    return agreement_out(
        await agreements.withdraw_agreement(session, agreement_id, data, principal)
    )
