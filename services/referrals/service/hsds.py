"""The directory as Open Referral HSDS 3.0 (§5: the parties must know each other's offers;
an open standard lets other service finders read them too). Read only.

**Ids.** HSDS 3.0 ids are UUIDs (``"format": "uuid"``). Each is derived from the Klyngeforum
id, stable across exports and replicas, with UUID version 5 (RFC 9562, SHA-1 of a namespace
and a name)::

    NAMESPACE = uuid5(NAMESPACE_URL, "https://klyngeforum.dk/hsds/3.0")
              = d2d28a76-2f11-5176-bbf7-bee76c646c8e  (never change it: every id would)
    id        = uuid5(NAMESPACE, "<hsds table>:<Klyngeforum id>[:<part>]")

e.g. ``service:svc-01a2…``, ``organization:kommune-0751``, ``service_area:svc-01a2…:1081``,
``language:svc-01a2…:da``, ``phone:svc-01a2…``, ``contact:svc-01a2…``,
``organization_identifier:<organisation id>:cvr``. The Klyngeforum id stays readable in
``x-klyngeforum.id`` (services and organisations), so a reader can follow a service to
``GET /referrals/v1/services/{id}``.

**Lists** are HSDS API pages (``schema/openapi.json`` ``#/components/schemas/Page``):
``total_items``, ``total_pages``, ``page_number`` (from 1), ``size`` (on this page),
``first_page``, ``last_page``, ``empty``, and the items in ``contents``; asked for with ``page``
and ``per_page``, ordered by the Klyngeforum id.

Mapping (HSDS 3.0 field ← Klyngeforum):

``service``
    ``id``, ``organization_id`` ← the UUIDs of the service and its organisation; ``name``,
    ``description``, ``url``, ``email``, ``fees_description``, ``status`` (the HSDS statuses:
    active, inactive, defunct, temporarily closed) ← the same columns; ``last_modified`` ←
    ``updated_at``; ``phones[]`` ← the service phone; ``languages[]`` ← one ``language`` per
    ISO 639-1 code (``name`` in the language itself); ``organization`` ← the providing
    organisation (below).
``service_areas[]``
    national → one area ``name`` "Danmark", ``extent`` "DK"; regions → one per region (``name``
    "Region Nordjylland", ``extent`` "1081"); municipalities → one per municipality (``name``
    "Aalborg Kommune", ``extent`` "0851"). ``extent_type`` is "text" (the extent is the
    Danmarks Statistik code, not a polygon); ``uri`` points at the area in DAWA.
``contacts[]``
    Only the organisation's contact point for the service (its function mailbox and phone),
    ``name`` = the organisation's name: the directory holds no persons.
``organization``
    ``id``, ``name``, ``description`` (generated: kind and place, as HSDS requires one),
    ``organization_identifiers[]`` ← the CVR number (org-id.guide scheme ``DK-CVR``).
``x-klyngeforum`` (extension)
    services: ``id``, ``fields`` and ``target_groups`` (code + Danish and English names),
    ``area_kind``/``area_codes``, ``updated_at``, ``version``; organisations: ``id``, ``kind``,
    ``municipality_code``, ``region_code``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar
from uuid import NAMESPACE_URL, uuid5

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import OfferedService, directory
from services.referrals.rules.vocabulary import PARTY_KINDS, TARGET_GROUPS
from services.referrals.schemas.directory import OrganisationRef
from services.referrals.schemas.hsds import (
    HsdsContact,
    HsdsLanguage,
    HsdsOrganization,
    HsdsOrganizationIdentifier,
    HsdsPage,
    HsdsPhone,
    HsdsService,
    HsdsServiceArea,
    OrganizationExtension,
    ServiceExtension,
    Term,
)
from services.referrals.service.common import organisations
from services.referrals.service.directory import org_refs
from shared.clock import as_utc
from shared.reference import municipality_by_code, reference_parties, region_by_code
from shared.reference.fields import field_by_code

DAWA = "https://api.dataforsyningen.dk"

#: The namespace of every HSDS id of the export (module docstring). Fixed for good.
NAMESPACE = uuid5(NAMESPACE_URL, "https://klyngeforum.dk/hsds/3.0")

T = TypeVar("T")


def hsds_id(table: str, *names: str) -> str:
    """The HSDS UUID of a Klyngeforum record: ``uuid5(NAMESPACE, "table:id[:part]")``."""
    return str(uuid5(NAMESPACE, ":".join((table, *names))))


def hsds_page(contents: list[T], total: int, page: int, per_page: int) -> HsdsPage[T]:
    """The HSDS API page ``page`` (from 1) of ``total`` items, ``per_page`` to a page."""
    pages = math.ceil(total / per_page)
    return HsdsPage[T](
        total_items=total,
        total_pages=pages,
        page_number=page,
        size=len(contents),
        first_page=page == 1,
        last_page=page >= pages,
        empty=not contents,
        contents=contents,
    )


KIND_LABELS = {
    "growth_house": "Erhvervshus (væksthus)",
    "business_service": "Lokal erhvervsservice",
    "cluster_organisation": "Klyngeorganisation",
    "municipality": "Kommune",
}

#: Names of the languages services are most often given in, in the language itself.
LANGUAGE_NAMES = {
    "da": "Dansk",
    "en": "English",
    "de": "Deutsch",
    "sv": "Svenska",
    "no": "Norsk",
    "nb": "Norsk bokmål",
    "fo": "Føroyskt",
    "kl": "Kalaallisut",
    "pl": "Polski",
    "uk": "Українська",
    "ar": "العربية",
    "fr": "Français",
    "es": "Español",
}


def _description(ref: OrganisationRef) -> str:
    label = KIND_LABELS.get(ref.kind or "", ref.kind or "Organisation")
    where = []
    if ref.municipality_code in municipality_by_code() and ref.kind != "municipality":
        where.append(f"{municipality_by_code()[ref.municipality_code].name} Kommune")
    if ref.region_code in region_by_code():
        where.append(region_by_code()[ref.region_code].name)
    return f"{label} i {', '.join(where)}" if where else label


def organization(ref: OrganisationRef, cvr: str | None) -> HsdsOrganization:
    org_id = hsds_id("organization", ref.id)
    identifiers = (
        [
            HsdsOrganizationIdentifier(
                id=hsds_id("organization_identifier", ref.id, "cvr"),
                organization_id=org_id,
                identifier_scheme="DK-CVR",
                identifier_type="CVR-nummer (Det Centrale Virksomhedsregister)",
                identifier=cvr,
            )
        ]
        if cvr
        else None
    )
    return HsdsOrganization(
        id=org_id,
        name=ref.name or ref.id,
        description=_description(ref),
        organization_identifiers=identifiers,
        x_klyngeforum=OrganizationExtension(
            id=ref.id,
            kind=ref.kind or "unknown",
            municipality_code=ref.municipality_code,
            region_code=ref.region_code,
        ),
    )


def service_areas(service: OfferedService) -> list[HsdsServiceArea]:
    service_id = hsds_id("service", service.id)
    if service.area_kind == "national":
        return [
            HsdsServiceArea(
                id=hsds_id("service_area", service.id, "DK"),
                service_id=service_id,
                name="Danmark",
                description="Hele landet",
                extent="DK",
                extent_type="text",
                uri=None,
            )
        ]
    areas = []
    for code in service.area_codes:
        if service.area_kind == "regions":
            name, description, uri = region_by_code()[code].name, "Region", f"regioner/{code}"
        else:
            name = f"{municipality_by_code()[code].name} Kommune"
            description, uri = "Kommune", f"kommuner/{code}"
        areas.append(
            HsdsServiceArea(
                id=hsds_id("service_area", service.id, code),
                service_id=service_id,
                name=name,
                description=f"{description} (Danmarks Statistik kode {code})",
                extent=code,
                extent_type="text",
                uri=f"{DAWA}/{uri}",
            )
        )
    return areas


def _terms(codes: Sequence[str], fields: bool) -> list[Term]:
    out = []
    for code in codes:
        if fields and code in field_by_code():
            f = field_by_code()[code]
            out.append(Term(code=code, name_da=f.name_da, name_en=f.name_en))
        elif not fields and code in TARGET_GROUPS:
            da, en = TARGET_GROUPS[code]
            out.append(Term(code=code, name_da=da, name_en=en))
    return out


def hsds_service(
    service: OfferedService, ref: OrganisationRef, cvr: str | None = None
) -> HsdsService:
    service_id = hsds_id("service", service.id)
    org_id = hsds_id("organization", service.organisation_id)
    phone = (
        [HsdsPhone(id=hsds_id("phone", service.id), service_id=service_id, number=service.phone)]
        if service.phone
        else None
    )
    contact = None
    if service.email or service.phone:
        contact_id = hsds_id("contact", service.id)
        contact = [
            HsdsContact(
                id=contact_id,
                service_id=service_id,
                organization_id=org_id,
                name=ref.name or service.organisation_id,
                department=service.name,
                email=service.email,
                phones=[
                    HsdsPhone(
                        id=hsds_id("phone", service.id, "contact"),
                        contact_id=contact_id,
                        number=p,
                    )
                ]
                if (p := service.phone)
                else None,
            )
        ]
    updated = as_utc(service.updated_at)
    return HsdsService(
        id=service_id,
        organization_id=org_id,
        name=service.name,
        description=service.description,
        url=service.url,
        email=service.email,
        status=service.status,
        fees_description=service.fees_description,
        last_modified=updated,
        phones=phone,
        languages=[
            HsdsLanguage(
                id=hsds_id("language", service.id, code),
                service_id=service_id,
                name=LANGUAGE_NAMES.get(code, code),
                code=code,
            )
            for code in service.languages
        ],
        service_areas=service_areas(service),
        contacts=contact,
        organization=organization(ref, cvr),
        x_klyngeforum=ServiceExtension(
            id=service.id,
            fields=_terms(service.fields, fields=True),
            target_groups=_terms(service.target_groups, fields=False),
            area_kind=service.area_kind,
            area_codes=list(service.area_codes),
            updated_at=updated,
            version=service.version,
        ),
    )


async def services_page(
    session: AsyncSession, status: str | None, page: int, per_page: int
) -> HsdsPage[HsdsService]:
    """Page ``page`` (from 1) of the services, ``per_page`` to a page, by id."""
    stmt = select(OfferedService)
    counted = select(func.count()).select_from(OfferedService)
    if status:
        stmt = stmt.where(OfferedService.status == status)
        counted = counted.where(OfferedService.status == status)
    total = (await session.execute(counted)).scalar_one()
    ordered = stmt.order_by(OfferedService.id).offset((page - 1) * per_page).limit(per_page)
    rows = list((await session.execute(ordered)).scalars())
    ids = {s.organisation_id for s in rows}
    refs = await org_refs(session, ids)
    cvrs = {i: o.cvr for i, o in (await organisations(session, ids)).items()}
    items = [hsds_service(s, refs[s.organisation_id], cvrs.get(s.organisation_id)) for s in rows]
    return hsds_page(items, total, page, per_page)


async def organizations_page(
    session: AsyncSession, page: int, per_page: int
) -> HsdsPage[HsdsOrganization]:
    """The party organisations the exchange knows (from registry events, plus the 98
    municipalities of the reference data), by id: page ``page`` of ``per_page``."""
    stmt = select(directory.c.id, directory.c.cvr).where(directory.c.kind.in_(PARTY_KINDS))
    found: dict[str, str | None] = {r.id: r.cvr for r in await session.execute(stmt)}
    for party in reference_parties():
        if party.kind in PARTY_KINDS:
            found.setdefault(party.id, None)
    ids = sorted(found)[(page - 1) * per_page : page * per_page]
    refs = await org_refs(session, ids)
    return hsds_page([organization(refs[i], found[i]) for i in ids], len(found), page, per_page)
