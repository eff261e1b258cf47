"""§4.1: mid-term and final evaluations of grants, scheduled from the grant's dates.

The paper (§4.1) asks that the effort be followed up systematically "i form af midtvejs- og
slutevalueringer, analyser og effektmålinger". When a grant is awarded
(``funding.grant.awarded``) the evaluation service schedules two evaluations:

- **mid-term**, due on the half-way date: starts_on + ⌊(ends_on − starts_on) / 2⌋ days (rounded
  down to the earlier day; a one-day grant has its mid-term on its first day);
- **final**, due on ends_on + ``final_grace_days`` (default 0).

Every grant gets both, however short: the rule is simple to explain and a short grant is cheap
to evaluate twice; a funder who wants less records a short mid-term.

Status of an evaluation that is still pending, as of a date (``status``):
``scheduled`` before the notice window; ``due`` from ``notice_days`` (default 30) before the
due date up to and including the due date; ``overdue`` after it. Completed and cancelled
evaluations keep those states.

A grant **terminated** early (``funding.grant.terminated``): the pending final becomes due on
the termination date (+ grace); a pending mid-term not yet due by then (due date after the
termination date) is cancelled; one already due stays pending. A grant **amended** (new
period): pending evaluations move to the dates of the new period; completed ones stay.
Completing an evaluation records conclusions and one of the recommendations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

EvaluationKind = Literal["mid_term", "final"]
EvaluationState = Literal["pending", "completed", "cancelled"]
EvaluationStatus = Literal["scheduled", "due", "overdue", "completed", "cancelled"]
Recommendation = Literal["continue", "adjust", "phase_down", "stop"]

#: The recommendation vocabulary, with its meaning (§4.3: phase base funding down as a cluster
#: matures; stop support for poor performance or lost relevance).
RECOMMENDATIONS: dict[Recommendation, str] = {
    "continue": "Continue the support as agreed.",
    "adjust": "Continue with changes to activities, targets or budget.",
    "phase_down": "Reduce public (base) funding step by step as the cluster matures (§4.3).",
    "stop": "End the public support (§4.3: poor performance or no longer relevant).",
}
KINDS: tuple[EvaluationKind, ...] = ("mid_term", "final")


@dataclass(frozen=True, slots=True)
class EvaluationPolicy:
    final_grace_days: int = 0  # the final is due this many days after the grant ends
    notice_days: int = 30  # an evaluation is "due" this many days before its due date


@dataclass(frozen=True, slots=True)
class ScheduledEvaluation:
    kind: EvaluationKind
    due_on: date
    state: EvaluationState = "pending"


def midpoint(starts_on: date, ends_on: date) -> date:
    """The half-way date, rounded down: starts_on + ⌊days / 2⌋."""
    if ends_on < starts_on:
        raise ValueError("a grant cannot end before it starts")
    return starts_on + timedelta(days=(ends_on - starts_on).days // 2)


def schedule(
    starts_on: date, ends_on: date, policy: EvaluationPolicy = EvaluationPolicy()
) -> tuple[ScheduledEvaluation, ScheduledEvaluation]:
    """The mid-term and final evaluation of a grant running ``starts_on``..``ends_on``."""
    return (
        ScheduledEvaluation("mid_term", midpoint(starts_on, ends_on)),
        ScheduledEvaluation("final", ends_on + timedelta(days=policy.final_grace_days)),
    )


def status(
    evaluation: ScheduledEvaluation, as_of: date, policy: EvaluationPolicy = EvaluationPolicy()
) -> EvaluationStatus:
    if evaluation.state != "pending":
        return evaluation.state
    if as_of > evaluation.due_on:
        return "overdue"
    if as_of >= evaluation.due_on - timedelta(days=policy.notice_days):
        return "due"
    return "scheduled"


def on_termination(
    evaluations: Iterable[ScheduledEvaluation],
    terminated_on: date,
    policy: EvaluationPolicy = EvaluationPolicy(),
) -> list[ScheduledEvaluation]:
    """The evaluations after the grant is ended early on ``terminated_on``."""
    final_due = terminated_on + timedelta(days=policy.final_grace_days)
    out = []
    for ev in evaluations:
        if ev.state == "pending" and ev.kind == "final":
            ev = replace(ev, due_on=min(ev.due_on, final_due))
        elif ev.state == "pending" and ev.kind == "mid_term" and ev.due_on > terminated_on:
            ev = replace(ev, state="cancelled")
        out.append(ev)
    return out


def on_amendment(
    evaluations: Iterable[ScheduledEvaluation],
    starts_on: date,
    ends_on: date,
    policy: EvaluationPolicy = EvaluationPolicy(),
) -> list[ScheduledEvaluation]:
    """The evaluations after the grant's period changed: pending ones follow the new dates."""
    new = {ev.kind: ev.due_on for ev in schedule(starts_on, ends_on, policy)}
    return [replace(ev, due_on=new[ev.kind]) if ev.state == "pending" else ev for ev in evaluations]


def is_recommendation(value: str) -> bool:
    return value in RECOMMENDATIONS


def complete(evaluation: ScheduledEvaluation, recommendation: str) -> ScheduledEvaluation:
    """Mark a pending evaluation completed; refuses a cancelled or completed one and a
    recommendation outside the vocabulary (ValueError)."""
    if evaluation.state != "pending":
        raise ValueError(f"a {evaluation.state} evaluation cannot be completed")
    if not is_recommendation(recommendation):
        raise ValueError(f"recommendation must be one of {', '.join(RECOMMENDATIONS)}")
    return replace(evaluation, state="completed")
