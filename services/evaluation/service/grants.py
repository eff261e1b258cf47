"""Grants as funding announces them: the funding indicators and the grant's evaluations (§4.1).

- ``funding.grant.awarded``: the grant (``eval_grants``), its money in every year it touches
  (``service.derived.recompute_funding``), and its mid-term and final evaluations
  (``rules.evaluations.schedule``; one ``evaluation.evaluation.scheduled`` each). Scheduling is
  idempotent: a grant that already has its evaluations gets no second pair.
- ``funding.grant.amended``: the money again, for the old and the new years; new dates move
  the pending evaluations (``rules.evaluations.on_amendment``).
- ``funding.grant.terminated``: the money up to the termination day; the pending final falls
  due on that day and a mid-term not yet due is cancelled (``rules.evaluations.on_termination``;
  ``evaluation.evaluation.cancelled``).

An evaluation whose due date moves is announced again as ``evaluation.evaluation.scheduled``
(same ``evaluation_id``, the new ``due_on``) and starts over as ``scheduled``, so the sweep
sends ``due``/``overdue`` for the new date. The policy (grace days after the grant's end, notice
days) comes from the service's settings (``EVALUATION_FINAL_GRACE_DAYS``, …).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import EvalGrant, Evaluation, messaging
from services.evaluation.rules import evaluations as rules
from services.evaluation.service.derived import grant_span, recompute_funding
from services.evaluation.settings import EvaluationSettings
from shared.clock import utcnow
from shared.events import contracts as ev
from shared.events.envelope import is_newer
from shared.events.outbox import record_event
from shared.queries import new_id

PENDING = frozenset({"scheduled", "due", "overdue"})


@cache
def policy() -> rules.EvaluationPolicy:
    """The evaluation policy from the environment (consumers have no request to ask)."""
    settings = EvaluationSettings()
    return rules.EvaluationPolicy(
        final_grace_days=settings.final_grace_days, notice_days=settings.evaluation_notice_days
    )


def _facts(e: Evaluation) -> dict[str, object]:
    return {
        "evaluation_id": e.id,
        "grant_id": e.grant_id,
        "cluster_id": e.cluster_id,
        "funder_id": e.funder_id,
        "kind": e.kind,
        "due_on": e.due_on,
    }


def _as_rule(e: Evaluation) -> rules.ScheduledEvaluation:
    state: rules.EvaluationState = (
        "pending" if e.state in PENDING else "completed" if e.state == "completed" else "cancelled"
    )
    return rules.ScheduledEvaluation(e.kind, e.due_on, state)  # type: ignore[arg-type]


async def apply_grant(
    session: AsyncSession, facts: ev.GrantFacts, when: datetime
) -> tuple[EvalGrant, set[int]] | None:
    """Upsert the grant; returns it and the years its money touched before and after, or None
    when the event is older than the one applied."""
    grant = await session.get(EvalGrant, facts.grant_id)
    years: set[int] = set()
    if grant is None:
        grant = EvalGrant(id=facts.grant_id, updated_at=when)
        session.add(grant)
    elif not is_newer(when, grant.updated_at):
        return None
    else:
        years |= grant_span(grant)
        if grant.cluster_id != facts.cluster_id:  # never in funding today; keep both right
            await recompute_funding(session, grant.cluster_id, grant_span(grant), utcnow())
    grant.funder_id = facts.funder_id
    grant.cluster_id = facts.cluster_id
    grant.programme_id = facts.programme_id
    grant.kind = facts.kind
    grant.amount_dkk = facts.amount_dkk
    grant.starts_on = facts.starts_on
    grant.ends_on = facts.ends_on
    grant.status = facts.status
    grant.updated_at = when
    if isinstance(facts, ev.GrantTerminated):
        grant.status = "terminated"
        grant.terminated_on = facts.terminated_on
    await session.flush()
    years |= grant_span(grant)
    return grant, years


async def on_awarded(session: AsyncSession, facts: ev.GrantAwarded, when: datetime) -> None:
    applied = await apply_grant(session, facts, when)
    if applied is None:
        return
    grant, years = applied
    await recompute_funding(session, grant.cluster_id, years, utcnow())
    await schedule_evaluations(session, grant)


async def schedule_evaluations(session: AsyncSession, grant: EvalGrant) -> list[Evaluation]:
    """The mid-term and final evaluation of ``grant`` (none if it has them already)."""
    existing = (
        (await session.execute(select(Evaluation).where(Evaluation.grant_id == grant.id)))
        .scalars()
        .all()
    )
    have = {e.kind for e in existing}
    made = []
    now = utcnow()
    for planned in rules.schedule(grant.starts_on, grant.ends_on, policy()):
        if planned.kind in have:
            continue
        e = Evaluation(
            id=new_id("evl"),
            grant_id=grant.id,
            cluster_id=grant.cluster_id,
            funder_id=grant.funder_id,
            kind=planned.kind,
            due_on=planned.due_on,
            state="scheduled",
            created_at=now,
            version=1,
        )
        session.add(e)
        made.append(e)
    await session.flush()
    for e in made:
        await record_event(
            session,
            messaging,
            "evaluation.evaluation.scheduled",
            ev.EvaluationScheduled(**_facts(e)),  # type: ignore[arg-type]
            subject=e.id,
            recipient=e.funder_id,
        )
    return made


async def _evaluations(session: AsyncSession, grant_id: str) -> list[Evaluation]:
    rows = await session.execute(
        select(Evaluation).where(Evaluation.grant_id == grant_id).order_by(Evaluation.kind)
    )
    return list(rows.scalars())


async def _apply_plan(
    session: AsyncSession,
    current: list[Evaluation],
    planned: list[rules.ScheduledEvaluation],
    reason: str,
) -> None:
    """Write the rules' answer back: moved due dates are announced again, cancellations sent."""
    for e, p in zip(current, planned, strict=True):
        if p.state == "cancelled" and e.state in PENDING:
            e.state = "cancelled"
            e.version += 1
            await session.flush()
            await record_event(
                session,
                messaging,
                "evaluation.evaluation.cancelled",
                ev.EvaluationCancelled(**_facts(e), reason=reason),  # type: ignore[arg-type]
                subject=e.id,
                recipient=e.funder_id,
            )
        elif e.state in PENDING and p.due_on != e.due_on:
            e.due_on = p.due_on
            e.state = "scheduled"
            e.due_notified_at = None
            e.overdue_notified_at = None
            e.version += 1
            await session.flush()
            await record_event(
                session,
                messaging,
                "evaluation.evaluation.scheduled",
                ev.EvaluationScheduled(**_facts(e)),  # type: ignore[arg-type]
                subject=e.id,
                recipient=e.funder_id,
            )


async def on_amended(session: AsyncSession, facts: ev.GrantAmended, when: datetime) -> None:
    applied = await apply_grant(session, facts, when)
    if applied is None:
        return
    grant, years = applied
    await recompute_funding(session, grant.cluster_id, years, utcnow())
    current = await _evaluations(session, grant.id)
    if not current:  # awarded before this service listened: schedule now
        await schedule_evaluations(session, grant)
        return
    if {"starts_on", "ends_on"} & set(facts.changed) or not facts.changed:
        planned = rules.on_amendment(
            [_as_rule(e) for e in current], grant.starts_on, grant.ends_on, policy()
        )
        await _apply_plan(session, current, planned, "grant period amended")


async def on_terminated(session: AsyncSession, facts: ev.GrantTerminated, when: datetime) -> None:
    applied = await apply_grant(session, facts, when)
    if applied is None:
        return
    grant, years = applied
    await recompute_funding(session, grant.cluster_id, years, utcnow())
    current = await _evaluations(session, grant.id)
    planned = rules.on_termination([_as_rule(e) for e in current], facts.terminated_on, policy())
    await _apply_plan(
        session,
        current,
        planned,
        f"grant terminated on {facts.terminated_on.isoformat()}: {facts.reason}"[:500],
    )
