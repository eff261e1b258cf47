"""Grants and the 360Giving export.

Grants are public records (no personal data) and so is their 360Giving export. Only a funder
awards a grant, in its own name, and only the grant's funder amends and terminates it
(``rules/authority.py``). Agreements are in ``api/agreements.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.funding.api.common import (
    PREFIX,
    Funder,
    IdempotencyKey,
    IfMatch,
    Session,
    create_idempotently,
)
from services.funding.models import Grant
from services.funding.schemas.grants import (
    GrantCreate,
    GrantOut,
    GrantTerminate,
    GrantUpdate,
)
from services.funding.service import grants
from shared.dependencies import Today
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix=PREFIX)
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
OrgFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


def grant_out(grant: Grant) -> GrantOut:
    return GrantOut.model_validate(grant, from_attributes=True)


@router.get("/grants", tags=["grants"], response_model=Page[GrantOut])
async def list_grants(
    session: Session,
    funder: OrgFilter = None,
    cluster: OrgFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[GrantOut]:
    """Grants (public); filter by `funder` or by recipient `cluster`."""
    rows, nxt = await grants.grants_page(session, funder, cluster, cursor, limit)
    return Page[GrantOut](items=[grant_out(g) for g in rows], next_cursor=nxt)


@router.get("/grants/{grant_id}", tags=["grants"], response_model=GrantOut)
async def get_grant(session: Session, grant_id: str) -> JSONResponse:
    grant = await grants.get_grant(session, grant_id)
    return with_etag(grant_out(grant), grant.version)


@router.post(
    "/grants",
    tags=["grants"],
    status_code=201,
    response_model=GrantOut,
    summary="Award a grant in your own name (funding:write; Idempotency-Key supported)",
)
async def award_grant(
    request: Request,
    session: Session,
    body: GrantCreate,
    principal: Funder,
    today: Today,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        grant = await grants.award_grant(session, body, principal, today)
        return grant_out(grant).model_dump(mode="json")

    return await create_idempotently(request, session, principal, idempotency_key, body, create)


@router.patch(
    "/grants/{grant_id}",
    tags=["grants"],
    response_model=GrantOut,
    summary="Amend your grant (If-Match required)",
    responses={412: {"description": "Stale If-Match"}, 428: {"description": "If-Match missing"}},
)
async def amend_grant(
    session: Session, grant_id: str, body: GrantUpdate, principal: Funder, if_match: IfMatch = None
) -> JSONResponse:
    grant = await grants.amend_grant(session, grant_id, body, principal, if_match)
    return with_etag(grant_out(grant), grant.version)


@router.post(
    "/grants/{grant_id}/terminate",
    tags=["grants"],
    response_model=GrantOut,
    summary="End your grant early (If-Match required)",
)
async def terminate_grant(
    session: Session,
    grant_id: str,
    body: GrantTerminate,
    principal: Funder,
    if_match: IfMatch = None,
) -> JSONResponse:
    grant = await grants.terminate_grant(session, grant_id, body, principal, if_match)
    return with_etag(grant_out(grant), grant.version)


# --- export ---------------------------------------------------------------------------------


@router.get(
    "/exports/360giving.json",
    tags=["exports"],
    summary="All grants in the 360Giving Data Standard JSON shape (public open data)",
)
async def export_360giving(session: Session) -> dict[str, Any]:
    return await grants.giving360(session)
