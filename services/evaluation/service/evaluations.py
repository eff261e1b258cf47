"""Mid-term and final evaluations of grants (§4.1): reading them and completing one.

The evaluations are scheduled from ``funding.grant.awarded`` by the consumers; the sweep
(``service.sweeps``) moves them to due and overdue. Completing one is the funder's act: only
the organisation that awarded the grant (``funder_id``) records conclusions and one of the
recommendations of ``rules.evaluations.RECOMMENDATIONS`` (§4.3: continue, adjust, phase the
base funding down, stop). Never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import Evaluation, messaging
from services.evaluation.rules import evaluations as rules
from services.evaluation.rules.authority import check_may_complete_evaluation
from services.evaluation.schemas.evaluations import EvaluationComplete
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.etag import etag, require_if_match
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.queries import get_or_404, page

#: Stored states of an evaluation that is not finished (rules: "pending").
PENDING_STATES = ("scheduled", "due", "overdue")


def evaluation_facts(evaluation: Evaluation) -> dict[str, Any]:
    """The fields every ``evaluation.evaluation.*`` event carries."""
    return {
        "evaluation_id": evaluation.id,
        "grant_id": evaluation.grant_id,
        "cluster_id": evaluation.cluster_id,
        "funder_id": evaluation.funder_id,
        "kind": evaluation.kind,
        "due_on": evaluation.due_on,
    }


def as_scheduled(evaluation: Evaluation) -> rules.ScheduledEvaluation:
    """The rules' view of a stored evaluation (scheduled/due/overdue are all "pending")."""
    state: rules.EvaluationState = (
        "pending"
        if evaluation.state in PENDING_STATES
        else "completed"
        if evaluation.state == "completed"
        else "cancelled"
    )
    kind: rules.EvaluationKind = "final" if evaluation.kind == "final" else "mid_term"
    return rules.ScheduledEvaluation(kind, evaluation.due_on, state)


async def list_evaluations(
    session: AsyncSession,
    *,
    cluster: str | None,
    funder: str | None,
    grant: str | None,
    state: str | None,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Evaluation], str | None]:
    stmt = select(Evaluation)
    if cluster:
        stmt = stmt.where(Evaluation.cluster_id == cluster)
    if funder:
        stmt = stmt.where(Evaluation.funder_id == funder)
    if grant:
        stmt = stmt.where(Evaluation.grant_id == grant)
    if state:
        stmt = stmt.where(Evaluation.state == state)
    if kind:
        stmt = stmt.where(Evaluation.kind == kind)
    return await page(session, stmt, Evaluation.id, cursor, limit)


async def get_evaluation(session: AsyncSession, evaluation_id: str) -> Evaluation:
    return await get_or_404(session, Evaluation, evaluation_id, "evaluation")


async def complete_evaluation(
    session: AsyncSession,
    evaluation_id: str,
    body: EvaluationComplete,
    principal: Principal,
    if_match: str | None,
) -> Evaluation:
    """Record the funder's conclusions and recommendation; emits
    ``evaluation.evaluation.completed``. 403 for anyone but the grant's funder, 428/412 without
    a current If-Match, 409 for a completed or cancelled evaluation (checked before If-Match: a
    second completion is refused as such, not as a stale write)."""
    evaluation = await get_evaluation(session, evaluation_id)
    check_may_complete_evaluation(principal.organisation_id, funder_id=evaluation.funder_id)
    try:
        rules.complete(as_scheduled(evaluation), body.recommendation)
    except ValueError as exc:
        raise Problem(
            409, "evaluation-closed", f"Evaluation {evaluation.id}: {exc}.", state=evaluation.state
        ) from exc
    require_if_match(if_match, evaluation.version)
    now = utcnow()
    # Conditional on the version read: a sweep or another request that changed the row in
    # between makes this a stale write (412) instead of overwriting its change.
    changed = await session.execute(
        update(Evaluation)
        .where(Evaluation.id == evaluation.id, Evaluation.version == evaluation.version)
        .values(
            state="completed",
            conclusions=body.conclusions,
            recommendation=body.recommendation,
            completed_at=now,
            completed_by=principal.organisation_id,
            version=Evaluation.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(evaluation)
        raise Problem(
            412,
            "stale-write",
            "The evaluation changed while you completed it; GET it again and repeat.",
            current_etag=etag(evaluation.version),
        )
    await session.refresh(evaluation)
    await record_event(
        session,
        messaging,
        "evaluation.evaluation.completed",
        ev.EvaluationCompleted(**evaluation_facts(evaluation), recommendation=body.recommendation),
        subject=evaluation.id,
        recipient=evaluation.funder_id,
    )
    return evaluation
