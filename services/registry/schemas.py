"""Request and response models of the registry API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    UrlConstraints,
    field_validator,
)

from shared.auth import ORG_KINDS
from shared.reference import InvalidCvr, municipality_by_code, normalise_cvr

OrgKind = Literal[
    "ministry",
    "growth_forum",
    "region",
    "municipality",
    "municipal_association",
    "cluster_organisation",
    "growth_house",
    "business_service",
    "knowledge_institution",
    "forum_secretariat",
    "other",
]
assert set(OrgKind.__args__) == set(ORG_KINDS)  # type: ignore[attr-defined]

#: Kinds that only the reference data creates (there are exactly 98 municipalities …).
REFERENCE_ONLY_KINDS = {"region", "municipality", "growth_forum", "municipal_association"}

#: Length of ``organisations.website``; the normalised URL (punycode, %-escapes) must fit.
WEBSITE_MAX_LENGTH = 500


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail at the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


#: A string the database can store.
Text = Annotated[str, AfterValidator(_no_nul)]


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(min_length=2, max_length=300, examples=["Aarhus Erhvervshus"])
    kind: OrgKind
    cvr: str | None = Field(None, description="Danish CVR number (8 digits, check digit verified)")
    municipality_code: str | None = Field(
        None, pattern=r"^\d{3,4}$", description="Official municipality code of the address"
    )
    short_name: str | None = Field(None, max_length=60)
    website: Annotated[HttpUrl, UrlConstraints(max_length=WEBSITE_MAX_LENGTH)] | None = None

    @field_validator("cvr")
    @classmethod
    def _cvr(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalise_cvr(value)
        except InvalidCvr as exc:
            raise ValueError(str(exc)) from None

    @field_validator("municipality_code")
    @classmethod
    def _municipality(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.zfill(4)
        if code not in municipality_by_code():
            raise ValueError(f"'{value}' is not one of the 98 municipality codes")
        return code

    @field_validator("short_name")
    @classmethod
    def _short_name(cls, value: str | None) -> str | None:
        return None if value is None else _no_nul(value)

    @field_validator("website")
    @classmethod
    def _website_fits(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and len(str(value)) > WEBSITE_MAX_LENGTH:
            raise ValueError(f"the URL is longer than {WEBSITE_MAX_LENGTH} characters")
        return value


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: str
    short_name: str | None
    cvr: str | None
    code: str | None
    municipality_code: str | None
    region_code: str | None
    website: str | None
    reference: bool
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # SQLite keeps no offset; every timestamp is written in UTC.
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organisation_id: Text = Field(min_length=1, max_length=64)
    name: Text = Field(min_length=1, max_length=200)
    scopes: list[Text] | None = Field(
        None, description="Subset of what the organisation's kind allows; default: all of it"
    )


class ClientOut(BaseModel):
    client_id: str
    name: str
    organisation_id: str
    scopes: list[str]
    created_at: datetime


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only a hash is stored")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    scope: str
