"""Evaluations of grants (§4.1) and the sweeps' answers: request and response models."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.rules.evaluations import (
    RECOMMENDATIONS,
    EvaluationKind,
    EvaluationStatus,
    Recommendation,
)
from services.evaluation.rules.labels import LabelLevel, LabelState
from shared.validation import UtcDatetime, text

Conclusions = text(min_length=10, max_length=10_000)


class EvaluationOut(BaseModel):
    """A mid-term or final evaluation of a grant (public: grants are public records)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    grant_id: str
    cluster_id: str
    funder_id: str
    kind: EvaluationKind
    due_on: date
    state: EvaluationStatus = Field(
        description="scheduled → due (notice_days before due_on) → overdue (after due_on); "
        "completed or cancelled end it"
    )
    recommendation: Recommendation | None = None
    conclusions: str | None = None
    completed_at: UtcDatetime | None = None
    completed_by: str | None = None
    created_at: UtcDatetime


class EvaluationComplete(BaseModel):
    """Complete an evaluation: the conclusions and one recommendation (§4.3's vocabulary)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    conclusions: Conclusions = Field(  # type: ignore[valid-type]
        description="What the evaluation found (10–10,000 characters; public)"
    )
    recommendation: Recommendation = Field(
        description="; ".join(f"{k}: {v}" for k, v in RECOMMENDATIONS.items())
    )


class EvaluationSweepRun(BaseModel):
    """What one run of the evaluation sweep did."""

    as_of: date
    due: list[str] = Field(description="Evaluations that became due (evaluation.evaluation.due)")
    overdue: list[str] = Field(description="Evaluations that became overdue")
    corrected: list[str] = Field(
        description="Evaluations whose state moved back after their due date moved (no event)"
    )
    events: int


# --- ESCA labels (kept here with the evaluations: both are §4.1 follow-up) ---------------------


class LabelOut(BaseModel):
    """A cluster's ESCA cluster-management label as the registry announced it."""

    cluster_id: str
    cluster_name: str
    league: str
    home_region_code: str
    level: LabelLevel
    valid_until: date
    state: LabelState = Field(
        description="valid; expiring (runs out within label_notice_days); expired (after "
        "valid_until)"
    )
    days_left: int = Field(description="Days from today to valid_until (negative: expired)")
    notice_sent: bool = Field(description="evaluation.label.expiring was sent for valid_until")


class LabelSweepRun(BaseModel):
    """What one run of the label sweep did."""

    as_of: date
    cluster_ids: list[str] = Field(description="Clusters sent evaluation.label.expiring")
    events: int
