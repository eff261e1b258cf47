"""The evaluation service's sweeps: evaluations falling due and overdue (§4.1), ESCA labels
running out. Run by the periodic jobs (``app.py``) and by ``POST /evaluation/v1/jobs/…/run``.
Never commits: the caller's transaction does.

Each sweep is safe when run twice and on several replicas at once: it selects candidates,
locks them on PostgreSQL (``FOR UPDATE SKIP LOCKED``: two replicas split the work instead of
waiting for each other), and changes each row with an ``UPDATE … WHERE`` that re-checks what
it read in the same transaction; only a row this run changed gets its event. (SQLite runs one
writer at a time: ``BEGIN IMMEDIATE``.)

**Evaluations.** The state of a pending evaluation follows ``rules.evaluations.status`` with
``EvaluationPolicy(notice_days=settings.evaluation_notice_days,
final_grace_days=settings.final_grace_days)``: ``scheduled`` → ``due`` from ``notice_days``
before the due date → ``overdue`` the day after it. ``evaluation.evaluation.due`` is sent once
per evaluation (``due_notified_at``), and ``evaluation.evaluation.overdue`` once
(``overdue_notified_at``). An evaluation that is already past its date when first seen (a grant
awarded after the fact) goes straight to overdue and gets only the overdue event. When a
grant's dates change, the consumer (``service.grants``) moves the due date and starts the
evaluation over as ``scheduled`` with no notice sent, so the new date gets its own notices; should
a stored state still be ahead of its date, the sweep moves it back (without an event).

**Labels.** An active cluster whose ESCA label is valid and runs out within
``settings.label_notice_days`` (``rules.labels``: as_of ≤ valid_until ≤ as_of + days) gets
``evaluation.label.expiring``, addressed to the cluster organisation and to each funder of a
grant in force to it (one event per recipient, §4.3: the funders decide on the support) — once
per valid-until date (``label_notice_for``): a renewed label gets its own notice when it nears
its new date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import EvalCluster, Evaluation, messaging
from services.evaluation.rules import evaluations as eval_rules
from services.evaluation.rules import labels as label_rules
from services.evaluation.service.clusters import funders_in_force
from services.evaluation.service.evaluations import as_scheduled, evaluation_facts
from shared.clock import utcnow
from shared.events import contracts as ev
from shared.events.outbox import record_event

#: Rows changed per sweep run; the next run continues with the rest.
BATCH = 500


def _locked(session: AsyncSession, stmt: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def policy_of(settings: Any) -> eval_rules.EvaluationPolicy:
    return eval_rules.EvaluationPolicy(
        notice_days=settings.evaluation_notice_days,
        final_grace_days=settings.final_grace_days,
    )


# --- evaluations ------------------------------------------------------------------------------


@dataclass
class EvaluationSweep:
    as_of: date
    due: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    events: int = 0


def _out_of_step(as_of: date, notice_days: int) -> Any:
    """Pending evaluations whose stored state differs from ``rules.status`` as of ``as_of``
    (the same date arithmetic, as SQL: due from due_on − notice_days, overdue after due_on)."""
    due_from = as_of + timedelta(days=notice_days)  # due_on ≤ this: inside the notice window
    return or_(
        and_(Evaluation.state == "scheduled", Evaluation.due_on <= due_from),
        and_(
            Evaluation.state == "due",
            or_(Evaluation.due_on < as_of, Evaluation.due_on > due_from),
        ),
        and_(Evaluation.state == "overdue", Evaluation.due_on >= as_of),
    )


async def sweep_evaluations(session: AsyncSession, as_of: date, settings: Any) -> EvaluationSweep:
    """Bring pending evaluations to their state as of ``as_of``; send due/overdue once each."""
    policy = policy_of(settings)
    stmt = _locked(
        session,
        select(Evaluation)
        .where(_out_of_step(as_of, policy.notice_days))
        .order_by(Evaluation.due_on, Evaluation.id)
        .limit(BATCH),
    )
    result = EvaluationSweep(as_of)
    now = utcnow()
    for evaluation in list((await session.execute(stmt)).scalars()):
        new_state = eval_rules.status(as_scheduled(evaluation), as_of, policy)
        if new_state == evaluation.state:
            continue
        tell_due = new_state == "due" and evaluation.due_notified_at is None
        tell_overdue = new_state == "overdue" and evaluation.overdue_notified_at is None
        values: dict[str, Any] = {"state": new_state, "version": Evaluation.version + 1}
        if tell_due:
            values["due_notified_at"] = now
        if tell_overdue:
            values["overdue_notified_at"] = now
        changed = await session.execute(
            update(Evaluation)
            .where(
                Evaluation.id == evaluation.id,
                Evaluation.version == evaluation.version,
                Evaluation.state == evaluation.state,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another run (or a completion) got there first
        facts = evaluation_facts(evaluation)
        if tell_due:
            await record_event(
                session,
                messaging,
                "evaluation.evaluation.due",
                ev.EvaluationDue(**facts),
                subject=evaluation.id,
                recipient=evaluation.funder_id,
            )
            result.events += 1
        if tell_overdue:
            await record_event(
                session,
                messaging,
                "evaluation.evaluation.overdue",
                ev.EvaluationOverdue(**facts, days_overdue=(as_of - evaluation.due_on).days),
                subject=evaluation.id,
                recipient=evaluation.funder_id,
            )
            result.events += 1
        if new_state == "overdue":
            result.overdue.append(evaluation.id)
        elif new_state == "due" and (evaluation.state == "scheduled" or tell_due):
            result.due.append(evaluation.id)
        else:
            result.corrected.append(evaluation.id)
    return result


# --- labels -----------------------------------------------------------------------------------


@dataclass
class LabelSweep:
    as_of: date
    cluster_ids: list[str] = field(default_factory=list)
    events: int = 0


async def sweep_labels(session: AsyncSession, as_of: date, settings: Any) -> LabelSweep:
    """Send ``evaluation.label.expiring`` to each active cluster whose label runs out within
    ``settings.label_notice_days``, once per valid-until date."""
    within = settings.label_notice_days
    horizon = as_of + timedelta(days=within)
    condition = and_(
        EvalCluster.status == "active",
        EvalCluster.label_level.is_not(None),
        EvalCluster.label_valid_until.is_not(None),
        EvalCluster.label_valid_until >= as_of,
        EvalCluster.label_valid_until <= horizon,
        or_(
            EvalCluster.label_notice_for.is_(None),
            EvalCluster.label_notice_for != EvalCluster.label_valid_until,
        ),
    )
    stmt = _locked(
        session,
        select(EvalCluster)
        .where(condition)
        .order_by(EvalCluster.label_valid_until, EvalCluster.id)
        .limit(BATCH),
    )
    result = LabelSweep(as_of)
    for cluster in list((await session.execute(stmt)).scalars()):
        assert cluster.label_level is not None and cluster.label_valid_until is not None
        level: Any = cluster.label_level
        label = label_rules.Label(cluster.id, level, cluster.label_valid_until)
        if label_rules.label_state(label, as_of, within) != "expiring":
            continue
        changed = await session.execute(
            update(EvalCluster)
            .where(
                EvalCluster.id == cluster.id,
                EvalCluster.label_valid_until == cluster.label_valid_until,
                EvalCluster.label_level == cluster.label_level,
                condition,
            )
            .values(label_notice_for=cluster.label_valid_until)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        notice = ev.LabelExpiring(
            cluster_id=cluster.id,
            level=cluster.label_level,
            valid_until=cluster.label_valid_until,
            days_left=label.days_left(as_of),
        )
        funders = await funders_in_force(session, cluster.id, as_of)
        for recipient in dict.fromkeys([cluster.id, *funders]):
            await record_event(
                session,
                messaging,
                "evaluation.label.expiring",
                notice,
                subject=cluster.id,
                recipient=recipient,
            )
            result.events += 1
        result.cluster_ids.append(cluster.id)
    return result
