"""Exceptions to the §1 responsibility matrix, with the consent of every party concerned.

§1 calls the division of roles "vejledende og fleksibel": the parties may agree another
arrangement. One party *proposes* it; it takes effect only when every party it names, every
party the matrix names today for the cluster and every party of the exception in force it
would replace has confirmed (``rules/authority.exception_parties``). Any of them may decline
a proposal or withdraw it; any party of one in force may withdraw it, and the computed
responsibility applies again. Each step is an addressed event to each concerned party;
``registry.cluster.responsibility_changed`` follows only when the responsibility in force
changes (``touch_cluster``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import (
    Cluster,
    ResponsibilityOverride,
    ResponsibilityOverrideAnswer,
    messaging,
)
from services.registry.rules import authority
from services.registry.rules.responsibility import FUNDING_PARTY_KINDS
from services.registry.schemas.clusters import OverrideIn
from services.registry.service.cluster_access import check
from services.registry.service.cluster_loading import (
    active_override,
    get_cluster,
    organisation_kinds,
    organisation_names,
)
from services.registry.service.responsibility import responsibility_state, touch_cluster
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.events import contracts as ev
from shared.events.outbox import record_event

Answers = dict[str, list[ResponsibilityOverrideAnswer]]
#: Answers are listed named parties first, then the matrix's, then the replaced exception's.
_ROLE_ORDER = {"named": 0, "computed": 1, "in_force": 2}


async def answers_of(session: AsyncSession, ids: list[str]) -> Answers:
    out: Answers = {i: [] for i in ids}
    if ids:
        rows = await session.execute(
            select(ResponsibilityOverrideAnswer).where(
                ResponsibilityOverrideAnswer.override_id.in_(ids)
            )
        )
        for a in rows.scalars():
            out[a.override_id].append(a)
    for answers in out.values():
        answers.sort(key=lambda a: (_ROLE_ORDER.get(a.role, 9), a.party_id))
    return out


async def list_exceptions(
    session: AsyncSession, cluster_id: str
) -> tuple[list[ResponsibilityOverride], Answers]:
    await get_cluster(session, cluster_id)
    rows = list(
        (
            await session.execute(
                select(ResponsibilityOverride)
                .where(ResponsibilityOverride.cluster_id == cluster_id)
                .order_by(ResponsibilityOverride.recorded_at, ResponsibilityOverride.id)
            )
        ).scalars()
    )
    return rows, await answers_of(session, [r.id for r in rows])


async def get_exception(
    session: AsyncSession, cluster_id: str, exception_id: str
) -> tuple[ResponsibilityOverride, list[ResponsibilityOverrideAnswer]]:
    await get_cluster(session, cluster_id)
    found = (
        None if "\x00" in exception_id else await session.get(ResponsibilityOverride, exception_id)
    )
    if found is None or found.cluster_id != cluster_id:
        raise Problem(404, "not-found", f"No exception '{exception_id}' for this cluster.")
    return found, (await answers_of(session, [found.id]))[found.id]


async def exception_names(
    session: AsyncSession, items: list[ResponsibilityOverride], answers: Answers
) -> dict[str, str]:
    ids: set[str] = set()
    for o in items:
        ids |= {*o.primary, *o.also, o.recorded_by, *([o.withdrawn_by] if o.withdrawn_by else [])}
        ids |= {a.party_id for a in answers.get(o.id, [])}
    return await organisation_names(session, ids)


async def _validate_named(session: AsyncSession, data: OverrideIn) -> list[str]:
    named = [*data.primary, *data.also]
    if len(named) != len(set(named)):
        raise Problem(422, "party-named-twice", "Name each party once, in primary or also.")
    kinds = await organisation_kinds(session, named)
    unknown = [n for n in named if n not in kinds]
    if unknown:
        raise Problem(422, "unknown-party", f"No organisation with id {unknown}.", unknown=unknown)
    unfit = [n for n in named if kinds[n] not in FUNDING_PARTY_KINDS]
    if unfit:
        raise Problem(
            422,
            "not-a-funding-party",
            f"{unfit} cannot carry base funding: name ministries, growth forums, regions, "
            "municipalities or KL.",
        )
    return named


def _require_concerned(principal: Principal, parties: list[str], what: str) -> None:
    check(
        principal,
        "responsibility_exception",
        parties,
        rule="responsibility_exception",
        kind="not-a-party",
        what=(
            f"{what}: only a party concerned by the exception (named in it, named by the §1 "
            "matrix today, or party to the exception it replaces)"
        ),
    )


async def _announce(
    session: AsyncSession,
    type_: str,
    model: type[ev.ResponsibilityExceptionFacts],
    ex: ResponsibilityOverride,
    answers: list[ResponsibilityOverrideAnswer],
    by: str,
    *,
    only: str | None = None,
) -> None:
    """One addressed event per concerned party (or to ``only`` that one)."""
    parties = [a.party_id for a in answers]
    facts = model(
        exception_id=ex.id,
        cluster_id=ex.cluster_id,
        primary=list(ex.primary),
        also=list(ex.also),
        proposed_by=ex.recorded_by,
        state=ex.state,
        parties=parties,
        confirmed_by=[a.party_id for a in answers if a.answer in ("confirmed", "migrated")],
        waiting_for=[a.party_id for a in answers if a.answer == "pending"],
        supersedes_id=ex.supersedes_id,
        by=by,
    )
    for party in [only] if only else parties:
        await record_event(session, messaging, type_, facts, subject=ex.cluster_id, recipient=party)


async def propose_exception(
    session: AsyncSession,
    cluster_id: str,
    data: OverrideIn,
    principal: Principal,
    config: RuleConfig,
) -> ResponsibilityOverride:
    """A concerned party proposes an exception; the proposer's own answer is a confirmation."""
    cluster = await get_cluster(session, cluster_id)
    named = await _validate_named(session, data)
    state = await responsibility_state(session, cluster, config)
    computed = [*state.computed.primary, *state.computed.also]
    old = state.override
    old_parties = [*old.primary, *old.also] if old else []
    parties = list(authority.exception_parties(named, computed, old_parties))
    _require_concerned(principal, parties, "An exception is proposed")
    now = utcnow()
    ex = ResponsibilityOverride(
        id=str(uuid.uuid4()),
        cluster_id=cluster.id,
        primary=list(data.primary),
        also=list(data.also),
        reason=data.reason,
        recorded_by=principal.organisation_id,
        recorded_at=now,
        state="proposed",
        supersedes_id=old.id if old else None,
    )
    session.add(ex)
    await session.flush()
    answers = [
        ResponsibilityOverrideAnswer(
            override_id=ex.id,
            party_id=p,
            role="named" if p in named else ("computed" if p in computed else "in_force"),
            answer="confirmed" if p == principal.organisation_id else "pending",
            answered_at=now if p == principal.organisation_id else None,
        )
        for p in parties
    ]
    session.add_all(answers)
    await session.flush()
    await _announce(
        session,
        "registry.responsibility_exception.proposed",
        ev.ResponsibilityExceptionProposed,
        ex,
        answers,
        principal.organisation_id,
    )
    if all(a.answer == "confirmed" for a in answers):
        await _bring_into_force(session, cluster, ex, answers, principal, config)
    return ex


