"""The directory (§5): services and activities, request and response models.

A service's e-mail and phone are the **organisation's** contact point for it (a function
mailbox such as ``erhverv@…`` or a switchboard), never a person: the directory is public.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from services.referrals.rules.vocabulary import (
    ActivityKind,
    AreaKind,
    ServiceStatus,
    TargetGroup,
)
from shared.reference import municipality_by_code, region_by_code
from shared.reference.fields import field_by_code
from shared.validation import Bool, MunicipalityCode, UtcDatetime, text

Name = text(min_length=2, max_length=200)
Description = text(max_length=5000)
OrgId = text(min_length=1, max_length=64)
Place = text(min_length=1, max_length=300)
Fees = text(max_length=2000)

_EMAIL = re.compile(r"^[^@\s\x00]{1,64}@[^@\s\x00]+\.[^@\s\x00.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,38}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_not_nullable: dict[str, Any] = {"not_nullable": True}


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError(f"'{value[:80]}' is not an e-mail address")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _phone(value: str) -> str:
    value = " ".join(value.split())
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.match(value) or not 8 <= digits <= 15:
        raise ValueError(
            f"'{value[:40]}' is not a phone number (8–15 digits, optionally +, spaces, -, ())"
        )
    return value


_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _url(value: str) -> str:
    try:
        url = str(_HTTP_URL.validate_python(value.strip()))
    except ValidationError as exc:
        raise ValueError(f"not an http(s) URL: {exc.errors()[0]['msg']}") from None
    if len(url) > 500:
        raise ValueError("the URL is longer than 500 characters")
    return url


def _unique(values: list[str], what: str) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError(f"each {what} may be listed once")
    return values


def _fields(values: list[str]) -> list[str]:
    known = field_by_code()
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValueError(
            f"unknown fields {unknown[:5]}; see GET /registry/v1/fields ({', '.join(known)})"
        )
    return _unique(values, "field")


def _targets(values: list[str]) -> list[str]:
    return _unique(values, "target group")


def _languages(values: list[str]) -> list[str]:
    bad = [v for v in values if not _LANGUAGE.match(v)]
    if bad:
        raise ValueError(f"{bad[:5]} are not ISO 639 language codes (e.g. 'da', 'en')")
    return _unique(values, "language")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time zone, e.g. 2026-05-04T09:00:00+02:00 or …T07:00:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None


#: The organisation's contact e-mail for the service (a function mailbox, not a person).
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
#: The organisation's contact phone for the service (a switchboard, not a person).
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
Url = Annotated[
    str, Field(max_length=500, json_schema_extra={"format": "uri"}), AfterValidator(_url)
]
Fields = Annotated[
    list[str],
    Field(max_length=14, description="Field codes (GET /registry/v1/fields), e.g. 'energy'"),
    AfterValidator(_fields),
]
TargetGroups = Annotated[list[TargetGroup], Field(max_length=8), AfterValidator(_targets)]
Languages = Annotated[
    list[str],
    Field(max_length=20, description="ISO 639-1 codes of the languages the service is given in"),
    AfterValidator(_languages),
]
#: A point in time with its time zone (stored and answered in UTC).
Moment = Annotated[datetime, AfterValidator(_aware)]


def check_area(kind: str, codes: list[str]) -> list[str]:
    """The area served, normalised: national has no codes; regions lists region codes
    (1081–1085); municipalities lists municipality codes (e.g. 0851). Raises ValueError."""
    if kind == "national":
        if codes:
            raise ValueError("a national service lists no area_codes")
        return []
    if not codes:
        raise ValueError(f"area_kind '{kind}' needs at least one code in area_codes")
    if kind == "regions":
        unknown = [c for c in codes if c not in region_by_code()]
        if unknown:
            raise ValueError(
                f"{unknown[:5]} are not region codes ({', '.join(sorted(region_by_code()))})"
            )
        return _unique(list(codes), "region")
    normalised = [c.zfill(4) if c.isdigit() and len(c) <= 4 else c for c in codes]
    unknown = [c for c, n in zip(codes, normalised, strict=True) if n not in municipality_by_code()]
    if unknown:
        raise ValueError(f"{unknown[:5]} are not among the 98 municipality codes")
    return _unique(normalised, "municipality")


def check_period(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValueError(f"ends_at ({ends_at.isoformat()}) is not after starts_at")


def check_where(municipality_code: str | None, online: bool) -> None:
    if municipality_code is None and not online:
        raise ValueError("give the municipality_code where it takes place, or online=true")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _refuse_nulls(model: BaseModel, names: tuple[str, ...]) -> None:
    for name in names:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")
    if not model.model_fields_set:
        raise ValueError("send at least one field to change")


# --- services -------------------------------------------------------------------------------


class ServiceCreate(_In):
    """A service in the directory (an Open Referral HSDS ``service`` with its area)."""

    name: Name  # type: ignore[valid-type]
    description: Description = ""  # type: ignore[valid-type]
    fields: Fields = Field(default_factory=list)
    target_groups: TargetGroups = Field(default_factory=list)
    area_kind: AreaKind = Field(
        "national", description="national (the whole country), regions or municipalities"
    )
    area_codes: list[str] = Field(
        default_factory=list,
        max_length=98,
        description="Region codes (regions) or municipality codes (municipalities); none if "
        "national",
    )
    status: ServiceStatus = "active"
    url: Url | None = None
    email: Email | None = Field(
        None, description="The organisation's contact mailbox for the service — not a person"
    )
    phone: Phone | None = Field(
        None, description="The organisation's phone for the service — not a person's"
    )
    languages: Languages = Field(default_factory=lambda: ["da"])
    fees_description: Fees | None = None  # type: ignore[valid-type]
    organisation_id: OrgId | None = Field(  # type: ignore[valid-type]
        None, description="Optional; must be your own organisation (it always offers the service)"
    )

    @model_validator(mode="after")
    def _area(self) -> ServiceCreate:
        self.area_codes = check_area(self.area_kind, self.area_codes)
        return self


class ServiceUpdate(_In):
    """Change a service: only the fields sent change. ``status`` moves it between the HSDS
    statuses; ``defunct`` ends it for good (there is no delete)."""

    name: Name | None = Field(None, json_schema_extra=_not_nullable)  # type: ignore[valid-type]
    description: Description | None = Field(None, json_schema_extra=_not_nullable)  # type: ignore[valid-type]
    fields: Fields | None = Field(None, json_schema_extra=_not_nullable)
    target_groups: TargetGroups | None = Field(None, json_schema_extra=_not_nullable)
    area_kind: AreaKind | None = Field(None, json_schema_extra=_not_nullable)
    area_codes: list[str] | None = Field(None, max_length=98, json_schema_extra=_not_nullable)
    status: ServiceStatus | None = Field(None, json_schema_extra=_not_nullable)
    url: Url | None = None
    email: Email | None = None
    phone: Phone | None = None
    languages: Languages | None = Field(None, json_schema_extra=_not_nullable)
    fees_description: Fees | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _not_null(self) -> ServiceUpdate:
        _refuse_nulls(
            self,
            (
                "name",
                "description",
                "fields",
                "target_groups",
                "area_kind",
                "area_codes",
                "status",
                "languages",
            ),
        )
        return self


class OrganisationRef(BaseModel):
    """The organisation behind a service or activity, so a list reads on its own."""

    id: str
    name: str | None
    kind: str | None
    municipality_code: str | None
    region_code: str | None


class ServiceOut(BaseModel):
    id: str
    organisation_id: str
    organisation: OrganisationRef
    name: str
    description: str
    fields: list[str]
    target_groups: list[str]
    area_kind: str
    area_codes: list[str]
    status: str
    url: str | None
    email: str | None = Field(description="The organisation's contact mailbox (not a person)")
    phone: str | None = Field(description="The organisation's phone (not a person's)")
    languages: list[str]
    fees_description: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    version: int


# --- activities -----------------------------------------------------------------------------


class ActivityCreate(_In):
    """A larger activity (§5): conference, workshop, matchmaking, project, course, network
    meeting. Creating it announces it to every organisation whose fields or target groups
    overlap (``referrals.activity.announced``)."""

    kind: ActivityKind
    title: Name  # type: ignore[valid-type]
    description: Description = ""  # type: ignore[valid-type]
    starts_at: Moment = Field(description="With time zone; stored in UTC")
    ends_at: Moment = Field(description="After starts_at; with time zone")
    place: Place | None = None  # type: ignore[valid-type]
    municipality_code: MunicipalityCode | None = Field(
        None, description="Where it takes place; may be left out if online"
    )
    online: Bool = False
    target_groups: TargetGroups = Field(default_factory=list)
    fields: Fields = Field(default_factory=list)
    url: Url | None = None
    organisation_id: OrgId | None = Field(  # type: ignore[valid-type]
        None, description="Optional; must be your own organisation (the host)"
    )

    @model_validator(mode="after")
    def _checks(self) -> ActivityCreate:
        check_period(self.starts_at, self.ends_at)
        check_where(self.municipality_code, self.online)
        return self


class ActivityUpdate(_In):
    """Change an activity: only the fields sent change."""

    kind: ActivityKind | None = Field(None, json_schema_extra=_not_nullable)
    title: Name | None = Field(None, json_schema_extra=_not_nullable)  # type: ignore[valid-type]
    description: Description | None = Field(None, json_schema_extra=_not_nullable)  # type: ignore[valid-type]
    starts_at: Moment | None = Field(None, json_schema_extra=_not_nullable)
    ends_at: Moment | None = Field(None, json_schema_extra=_not_nullable)
    place: Place | None = None  # type: ignore[valid-type]
    municipality_code: MunicipalityCode | None = None
    online: Bool | None = Field(None, json_schema_extra=_not_nullable)
    target_groups: TargetGroups | None = Field(None, json_schema_extra=_not_nullable)
    fields: Fields | None = Field(None, json_schema_extra=_not_nullable)
    url: Url | None = None

    @model_validator(mode="after")
    def _not_null(self) -> ActivityUpdate:
        _refuse_nulls(
            self,
            (
                "kind",
                "title",
                "description",
                "starts_at",
                "ends_at",
                "online",
                "target_groups",
                "fields",
            ),
        )
        return self


class ActivityOut(BaseModel):
    id: str
    organisation_id: str
    organisation: OrganisationRef
    co_host_ids: list[str]
    kind: str
    title: str
    description: str
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    place: str | None
    municipality_code: str | None
    region_code: str | None
    online: bool
    target_groups: list[str]
    fields: list[str]
    url: str | None
    status: str = Field(description="announced | cancelled")
    joint_event_id: str | None
    announced_to: list[str] = Field(
        description="Organisations told by referrals.activity.announced (overlapping interests)"
    )
    created_at: UtcDatetime
    updated_at: UtcDatetime
    version: int
