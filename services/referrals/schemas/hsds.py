"""The directory as Open Referral HSDS 3.0 objects (response models of the export).

Field names follow the HSDS 3.0 JSON schemas (``schema/service.json``, ``organization.json``,
``service_area.json``, ``contact.json``, ``phone.json``, ``language.json``,
``organization_identifier.json`` of openreferral/specification). What HSDS has no field for
(fields of strength, target groups, the organisation's kind and place, the area as codes)
is under the extension key ``x-klyngeforum``. Every ``id`` is a UUID derived from the
Klyngeforum id (``service.hsds.hsds_id``); lists are HSDS API pages (``HsdsPage``). See
services.referrals.service.hsds for the mapping.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from shared.validation import UtcDatetime


class Term(BaseModel):
    code: str
    name_da: str
    name_en: str


class HsdsOrganizationIdentifier(BaseModel):
    id: str
    organization_id: str
    identifier_scheme: str = Field(description="org-id.guide scheme: DK-CVR")
    identifier_type: str
    identifier: str


class OrganizationExtension(BaseModel):
    id: str = Field(description="The organisation's Klyngeforum id (the HSDS id derives from it)")
    kind: str = Field(description="growth_house | business_service | cluster_organisation | …")
    municipality_code: str | None = None
    region_code: str | None = None


class HsdsOrganization(BaseModel):
    id: str
    name: str
    description: str
    website: str | None = None
    organization_identifiers: list[HsdsOrganizationIdentifier] | None = None
    x_klyngeforum: OrganizationExtension | None = Field(None, serialization_alias="x-klyngeforum")


class HsdsServiceArea(BaseModel):
    id: str
    service_id: str
    name: str
    description: str | None = None
    extent: str = Field(description="'DK', a region code (1081) or a municipality code (0851)")
    extent_type: str = Field(description="Always 'text': the code names the area")
    uri: str | None = Field(None, description="DAWA (Danmarks Adressers Web API) address")


class HsdsLanguage(BaseModel):
    id: str
    service_id: str
    name: str
    code: str = Field(description="ISO 639-1")


class HsdsPhone(BaseModel):
    id: str
    service_id: str | None = None
    contact_id: str | None = None
    number: str


class HsdsContact(BaseModel):
    """The organisation's contact point for the service (a function mailbox), not a person."""

    id: str
    service_id: str
    organization_id: str
    name: str
    department: str | None = None
    email: str | None = None
    phones: list[HsdsPhone] | None = None


class ServiceExtension(BaseModel):
    id: str = Field(description="The service's Klyngeforum id (GET /referrals/v1/services/{id})")
    fields: list[Term] = Field(description="Fields of strength (GET /registry/v1/fields)")
    target_groups: list[Term]
    area_kind: str = Field(description="national | regions | municipalities")
    area_codes: list[str]
    updated_at: UtcDatetime
    version: int


class HsdsService(BaseModel):
    id: str
    organization_id: str
    name: str
    description: str
    url: str | None = None
    email: str | None = None
    status: str = Field(description="active | inactive | defunct | temporarily closed")
    fees_description: str | None = None
    last_modified: UtcDatetime
    phones: list[HsdsPhone] | None = None
    languages: list[HsdsLanguage]
    service_areas: list[HsdsServiceArea]
    contacts: list[HsdsContact] | None = None
    organization: HsdsOrganization
    x_klyngeforum: ServiceExtension = Field(serialization_alias="x-klyngeforum")


T = TypeVar("T")


class HsdsPage(BaseModel, Generic[T]):
    """A page of a list, as the HSDS 3.0 API's ``Page`` schema (``schema/openapi.json``,
    ``#/components/schemas/Page``) with its ``contents``. Pages are numbered from 1."""

    total_items: int = Field(description="How many there are in all (every page)")
    total_pages: int = Field(description="How many pages of per_page there are")
    page_number: int = Field(description="This page's number, from 1")
    size: int = Field(description="How many are on this page")
    first_page: bool
    last_page: bool
    empty: bool = Field(description="True when this page holds nothing")
    contents: list[T]