async def _bring_into_force(
    session: AsyncSession,
    cluster: Cluster,
    ex: ResponsibilityOverride,
    answers: list[ResponsibilityOverrideAnswer],
    principal: Principal,
    config: RuleConfig,
) -> None:
    current = await active_override(session, cluster.id)
    if current is not None and current.id != ex.supersedes_id:
        raise Problem(
            409,
            "exception-in-force-changed",
            "Another exception came into force after this one was proposed; its parties have "
            "not agreed to this one replacing it. Propose it again.",
            in_force_id=current.id,
        )
    now = utcnow()
    if current is not None:
        current.state = "superseded"
        current.withdrawn_at = now
        current.withdrawn_by = principal.organisation_id
    ex.state = "in_force"
    ex.in_force_at = now
    await session.flush()
    await _announce(
        session,
        "registry.responsibility_exception.in_force",
        ev.ResponsibilityExceptionInForce,
        ex,
        answers,
        principal.organisation_id,
    )
    await touch_cluster(
        session, cluster, config, ["responsibility_override"], cause="override_recorded"
    )


def _answer_of(
    answers: list[ResponsibilityOverrideAnswer], principal: Principal, what: str
) -> ResponsibilityOverrideAnswer:
    _require_concerned(principal, [a.party_id for a in answers], what)
    return next(a for a in answers if a.party_id == principal.organisation_id)


def _require_state(ex: ResponsibilityOverride, *states: str) -> None:
    if ex.state not in states:
        raise Problem(
            409,
            "exception-not-open",
            f"The exception is {ex.state}; this step needs it {' or '.join(states)}.",
            state=ex.state,
        )


