"""Matching (§5): the query and the ranked answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from services.referrals.rules.matching import Nearness
from services.referrals.rules.text import terms
from services.referrals.rules.vocabulary import TargetGroup
from shared.reference.fields import field_by_code
from shared.validation import MunicipalityCode, UtcDatetime, text

MAX_NEED = 2000
MAX_HITS = 50

Need = text(max_length=MAX_NEED)


def _split(values: object) -> object:
    """``fields=energy,digital`` and ``fields=energy&fields=digital`` both work."""
    if isinstance(values, str):
        values = [values]
    if isinstance(values, list):
        return [p.strip() for v in values for p in str(v).split(",") if p.strip()]
    return values


def _known_fields(values: list[str]) -> list[str]:
    known = field_by_code()
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValueError(
            f"unknown field codes {[u[:40] for u in unknown[:5]]}; the codes are "
            f"{', '.join(known)} (GET /registry/v1/fields)"
        )
    return list(dict.fromkeys(values))


class MatchQuery(BaseModel):
    """``GET /referrals/v1/match`` query parameters."""

    need: Need | None = Field(  # type: ignore[valid-type]
        None,
        description="The firm's need in free text (Danish or English, at most 2,000 characters)",
        examples=["Eksport af økologiske fødevarer til Tyskland"],
    )
    fields: Annotated[
        list[str],
        BeforeValidator(_split),
        AfterValidator(_known_fields),
        Field(
            max_length=14,
            description="Field codes (GET /registry/v1/fields), repeated or comma-separated",
        ),
    ] = []
    municipality: MunicipalityCode = Field(
        description="Where the firm is: one of the 98 municipality codes, e.g. 0851 (Aalborg)"
    )
    target_group: TargetGroup | None = Field(None, description="The firm as a target group")
    kind: Literal["services", "activities", "all"] = "all"
    include_outside_area: bool = Field(
        False,
        description="Also services whose declared area does not serve the firm's "
        "municipality (each marked outside_area: true); by default they are left out",
    )
    limit: int = Field(10, ge=1, le=MAX_HITS, description="How many hits (best first)")

    @model_validator(mode="after")
    def _something_to_match(self) -> MatchQuery:
        if not self.fields and not terms(self.need or ""):
            raise ValueError(
                "give a need with words that carry meaning, or fields, or both "
                "(words such as 'og', 'virksomhed' or 'hjælp' alone match nothing)"
                if (self.need or "").strip()
                else "give a need or fields, or both"
            )
        return self

    @property
    def kinds(self) -> tuple[str, ...]:
        return {
            "services": ("service",),
            "activities": ("activity",),
            "all": ("service", "activity"),
        }[self.kind]


class Reason(BaseModel):
    code: Literal["words", "fields", "target_group", "where", "fits_better_than_nearer"]
    da: str
    en: str


class OrganisationRef(BaseModel):
    id: str
    name: str | None = None
    municipality_code: str | None = None
    region_code: str | None = None


class Relevance(BaseModel):
    """The components of ``score`` (each 0..1; see GET /referrals/v1/match)."""

    text: float
    fields: float
    target_group: float


class MatchHit(BaseModel):
    kind: Literal["service", "activity"]
    id: str
    name: str = Field(description="The service's name or the activity's title")
    href: str = Field(description="Where the service or activity is")
    organisation: OrganisationRef
    score: float = Field(description="Relevance 0..1 (ranks first, in bands of 0.05)")
    relevance: Relevance
    nearness: Nearness = Field(description="Orders hits of about equal relevance only")
    outside_area: bool = Field(
        False,
        description="A service whose declared area does not serve the firm's municipality "
        "(only with include_outside_area=true)",
    )
    why: list[Reason] = Field(description="Why it ranked, in Danish and English")
    fields: list[str]
    target_groups: list[str]
    area_kind: str | None = Field(None, description="Services: national | regions | municipalities")
    area_codes: list[str] | None = None
    municipality_code: str | None = Field(None, description="Activities: where it takes place")
    online: bool | None = None
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None


class MatchedQuery(BaseModel):
    """The query as understood: the stems searched for and where the firm is."""

    terms: list[str]
    fields: list[str]
    target_group: str | None
    municipality: str
    region: str
    kind: str
    include_outside_area: bool = False


class IndexState(BaseModel):
    offers: int = Field(description="Services and activities in this replica's index")
    change_seq: int = Field(description="The index has read every change up to this")
    evaluated: int = Field(description="Offers scored exactly for this query")


class MatchResult(BaseModel):
    query: MatchedQuery
    items: list[MatchHit]
    index: IndexState
