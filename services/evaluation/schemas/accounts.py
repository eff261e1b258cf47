"""The indicator catalogue and the joint annual performance account (§4.1): response models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.validation import UtcDatetime

Number = int | float
AccountState = Literal["draft", "published"]


class IndicatorOut(BaseModel):
    code: str
    name_da: str
    name_en: str
    unit: Literal["count", "dkk", "share"]
    source: Literal["reported", "derived"]
    function: str = Field(description="bridge_builder | regional_ecosystem | resources")
    higher_is_better: bool
    description_en: str
    derived_from: str | None = Field(None, description="The events a derived indicator comes from")


@dataclass(slots=True)
class CellOut:
    """One cluster × indicator. ``value`` null = missing (never shown as 0); then every other
    field is null too. (A plain dataclass: an account has 100,000s of cells.)"""

    value: Number | None
    percentile: Annotated[
        float | None, Field(description="Mean-rank percentile within the league, 0–100")
    ]
    change: Annotated[Number | None, Field(description="value − last year's value")]
    change_relative: Annotated[float | None, Field(description="change / |last year's value|")]


@dataclass(slots=True)
class CompositeOut:
    value: Annotated[
        float | None,
        Field(
            description="Mean of direction-corrected percentiles; null under the minimum coverage"
        ),
    ]
    coverage: Annotated[float, Field(description="Share of the function's indicators with a value")]
    present: int
    total: int
    percentile: Annotated[
        float | None, Field(description="The composite's percentile within the league")
    ]


class AccountCluster(BaseModel):
    cluster_id: str
    name: str
    league: str
    region_code: str
    region_name: str | None
    values: dict[str, CellOut] = Field(description="indicator code → cell (every indicator)")
    composites: dict[str, CompositeOut] = Field(
        description="function → composite, and 'overall' (the mean of the functions present)"
    )


class IndicatorSummaryOut(BaseModel):
    with_data: int
    q1: float | None
    median: float | None
    q3: float | None


class CompositeSummaryOut(BaseModel):
    with_data: int
    median: float | None
    bottom_cut: float | None = Field(
        description="Highest composite in the bottom share of the league used by the flag rule "
        "(percentile ≤ 100 × flag_quartile); null when none is that low"
    )


class LeagueOut(BaseModel):
    league: str
    clusters: int
    clusters_with_data: int
    indicators: dict[str, IndicatorSummaryOut]
    composites: dict[str, CompositeSummaryOut]


class AccountView(BaseModel):
    """One year's account: the frozen snapshot when published, else a draft computed now."""

    year: int
    state: AccountState
    published_at: UtcDatetime | None = None
    published_by: str | None = None
    computed_at: UtcDatetime
    formula: str = Field(description="How percentiles, changes and composites are computed")
    min_coverage: float
    flag_quartile: float = Field(description="The bottom share ``bottom_cut`` refers to")
    functions: list[str]
    indicators: list[IndicatorOut]
    leagues: list[LeagueOut]
    clusters: list[AccountCluster] = Field(
        description="Ordered by league (world class, national, emerging), name, id"
    )
    clusters_total: int = Field(description="Clusters in the account (before filter and page)")
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class AccountYear(BaseModel):
    year: int
    state: AccountState
    published_at: UtcDatetime | None = None
    published_by: str | None = None
    clusters_with_values: int = Field(description="Clusters with at least one value that year")


class AccountYears(BaseModel):
    items: list[AccountYear]
