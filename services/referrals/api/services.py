"""Services in the directory (§5: the parties must know each other's offers) and their Open
Referral HSDS 3.0 export.

Reading is public (no token): the directory is for everyone who helps firms. A party
(``referrals:write``) publishes services in its own name and only it changes them; a service
ends with status ``defunct`` (there is no delete). The contact point of a service is the
organisation's (a function mailbox or switchboard), never a person.
"""

from __future__ import annotations

from typing import Annotated, Any

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
from services.referrals.models import OfferedService
from services.referrals.rules.vocabulary import ServiceStatus, TargetGroup
from services.referrals.schemas.directory import ServiceCreate, ServiceOut, ServiceUpdate
from services.referrals.schemas.hsds import HsdsOrganization, HsdsPage, HsdsService
from services.referrals.service import directory, hsds
from shared.dependencies import Now
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from shared.queries import get_or_404
from shared.reference.fields import field_by_code
from shared.validation import MunicipalityCode

router = APIRouter(prefix=PREFIX)

FieldCode = Annotated[
    str | None,
    Query(
        pattern=f"^({'|'.join(field_by_code())})$",
        description="A field code (GET /registry/v1/fields)",
    ),
]
TargetGroupFilter = Annotated[TargetGroup | None, Query()]
MunicipalityFilter = Annotated[
    MunicipalityCode | None,
    Query(description="Services that serve this municipality: national, its region, or it"),
]
_CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not your organisation's service"},
    409: {"description": "The service is defunct"},
    412: {"description": "Stale If-Match"},
    428: {"description": "If-Match missing"},
}


async def _one(session: Session, service: OfferedService) -> ServiceOut:
    [out] = await directory.services_out(session, [service])
    return out


@router.get(
    "/services",
    tags=["services"],
    response_model=Page[ServiceOut],
    summary="Services in the directory (public)",
)
async def list_services(
    session: Session,
    organisation: IdFilter = None,
    field: FieldCode = None,
    target_group: TargetGroupFilter = None,
    municipality: MunicipalityFilter = None,
    status: ServiceStatus = "active",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ServiceOut]:
    rows, nxt = await directory.list_services(
        session,
        organisation=organisation,
        field=field,
        target_group=target_group,
        municipality=municipality,
        status=status,
        cursor=cursor,
        limit=limit,
    )
    return Page[ServiceOut](items=await directory.services_out(session, rows), next_cursor=nxt)


@router.get("/services/{service_id}", tags=["services"], response_model=ServiceOut)
async def get_service(session: Session, service_id: str) -> JSONResponse:
    """One service (public), with its ETag."""
    service = await get_or_404(session, OfferedService, service_id, "service")
    return with_etag(await _one(session, service), service.version)


@router.post(
    "/services",
    tags=["services"],
    status_code=201,
    response_model=ServiceOut,
    summary="Publish a service in your own name (referrals:write; Idempotency-Key supported)",
)
async def create_service(
    request: Request,
    session: Session,
    body: ServiceCreate,
    principal: Party,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        service = await directory.create_service(session, body, principal, now)
        return (await _one(session, service)).model_dump(mode="json")

    return await create_idempotently(request, session, principal, idempotency_key, body, create)


@router.patch(
    "/services/{service_id}",
    tags=["services"],
    response_model=ServiceOut,
    summary="Change your service, its status included (If-Match required)",
    responses=_CHANGE_RESPONSES,
)
async def update_service(
    session: Session,
    service_id: str,
    body: ServiceUpdate,
    principal: Party,
    now: Now,
    if_match: IfMatch = None,
) -> JSONResponse:
    service = await directory.update_service(session, service_id, body, principal, if_match, now)
    return with_etag(await _one(session, service), service.version)


# --- HSDS export ----------------------------------------------------------------------------


HsdsPageNumber = Annotated[int, Query(ge=1, description="The page, from 1 (HSDS `page`)")]
HsdsPerPage = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description="How many to a page (HSDS `per_page`)")
]


@router.get(
    "/hsds/services",
    tags=["hsds"],
    response_model=HsdsPage[HsdsService],
    response_model_exclude_none=True,
    summary="The services as Open Referral HSDS 3.0 service objects (public open data)",
)
async def hsds_services(
    session: Session,
    status: Annotated[ServiceStatus | None, Query(description="Default: every status")] = None,
    page: HsdsPageNumber = 1,
    per_page: HsdsPerPage = DEFAULT_LIMIT,
) -> HsdsPage[HsdsService]:
    """Each item in ``contents`` is an HSDS 3.0 ``service`` with its ``organization``,
    ``service_areas``, ``languages`` and the organisation's contact point; fields of strength
    and target groups are under ``x-klyngeforum``. The answer is an HSDS API page
    (``total_items``, ``total_pages``, ``page_number``, ``size``, ``first_page``,
    ``last_page``, ``empty``, ``contents``). Ids are UUIDs derived from the Klyngeforum ids
    (uuid5; the Klyngeforum id is ``x-klyngeforum.id``)."""
    return await hsds.services_page(session, status, page, per_page)


@router.get(
    "/hsds/organizations",
    tags=["hsds"],
    response_model=HsdsPage[HsdsOrganization],
    response_model_exclude_none=True,
    summary="The party organisations as Open Referral HSDS 3.0 organization objects (public)",
)
async def hsds_organizations(
    session: Session, page: HsdsPageNumber = 1, per_page: HsdsPerPage = DEFAULT_LIMIT
) -> HsdsPage[HsdsOrganization]:
    """An HSDS API page of ``organization`` objects: every growth house, business service,
    cluster organisation and municipality in the exchange, by Klyngeforum id."""
    return await hsds.organizations_page(session, page, per_page)
