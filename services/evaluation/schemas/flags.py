"""§4.3 flags and funders' "no longer relevant" marks: request and response models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.validation import UtcDatetime, text


class FlagOut(BaseModel):
    id: str
    cluster_id: str
    rule: str = Field(description="e.g. bottom_25pct_3y_overall, or no_longer_relevant")
    reason: str
    evidence: dict[str, Any]
    account_year: int | None
    raised_at: UtcDatetime
    state: str = Field("open", description="open | lifted (every basis withdrawn, §4.3)")
    lifted_at: UtcDatetime | None = None
    lifted_reason: str | None = None


class RelevanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: text(min_length=10, max_length=2000) = Field(  # type: ignore[valid-type]
        description="Why the cluster is no longer relevant (§4.3); public, shown with the flag"
    )


class RelevanceMarkOut(BaseModel):
    id: str
    cluster_id: str
    funder_id: str
    reason: str
    marked_at: UtcDatetime
    withdrawn_at: UtcDatetime | None
    flag_id: str | None = Field(None, description="The flag the mark raised")