async def confirm_exception(
    session: AsyncSession,
    cluster_id: str,
    exception_id: str,
    principal: Principal,
    config: RuleConfig,
) -> ResponsibilityOverride:
    ex, answers = await get_exception(session, cluster_id, exception_id)
    mine = _answer_of(answers, principal, "An exception is confirmed")
    _require_state(ex, "proposed")
    if mine.answer != "confirmed":
        mine.answer = "confirmed"
        mine.answered_at = utcnow()
        await session.flush()
        await _announce(
            session,
            "registry.responsibility_exception.confirmed",
            ev.ResponsibilityExceptionConfirmed,
            ex,
            answers,
            principal.organisation_id,
        )
    cluster = await get_cluster(session, cluster_id)
    await _ask_new_matrix_parties(session, cluster, ex, answers, principal, config)
    if all(a.answer == "confirmed" for a in answers):
        await _bring_into_force(session, cluster, ex, answers, principal, config)
    return ex


async def _ask_new_matrix_parties(
    session: AsyncSession,
    cluster: Cluster,
    ex: ResponsibilityOverride,
    answers: list[ResponsibilityOverrideAnswer],
    principal: Principal,
    config: RuleConfig,
) -> None:
    """The matrix may name other parties now than when the exception was proposed (a league
    or the members changed): they are concerned too, and asked before it can take effect."""
    state = await responsibility_state(session, cluster, config)
    known = {a.party_id for a in answers}
    new = [p for p in (*state.computed.primary, *state.computed.also) if p not in known]
    if not new:
        return
    added = [
        ResponsibilityOverrideAnswer(
            override_id=ex.id, party_id=p, role="computed", answer="pending"
        )
        for p in new
    ]
    session.add_all(added)
    answers.extend(added)
    await session.flush()
    for party in new:
        await _announce(
            session,
            "registry.responsibility_exception.proposed",
            ev.ResponsibilityExceptionProposed,
            ex,
            answers,
            principal.organisation_id,
            only=party,
        )


async def decline_exception(
    session: AsyncSession, cluster_id: str, exception_id: str, principal: Principal
) -> ResponsibilityOverride:
    ex, answers = await get_exception(session, cluster_id, exception_id)
    mine = _answer_of(answers, principal, "An exception is declined")
    _require_state(ex, "proposed")
    now = utcnow()
    mine.answer = "declined"
    mine.answered_at = now
    ex.state = "declined"
    ex.withdrawn_at = now
    ex.withdrawn_by = principal.organisation_id
    await session.flush()
    await _announce(
        session,
        "registry.responsibility_exception.declined",
        ev.ResponsibilityExceptionDeclined,
        ex,
        answers,
        principal.organisation_id,
    )
    return ex


async def withdraw_exception(
    session: AsyncSession,
    cluster_id: str,
    exception_id: str,
    principal: Principal,
    config: RuleConfig,
) -> ResponsibilityOverride:
    """Any concerned party withdraws a proposal, or ends one in force; the parties the matrix
    names today count as concerned too (so the computed primary can end an exception that
    was in force before consent was recorded)."""
    ex, answers = await get_exception(session, cluster_id, exception_id)
    cluster = await get_cluster(session, cluster_id)
    state = await responsibility_state(session, cluster, config)
    parties = [a.party_id for a in answers]
    computed = [*state.computed.primary, *state.computed.also]
    _require_concerned(principal, [*parties, *computed], "An exception is withdrawn")
    _require_state(ex, "proposed", "in_force")
    was_in_force = ex.state == "in_force"
    now = utcnow()
    mine = next((a for a in answers if a.party_id == principal.organisation_id), None)
    if mine is None:
        mine = ResponsibilityOverrideAnswer(
            override_id=ex.id, party_id=principal.organisation_id, role="computed"
        )
        session.add(mine)
        answers.append(mine)
    mine.answer = "withdrawn"
    mine.answered_at = now
    ex.state = "withdrawn"
    ex.withdrawn_at = now
    ex.withdrawn_by = principal.organisation_id
    await session.flush()
    await _announce(
        session,
        "registry.responsibility_exception.withdrawn",
        ev.ResponsibilityExceptionWithdrawn,
        ex,
        answers,
        principal.organisation_id,
    )
    if was_in_force:
        await touch_cluster(
            session, cluster, config, ["responsibility_override"], cause="override_withdrawn"
        )
    return ex
