"""Payloads of the evaluation service's events (§4.1, §4.3): accounts, evaluations, flags,
labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from shared.events.spec import declare

# --- evaluation ----------------------------------------------------------------------------


@declare(
    "evaluation.cluster.flagged",
    "Evaluation flagged a cluster (e.g. long poor performance, §4.3); funders are told.",
)
class ClusterFlagged(BaseModel):
    cluster_id: str
    rule: str
    reason: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    account_year: int | None = None
    flag_id: str | None = Field(None, description="The flag's id in evaluation (to lift it)")


@declare(
    "evaluation.cluster.flag_lifted",
    "Evaluation lifted a flag: every basis of it was withdrawn (relevance marks gone, a later "
    "account no longer in the bottom quartile, §4.3); funders resolve what rested on it.",
)
class ClusterFlagLifted(BaseModel):
    cluster_id: str
    rule: str
    flag_id: str | None = Field(None, description="The lifted flag's id in evaluation")
    account_year: int | None = None
    reason: str


@declare(
    "evaluation.account.published",
    "FIVU/RTI published the joint annual performance account of a year (§4.1); it is frozen.",
)
class AccountPublished(BaseModel):
    year: int
    published_by: str
    clusters: int = Field(description="Clusters in the account")
    clusters_by_league: dict[str, int] = Field(default_factory=dict)
    indicators: int


class EvaluationFacts(BaseModel):
    """A grant's evaluation (§4.1); every ``evaluation.evaluation.*`` event is addressed to the
    grant's funder (``recipient`` = ``funder_id``), who carries the evaluation out."""

    evaluation_id: str
    grant_id: str
    cluster_id: str
    funder_id: str
    kind: str = Field(description="mid_term | final")
    due_on: date


@declare(
    "evaluation.evaluation.scheduled",
    "A grant's mid-term or final evaluation was scheduled (from funding.grant.awarded, §4.1); "
    "addressed to the grant's funder.",
    addressed=True,
)
class EvaluationScheduled(EvaluationFacts):
    pass


@declare(
    "evaluation.evaluation.due",
    "An evaluation fell due; the funder should carry it out. Addressed to the grant's funder.",
    addressed=True,
)
class EvaluationDue(EvaluationFacts):
    pass


@declare(
    "evaluation.evaluation.overdue",
    "An evaluation was not completed by its due date; addressed to the grant's funder.",
    addressed=True,
)
class EvaluationOverdue(EvaluationFacts):
    days_overdue: int


@declare(
    "evaluation.evaluation.completed",
    "An evaluation was completed with conclusions and a recommendation; addressed to the "
    "grant's funder.",
    addressed=True,
)
class EvaluationCompleted(EvaluationFacts):
    recommendation: str = Field(description="continue | adjust | phase_down | stop")


@declare(
    "evaluation.evaluation.cancelled",
    "A scheduled evaluation was cancelled (e.g. the grant was terminated before it fell due); "
    "addressed to the grant's funder.",
    addressed=True,
)
class EvaluationCancelled(EvaluationFacts):
    reason: str


@declare(
    "evaluation.label.expiring",
    "A cluster organisation's ESCA label runs out soon; addressed to the cluster organisation.",
    addressed=True,
)
class LabelExpiring(BaseModel):
    cluster_id: str
    level: str
    valid_until: date
    days_left: int
