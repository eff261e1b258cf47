"""Request and response models of the registry API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from shared.auth import ORG_KINDS
from shared.reference import InvalidCvr, municipality_by_code, normalise_cvr

OrgKind = Literal[
    "ministry", "growth_forum", "region", "municipality", "municipal_association",
    "cluster_organisation", "growth_house", "business_service", "knowledge_institution",
    "forum_secretariat", "other",
]
assert set(OrgKind.__args__) == set(ORG_KINDS)  # type: ignore[attr-defined]

#: Kinds that only the reference data creates (there are exactly 98 municipalities …).
REFERENCE_ONLY_KINDS = {"region", "municipality", "growth_forum", "municipal_association"}


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=300, examples=["Aarhus Erhvervshus"])
    kind: OrgKind
    cvr: str | None = Field(None, description="Danish CVR number (8 digits, check digit verified)")
    municipality_code: str | None = Field(
        None, pattern=r"^\d{3,4}$", description="Official municipality code of the address"
    )
    short_name: str | None = Field(None, max_length=60)
    website: HttpUrl | None = None

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


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organisation_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] | None = Field(
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
