"""Employment statistics and smart-specialisation strongholds (§4.2): response models.

(The upload is a CSV file, parsed by ``service.strongholds.parse_employment_csv``; there is
no JSON request model.)
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.validation import UtcDatetime


class EmploymentOut(BaseModel):
    region_code: str
    region_name: str
    category: str
    year: int
    employees: int
    source: str
    uploaded_at: UtcDatetime


class RowProblem(BaseModel):
    line: int = Field(description="Line of the file (1 = the header)")
    detail: str


class EmploymentUploaded(BaseModel):
    """What an upload changed (all its rows, or nothing)."""

    rows: int = Field(description="Data rows in the file")
    inserted: int = Field(description="Region × category × year combinations new to the service")
    replaced: int = Field(description="Combinations that were there and now hold the new count")
    years: list[int]
    regions: list[str]
    categories: list[str]


class ClusterRef(BaseModel):
    id: str
    name: str
    league: str
    fields: list[str]


class StrongholdCellOut(BaseModel):
    """One region × category of a year: size, share, LQ and the Observatory's stars."""

    region_code: str
    region_name: str
    danish: bool
    category: str
    category_name: str | None = Field(
        None, description="The field's name (Danish/English) when the category is a field code"
    )
    fields: list[str] = Field(
        description="Field codes the category stands for (itself, or the fields of a NACE "
        "section); empty when it is neither"
    )
    employees: float
    region_employees: float
    share: float | None = Field(description="employees / region_employees")
    lq: float | None = Field(description="Location quotient: share / the category's share of all")
    stars: int = Field(ge=0, le=3)
    size: bool = Field(description="Top 10 % of the category's employment across regions")
    specialisation: bool = Field(description="LQ ≥ 2")
    focus: bool = Field(description="Top 10 % of the category's share of regional employment")
    clusters: list[ClusterRef] = Field(
        default_factory=list,
        description="Active registered clusters at home in this (Danish) region with one of "
        "the category's fields",
    )


class RegionStarsOut(BaseModel):
    region_code: str
    region_name: str
    stars: int
    clusters: list[ClusterRef] = Field(default_factory=list)


class CooperationOut(BaseModel):
    """A category where two or more Danish regions are strong: a case for cross-regional (and,
    with the partners abroad, cross-border) cooperation (§4.2)."""

    category: str
    category_name: str | None
    danish: list[RegionStarsOut]
    foreign: list[RegionStarsOut]
    text: str


class RegionOut(BaseModel):
    code: str
    name: str
    danish: bool
    employees: float = Field(description="The region's total employment used for shares")


class ReferenceSetOut(BaseModel):
    """What the stars were ranked against (§4.2; European Cluster Observatory star method)."""

    kind: str = Field(
        description="uploaded_regions: the regions of the uploaded statistics of the year (no "
        "European reference distribution is shipped)"
    )
    year: int
    regions: int = Field(description="Regions in the reference set")
    danish: int
    foreign: int
    min_regions: int = Field(description="Fewest regions before size and focus stars are given")
    ranked: bool = Field(description="Whether size and focus stars were given")
    top_regions: int = Field(description="How many regions the top 10 % is (ties aside)")
    sources: list[str] = Field(description="The sources named by the rows of the year")
    text: str


class StrongholdsOut(BaseModel):
    year: int
    years: list[int] = Field(description="Years with employment statistics")
    min_stars: int
    regions: list[RegionOut]
    cells: list[StrongholdCellOut]
    cooperation: list[CooperationOut]
    reference: ReferenceSetOut = Field(description="What the size and focus stars rank against")
    method: str
