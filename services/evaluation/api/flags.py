"""Evaluation API: §4.3 flags and funders' "no longer relevant" marks.

Flags and marks are public (the evidence is published accounts and funders' stated reasons).
A mark needs ``evaluation:write`` and, §4.3 with §1 (``rules.authority``), a grant in force to
the cluster or responsibility for it; only its author withdraws it, which lifts the flags that
rested on it alone.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from services.evaluation.api.common import PREFIX, Cursor, Limit, Session
from services.evaluation.models import idempotency_keys
from services.evaluation.schemas.flags import FlagOut, RelevanceIn, RelevanceMarkOut
from services.evaluation.service import flags as service
from shared import idempotency
from shared.auth import Principal, require_scope
from shared.dependencies import Today
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix=PREFIX, tags=["flags"])
Funder = Annotated[Principal, Depends(require_scope("evaluation:write"))]
IdempotencyKey = Annotated[
    str | None, Header(description="Repeat a creating POST safely: a retry gets the first answer")
]
ClusterFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


@router.get("/flags", response_model=Page[FlagOut], summary="Flags raised (public)")
async def list_flags(
    session: Session,
    cluster: ClusterFilter = None,
    year: Annotated[int | None, Query(ge=2000, le=2999, description="Account year")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[FlagOut]:
    """Oldest first; filter by `cluster` and by the account `year` a performance flag rests on
    (relevance flags have no year)."""
    rows, nxt = await service.list_flags(
        session, cluster=cluster, year=year, cursor=cursor, limit=limit
    )
    return Page[FlagOut](items=[service.flag_out(f) for f in rows], next_cursor=nxt)


@router.post(
    "/clusters/{cluster_id}/relevance",
    status_code=201,
    response_model=RelevanceMarkOut,
    summary="Mark a cluster no longer relevant (its funder or a responsible party; flags at once)",
    responses={
        403: {"description": "Not a funder with a grant in force nor a responsible party"},
        409: {"description": "You have a standing mark on this cluster"},
    },
)
async def mark_not_relevant(
    request: Request,
    session: Session,
    cluster_id: str,
    body: RelevanceIn,
    principal: Funder,
    today: Today,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """§4.3: a cluster no longer relevant should lose public support. Only a funder with a
    grant in force to the cluster or a party responsible for it under §1 says so (else 403
    naming the rule and who may act). The mark (with its reason) raises
    `evaluation.cluster.flagged` with rule `no_longer_relevant` at once."""

    async def create() -> dict[str, Any]:
        mark = await service.mark_not_relevant(session, cluster_id, body, principal, today)
        return service.mark_out(mark).model_dump(mode="json")

    return await idempotency.create_once(
        request, session, idempotency_keys, principal, idempotency_key, body, create
    )


@router.get(
    "/clusters/{cluster_id}/relevance",
    response_model=list[RelevanceMarkOut],
    summary="Funders' relevance marks on a cluster, standing and withdrawn (public)",
)
async def list_marks(session: Session, cluster_id: str) -> list[RelevanceMarkOut]:
    return [service.mark_out(m) for m in await service.list_marks(session, cluster_id)]


@router.get(
    "/clusters/{cluster_id}/relevance/{mark_id}",
    response_model=RelevanceMarkOut,
    summary="One relevance mark (public)",
)
async def get_mark(session: Session, cluster_id: str, mark_id: str) -> RelevanceMarkOut:
    return service.mark_out(await service.get_mark(session, cluster_id, mark_id))


@router.post(
    "/clusters/{cluster_id}/relevance/{mark_id}/withdraw",
    response_model=RelevanceMarkOut,
    summary="Withdraw your own relevance mark (lifts the flags that rested on it alone)",
    responses={403: {"description": "Not your mark"}, 409: {"description": "Already withdrawn"}},
)
async def withdraw_mark(
    session: Session, cluster_id: str, mark_id: str, principal: Funder
) -> RelevanceMarkOut:
    """A flag whose every mark is withdrawn is lifted (`state` `lifted`, §4.3) and
    `evaluation.cluster.flag_lifted` is recorded; the flag stays in the list as history."""
    return service.mark_out(await service.withdraw_mark(session, cluster_id, mark_id, principal))
