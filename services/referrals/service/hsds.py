"""The directory as Open Referral HSDS 3.0 (§5: the parties must know each other's offers;
an open standard lets other service finders read them too). Read only.

Mapping (HSDS 3.0 field ← Klyngeforum):

``service``
    ``id`` ← service id (Klyngeforum ids, not UUIDs: they are the ids of this API),
    ``organization_id``, ``name``, ``description``, ``url``, ``email``, ``fees_description``,
    ``status`` (the HSDS statuses: active, inactive, defunct, temporarily closed) ← the same
    columns; ``phones[]`` ← the service phone; ``languages[]`` ← one ``language`` per ISO 639-1
    code (``name`` in the language itself); ``organization`` ← the providing organisation (below).
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
    services: ``fields`` and ``target_groups`` (code + Danish and English names),
    ``area_kind``/``area_codes``, ``updated_at``, ``version``; organisations: ``kind``,
    ``municipality_code``, ``region_code``.

Lists use this API's cursor pages (``items``/``next_cursor``), not HSDS's numbered pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import OfferedService, directory
from services.referrals.rules.vocabulary import PARTY_KINDS, TARGET_GROUPS
from services.referrals.schemas.directory import OrganisationRef
from services.referrals.schemas.hsds import (
    HsdsContact,
    HsdsLanguage,
    HsdsOrganization,
    HsdsOrganizationIdentifier,
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
from shared.pagination import decode_cursor, encode_cursor
from shared.queries import page
from shared.reference import municipality_by_code, reference_parties, region_by_code
from shared.reference.fields import field_by_code

DAWA = "https://api.dataforsyningen.dk"

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
    identifiers = (
        [
            HsdsOrganizationIdentifier(
                id=f"{ref.id}-cvr",
                organization_id=ref.id,
                identifier_scheme="DK-CVR",
                identifier_type="CVR-nummer (Det Centrale Virksomhedsregister)",
                identifier=cvr,
            )
        ]
        if cvr
        else None
    )
    return HsdsOrganization(
        id=ref.id,
        name=ref.name or ref.id,
        description=_description(ref),
        organization_identifiers=identifiers,
        x_klyngeforum=OrganizationExtension(
            kind=ref.kind or "unknown",
            municipality_code=ref.municipality_code,
            region_code=ref.region_code,
        ),
    )


def service_areas(service: OfferedService) -> list[HsdsServiceArea]:
    if service.area_kind == "national":
        return [
            HsdsServiceArea(
                id=f"{service.id}-area-DK",
                service_id=service.id,
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
                id=f"{service.id}-area-{code}",
                service_id=service.id,
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
    phone = (
        [HsdsPhone(id=f"{service.id}-phone", service_id=service.id, number=service.phone)]
        if service.phone
        else None
    )
    contact = None
    if service.email or service.phone:
        contact_id = f"{service.id}-contact"
        contact = [
            HsdsContact(
                id=contact_id,
                service_id=service.id,
                organization_id=service.organisation_id,
                name=ref.name or service.organisation_id,
                department=service.name,
                email=service.email,
                phones=[HsdsPhone(id=f"{contact_id}-phone", contact_id=contact_id, number=p)]
                if (p := service.phone)
                else None,
            )
        ]
    updated = service.updated_at
    return HsdsService(
        id=service.id,
        organization_id=service.organisation_id,
        name=service.name,
        description=service.description,
        url=service.url,
        email=service.email,
        status=service.status,
        fees_description=service.fees_description,
        phones=phone,
        languages=[
            HsdsLanguage(
                id=f"{service.id}-lang-{code}",
                service_id=service.id,
                name=LANGUAGE_NAMES.get(code, code),
                code=code,
            )
            for code in service.languages
        ],
        service_areas=service_areas(service),
        contacts=contact,
        organization=organization(ref, cvr),
        x_klyngeforum=ServiceExtension(
            fields=_terms(service.fields, fields=True),
            target_groups=_terms(service.target_groups, fields=False),
            area_kind=service.area_kind,
            area_codes=list(service.area_codes),
            updated_at=as_utc(updated),
            version=service.version,
        ),
    )


async def services_page(
    session: AsyncSession, status: str | None, cursor: str | None, limit: int
) -> tuple[list[HsdsService], str | None]:
    stmt = select(OfferedService)
    if status:
        stmt = stmt.where(OfferedService.status == status)
    rows, next_cursor = await page(session, stmt, OfferedService.id, cursor, limit)
    ids = {s.organisation_id for s in rows}
    refs = await org_refs(session, ids)
    cvrs = {i: o.cvr for i, o in (await organisations(session, ids)).items()}
    items = [hsds_service(s, refs[s.organisation_id], cvrs.get(s.organisation_id)) for s in rows]
    return items, next_cursor


async def organizations_page(
    session: AsyncSession, cursor: str | None, limit: int
) -> tuple[list[HsdsOrganization], str | None]:
    """The party organisations the exchange knows (from registry events, plus the 98
    municipalities of the reference data), by id."""
    after = decode_cursor(cursor)
    last = str(after[0]) if after else ""
    stmt = select(directory.c.id, directory.c.cvr).where(directory.c.kind.in_(PARTY_KINDS))
    if last:
        stmt = stmt.where(directory.c.id > last)
    rows = await session.execute(stmt.order_by(directory.c.id).limit(limit + 1))
    found: dict[str, str | None] = {r.id: r.cvr for r in rows}
    for party in reference_parties():
        if party.kind in PARTY_KINDS and party.id > last:
            found.setdefault(party.id, None)
    ids = sorted(found)[: limit + 1]
    next_cursor = encode_cursor([ids[limit - 1]]) if len(ids) > limit else None
    refs = await org_refs(session, ids[:limit])
    return [organization(refs[i], found[i]) for i in ids[:limit]], next_cursor
