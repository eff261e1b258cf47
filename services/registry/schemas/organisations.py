"""Request and response models of the registry API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    UrlConstraints,
)

from shared.kinds import OrgKind
from shared.validation import Cvr, MunicipalityCode, Text, UtcDatetime, text

#: Kinds that only the reference data creates (there are exactly 98 municipalities …).
REFERENCE_ONLY_KINDS = {"region", "municipality", "growth_forum", "municipal_association"}

#: Length of ``organisations.website``; the normalised URL (punycode, %-escapes) must fit.
WEBSITE_MAX_LENGTH = 500


def _website_fits(value: HttpUrl) -> HttpUrl:
    if len(str(value)) > WEBSITE_MAX_LENGTH:
        raise ValueError(f"the URL is longer than {WEBSITE_MAX_LENGTH} characters")
    return value


Website = Annotated[
    HttpUrl, UrlConstraints(max_length=WEBSITE_MAX_LENGTH), AfterValidator(_website_fits)
]


ShortName = text(max_length=60)


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(min_length=2, max_length=300, examples=["Aarhus Erhvervshus"])
    kind: OrgKind
    cvr: Cvr | None = Field(None, description="Danish CVR number (8 digits, check digit verified)")
    municipality_code: MunicipalityCode | None = Field(
        None, description="Official municipality code of the address"
    )
    short_name: ShortName | None = None
    website: Website | None = None


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
    created_at: UtcDatetime


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
    created_at: UtcDatetime


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only a hash is stored")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    scope: str
