"""A cluster organisation's reported year: request and response models (§4.1)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.validation import UtcDatetime, text

Code = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
Number = int | float


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: dict[Code, Any] = Field(
        max_length=100,
        description="Reported indicator code → number, or null for 'not reported' (missing). "
        "Derived indicators (members, funding, referrals) cannot be reported. Replaces the "
        "whole reported year.",
        json_schema_extra={"additionalProperties": {"type": ["number", "null"]}},
    )
    comment: text(max_length=4000) | None = None  # type: ignore[valid-type]


class ReportOut(BaseModel):
    cluster_id: str
    year: int
    values: dict[str, Number] = Field(description="Reported values (codes not listed: missing)")
    derived: dict[str, Number] = Field(
        description="Derived values the account uses for the year (members, funding, referrals)"
    )
    comment: str | None
    submitted_by: str = Field(description="Organisation id, or 'import:<file>' for a CSV import")
    submitted_at: UtcDatetime
    version: int
    account_state: str = Field(description="draft | published: the year's account")


class ReportYear(BaseModel):
    year: int
    submitted_by: str
    submitted_at: UtcDatetime
    version: int
    reported: int = Field(description="Indicators with a reported value")
