"""Evaluation recommendations on grants (§4.3) and the funder's answer: request and response
models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.validation import UtcDatetime, text


class KeepGrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: text(min_length=1, max_length=2000) = Field(  # type: ignore[valid-type]
        description="Why the grant continues as it is despite the recommendation"
    )


class RecommendationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    evaluation_id: str
    grant_id: str
    cluster_id: str
    funder_id: str
    evaluation_kind: str = Field(description="mid_term | final")
    recommendation: Literal["continue", "adjust", "phase_down", "stop"] | str
    completed_at: UtcDatetime
    acted: Literal["terminated", "amended", "kept"] | None = Field(
        description="What the funder did: none yet, terminated or amended the grant, or kept "
        "it with a recorded reason"
    )
    acted_at: UtcDatetime | None
    reason: str | None
