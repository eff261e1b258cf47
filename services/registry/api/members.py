"""Member endpoints: reads are public; writes only by the cluster organisation itself."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from services.registry.api.common import PREFIX, Caller, Config, IdempotencyKey, Session
from services.registry.models import Member, idempotency_keys
from services.registry.schemas.clusters import MemberIn, MemberKind, MemberOut
from services.registry.service import members as member_service
from shared import idempotency
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix=PREFIX, tags=["clusters"])


def member_out(m: Member) -> MemberOut:
    return MemberOut(
        id=m.id,
        kind=m.kind,
        name=m.name,
        cvr=m.cvr,
        municipality_code=m.municipality_code,  # type: ignore[arg-type]
        employees=m.employees,
        joined_on=m.joined_on,
    )


@router.get(
    "/clusters/{cluster_id}/members", response_model=Page[MemberOut], summary="Members (public)"
)
async def list_members(
    session: Session,
    cluster_id: str,
    kind: MemberKind | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[MemberOut]:
    rows, next_cursor = await member_service.list_members(
        session, cluster_id, kind=kind, cursor=cursor, limit=limit
    )
    return Page[MemberOut](items=[member_out(m) for m in rows], next_cursor=next_cursor)


@router.post(
    "/clusters/{cluster_id}/members",
    status_code=201,
    response_model=MemberOut,
    summary="Add a member (the cluster organisation itself)",
)
async def add_member(
    request: Request,
    session: Session,
    cluster_id: str,
    body: MemberIn,
    principal: Caller,
    config: Config,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        member = await member_service.add_member(session, cluster_id, body, principal, config)
        return member_out(member).model_dump(mode="json")

    return await idempotency.create_once(
        request, session, idempotency_keys, principal, idempotency_key, body, create
    )


@router.put(
    "/clusters/{cluster_id}/members/{member_id}",
    response_model=MemberOut,
    summary="Replace a member's data (the cluster organisation itself)",
)
async def replace_member(
    session: Session,
    cluster_id: str,
    member_id: str,
    body: MemberIn,
    principal: Caller,
    config: Config,
) -> MemberOut:
    member = await member_service.replace_member(
        session, cluster_id, member_id, body, principal, config
    )
    return member_out(member)


@router.delete(
    "/clusters/{cluster_id}/members/{member_id}",
    status_code=204,
    summary="Remove a member (the cluster organisation itself)",
)
async def remove_member(
    session: Session, cluster_id: str, member_id: str, principal: Caller, config: Config
) -> Response:
    await member_service.remove_member(session, cluster_id, member_id, principal, config)
    return Response(status_code=204)
