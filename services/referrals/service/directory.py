"""The directory (§5): services, and what services and activities share. Never commits.

Every write of a service or an activity sets ``search_terms`` (the stems of its name/title,
description, the Danish and English names of its fields and the labels of its target groups)
and takes the next ``change_seq``, so the match index of every replica refreshes in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import Activity, OfferedService
from services.referrals.rules import authority
from services.referrals.rules.text import index_terms
from services.referrals.rules.vocabulary import TARGET_GROUPS
from services.referrals.schemas.directory import (
    OrganisationRef,
    ServiceCreate,
    ServiceOut,
    ServiceUpdate,
    check_area,
)
from services.referrals.service.common import (
    next_change_seq,
    org_places,
    require_acting_party,
)
from shared.auth import Principal
from shared.errors import Problem
from shared.etag import require_if_match
from shared.queries import get_or_404, new_id, page
from shared.reference import region_of_municipality
from shared.reference.fields import field_by_code

# --- shared pieces ---------------------------------------------------------------------------


def lists(column: Any, code: str) -> Any:
    """SQL: the JSON list ``column`` holds ``code`` (works on SQLite and PostgreSQL: the stored
    JSON text contains the quoted code)."""
    return cast(column, String).contains(f'"{code}"', autoescape=True)


def search_terms(name: str, description: str, fields: Sequence[str], targets: Sequence[str]) -> str:
    """What ``search_terms`` holds (the match index reads it; keep it exactly so)."""
    field_names = [n for f in fields for n in _field_names(f)]
    target_labels = [label for t in targets for label in TARGET_GROUPS.get(t, ())]
    return index_terms(name, description, *field_names, *target_labels)


def _field_names(code: str) -> tuple[str, ...]:
    found = field_by_code().get(code)
    return (found.name_da, found.name_en) if found else ()


def own_organisation(principal: Principal, organisation_id: str | None, what: str) -> str:
    """A party acts only in its own name: naming another organisation is refused (403,
    ``rules.authority.check_own_name``, §5)."""
    return authority.check_own_name(principal.organisation_id, organisation_id, what)


async def org_refs(session: AsyncSession, ids: Iterable[str]) -> dict[str, OrganisationRef]:
    """Name, kind and place of many organisations at once (service.common.org_places)."""
    places = await org_places(session, ids)
    return {
        id_: OrganisationRef(
            id=id_,
            name=p.name,
            kind=p.kind,
            municipality_code=p.municipality_code,
            region_code=p.region_code,
        )
        for id_, p in places.items()
    }


# --- services --------------------------------------------------------------------------------


async def services_out(session: AsyncSession, rows: Sequence[OfferedService]) -> list[ServiceOut]:
    refs = await org_refs(session, (s.organisation_id for s in rows))
    return [
        ServiceOut.model_validate(
            {**columns(s), "organisation": refs[s.organisation_id]}, from_attributes=True
        )
        for s in rows
    ]


def columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def index_row(row: OfferedService | Activity, now: datetime, seq: int) -> None:
    name = row.name if isinstance(row, OfferedService) else row.title
    row.search_terms = search_terms(name, row.description, row.fields, row.target_groups)
    row.change_seq = seq
    row.updated_at = now


async def create_service(
    session: AsyncSession, data: ServiceCreate, principal: Principal, now: datetime
) -> OfferedService:
    owner = own_organisation(principal, data.organisation_id, "offer a service")
    await require_acting_party(session, principal, "offer a service")
    values = data.model_dump(exclude={"organisation_id"})
    service = OfferedService(
        id=new_id("svc"), organisation_id=owner, created_at=now, version=1, **values
    )
    index_row(service, now, await next_change_seq(session))
    session.add(service)
    await session.flush()
    return service


async def update_service(
    session: AsyncSession,
    service_id: str,
    data: ServiceUpdate,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> OfferedService:
    service = await get_or_404(session, OfferedService, service_id, "service")
    authority.check_provider(principal.organisation_id, service.organisation_id, service.id)
    require_if_match(if_match, service.version)
    if service.status == "defunct":
        raise Problem(
            409,
            "service-defunct",
            f"Service {service.id} is defunct (it ended for good); publish a new service.",
        )
    changes = data.model_dump(exclude_unset=True)
    kind = changes.get("area_kind", service.area_kind)
    codes = changes.get("area_codes", service.area_codes if kind == service.area_kind else [])
    try:
        changes["area_codes"] = check_area(kind, codes)
    except ValueError as exc:
        raise Problem(422, "invalid-area", str(exc)) from exc
    changed = [k for k, v in changes.items() if getattr(service, k) != v]
    for key in changed:
        setattr(service, key, changes[key])
    if changed:
        service.version += 1
        index_row(service, now, await next_change_seq(session))
        await session.flush()
    return service


async def list_services(
    session: AsyncSession,
    *,
    organisation: str | None,
    field: str | None,
    target_group: str | None,
    municipality: str | None,
    status: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[OfferedService], str | None]:
    """Services by id. ``municipality``: those that serve it — national ones, those of its
    region, and those listing it."""
    stmt = select(OfferedService).where(OfferedService.status == status)
    if organisation:
        stmt = stmt.where(OfferedService.organisation_id == organisation)
    if field:
        stmt = stmt.where(lists(OfferedService.fields, field))
    if target_group:
        stmt = stmt.where(lists(OfferedService.target_groups, target_group))
    if municipality:
        stmt = stmt.where(serves(municipality))
    return await page(session, stmt, OfferedService.id, cursor, limit)


def serves(municipality: str) -> Any:
    """SQL: the service's area includes ``municipality`` (national, its region, or listed)."""
    return or_(
        OfferedService.area_kind == "national",
        and_(
            OfferedService.area_kind == "regions",
            lists(OfferedService.area_codes, region_of_municipality(municipality)),
        ),
        and_(
            OfferedService.area_kind == "municipalities",
            lists(OfferedService.area_codes, municipality),
        ),
    )
