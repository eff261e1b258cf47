"""Flow statistics (§5 "parterne monitorerer"): the response models of
``GET /referrals/v1/flows``. Counts, rates and medians only — no personal data, no free text
(neither rejection reasons nor outcome texts)."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from services.referrals.rules.flows import STATES
from services.referrals.rules.vocabulary import PARTY_KINDS

#: The organisation kinds referrals are sent between (the ``kind`` filter).
PartyKind = Literal["business_service", "cluster_organisation", "growth_house", "municipality"]
assert set(get_args(PartyKind)) == PARTY_KINDS


class Period(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", description="First day (inclusive, from 00:00 UTC)")
    to: date = Field(description="Day after the last (exclusive, until 00:00 UTC)")


class CountShare(BaseModel):
    count: int
    share: float | None = Field(description="count / referrals; null when there are none")


class MedianDuration(BaseModel):
    n: int = Field(description="How many referrals the median is taken over")
    median_hours: float | None = Field(description="Null when n is 0")
    median_days: float | None = Field(description="median_hours / 24 (calendar days)")


class FlowSummary(BaseModel):
    referrals: int = Field(description="Referrals created in the period")
    by_state: dict[str, int] = Field(
        description=f"Referrals by their current state (every state listed: {', '.join(STATES)})"
    )
    answered: int = Field(
        description="accepted + rejected + in_progress + completed + failed (the recipient has "
        "answered; requested and cancelled are not answers)"
    )
    accepted: int = Field(description="accepted + in_progress + completed + failed")
    acceptance_rate: float | None = Field(description="accepted / answered; null if none")
    closed: int = Field(description="completed + failed")
    completion_rate: float | None = Field(description="completed / closed; null if none")
    outcome_categories: dict[str, int] = Field(
        description="Completed referrals by coarse outcome category (no free text)"
    )
    cross_municipality: CountShare = Field(
        description="The firm's municipality differs from the receiving organisation's"
    )
    cross_region: CountShare = Field(
        description="The firm's region differs from the receiving organisation's"
    )
    time_to_answer: MedianDuration = Field(
        description="created → answered (accept or reject), over answered referrals"
    )
    time_to_close: MedianDuration = Field(
        description="created → closed, over completed and failed referrals"
    )


class KindFlows(FlowSummary):
    kind: str = Field(description="Organisation kind")


class RegionRef(BaseModel):
    code: str
    name: str | None = Field(description="Null for a code the reference data does not know")


class RegionRow(BaseModel):
    firm_region: RegionRef
    counts: list[int] = Field(description="Per recipient region, in the order of `regions`")
    recipient_region_unknown: int = Field(
        description="Referrals to an organisation whose region is not known"
    )
    total: int


class RegionMatrix(BaseModel):
    regions: list[RegionRef] = Field(description="Rows and columns, in this order")
    rows: list[RegionRow] = Field(description="One per firm region (the region the firm is in)")


class MunicipalityRef(BaseModel):
    code: str
    name: str | None
    region_code: str | None
    region_name: str | None


class MunicipalityPair(BaseModel):
    firm: MunicipalityRef = Field(description="Where the firm is")
    recipient: MunicipalityRef | None = Field(
        description="Where the receiving organisation is (null: not known)"
    )
    referrals: int
    cross_region: bool | None = Field(description="Null when a region is not known")


class FlowStatistics(BaseModel):
    period: Period
    kind: PartyKind | None = Field(
        None, description="Filter: only referrals sent or received by this organisation kind"
    )
    region: str | None = Field(
        None, description="Filter: only referrals whose firm or recipient is in this region"
    )
    summary: FlowSummary
    by_sender_kind: list[KindFlows] = Field(description="Grouped by the sending organisation")
    by_recipient_kind: list[KindFlows] = Field(description="Grouped by the receiving one")
    region_matrix: RegionMatrix = Field(description="Firm region → recipient region")
    municipality_pairs: list[MunicipalityPair] = Field(
        description="Firm municipality → recipient municipality, only pairs with referrals, "
        "most first (at most 98 × 99 pairs)"
    )
