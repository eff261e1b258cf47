"""Exceptions to the §1 responsibility matrix, with the consent of every party concerned.

§1 calls the division of roles "vejledende og fleksibel": the parties may agree another
arrangement. One party *proposes* it; it takes effect only when every party it names, every
party the matrix names today for the cluster and every party of the exception in force it
would replace has confirmed (``rules/authority.exception_parties``). Any of them may decline
a proposal or withdraw it; any party of one in force may withdraw it, and the computed
responsibility applies again. The states and who may take which step are the shared consent
rule (``shared.consent``, worded by ``rules/authority.EXCEPTION_CONSENT``). Each step is an
addressed event to each concerned party; ``registry.cluster.responsibility_changed`` follows
only when the responsibility in force changes (``touch_cluster``).
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
from services.registry.service.cluster_access import check_scope
from services.registry.service.cluster_loading import (
    active_override,
    get_cluster,
    organisation_kinds,
    organisation_names,
)
from services.registry.service.responsibility import responsibility_state, touch_cluster
from shared import consent
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.events.catalog import spec_for
from shared.events.outbox import record_event

Answers = dict[str, list[ResponsibilityOverrideAnswer]]
EXCEPTION = authority.EXCEPTION_CONSENT
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


def by_party(answers: list[ResponsibilityOverrideAnswer]) -> dict[str, str]:
    """Every concerned party's answer, in the order they are listed."""
    return {a.party_id: a.answer for a in answers}


def _require_party(principal: Principal, concerned: consent.Answers, step: str) -> None:
    """Only a concerned party (403 ``not-a-party`` naming them all), with a token that holds
    the scope for exceptions — the party first, then the scope."""
    consent.require_party(concerned, principal.organisation_id, step, EXCEPTION)
    check_scope(principal, "responsibility_exception")


def _step(
    ex: ResponsibilityOverride, concerned: consent.Answers, principal: Principal, step: str
) -> consent.Outcome:
    _require_party(principal, concerned, step)
    return consent.answer(ex.state, concerned, principal.organisation_id, step, EXCEPTION)


async def _announce(
    session: AsyncSession,
    type_: str,
    ex: ResponsibilityOverride,
    answers: list[ResponsibilityOverrideAnswer],
    by: str,
    *,
    only: str | None = None,
) -> None:
    """One addressed event per concerned party (or to ``only`` that one); the payload model is
    the catalog's for ``type_``."""
    parties = [a.party_id for a in answers]
    given = by_party(answers)
    facts = spec_for(type_).payload(
        exception_id=ex.id,
        cluster_id=ex.cluster_id,
        primary=list(ex.primary),
        also=list(ex.also),
        proposed_by=ex.recorded_by,
        state=ex.state,
        parties=parties,
        confirmed_by=consent.confirmed_by(given),
        waiting_for=consent.waiting_for(given),
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
    _require_party(principal, dict.fromkeys(parties, consent.PENDING), consent.PROPOSE)
    proposal = consent.propose(parties, principal.organisation_id, EXCEPTION)
    now = utcnow()
    ex = ResponsibilityOverride(
        id=str(uuid.uuid4()),
        cluster_id=cluster.id,
        primary=list(data.primary),
        also=list(data.also),
        reason=data.reason,
        recorded_by=principal.organisation_id,
        recorded_at=now,
        state=consent.PROPOSED,
        supersedes_id=old.id if old else None,
    )
    session.add(ex)
    await session.flush()
    answers = [
        ResponsibilityOverrideAnswer(
            override_id=ex.id,
            party_id=p,
            role="named" if p in named else ("computed" if p in computed else "in_force"),
            answer=proposal.answers[p],
            answered_at=now if p == principal.organisation_id else None,
        )
        for p in parties
    ]
    session.add_all(answers)
    await session.flush()
    await _announce(
        session,
        "registry.responsibility_exception.proposed",
        ex,
        answers,
        principal.organisation_id,
    )
    if proposal.state == consent.IN_FORCE:
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
    ex.state = consent.IN_FORCE
    ex.in_force_at = now
    await session.flush()
    await _announce(
        session,
        "registry.responsibility_exception.in_force",
        ex,
        answers,
        principal.organisation_id,
    )
    await touch_cluster(
        session, cluster, config, ["responsibility_override"], cause="override_recorded"
    )


def _mine(
    answers: list[ResponsibilityOverrideAnswer], principal: Principal
) -> ResponsibilityOverrideAnswer:
    return next(a for a in answers if a.party_id == principal.organisation_id)


async def confirm_exception(
    session: AsyncSession,
    cluster_id: str,
    exception_id: str,
    principal: Principal,
    config: RuleConfig,
) -> ResponsibilityOverride:
    ex, answers = await get_exception(session, cluster_id, exception_id)
    outcome = _step(ex, by_party(answers), principal, consent.CONFIRM)
    if outcome.changed:
        mine = _mine(answers, principal)
        mine.answer = outcome.answer
        mine.answered_at = utcnow()
        await session.flush()
        await _announce(
            session,
            "registry.responsibility_exception.confirmed",
            ex,
            answers,
            principal.organisation_id,
        )
    cluster = await get_cluster(session, cluster_id)
    await _ask_new_matrix_parties(session, cluster, ex, answers, principal, config)
    if consent.state_after(by_party(answers)) == consent.IN_FORCE:
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
            override_id=ex.id, party_id=p, role="computed", answer=consent.PENDING
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
            ex,
            answers,
            principal.organisation_id,
            only=party,
        )


async def decline_exception(
    session: AsyncSession, cluster_id: str, exception_id: str, principal: Principal
) -> ResponsibilityOverride:
    ex, answers = await get_exception(session, cluster_id, exception_id)
    outcome = _step(ex, by_party(answers), principal, consent.DECLINE)
    now = utcnow()
    mine = _mine(answers, principal)
    mine.answer = outcome.answer
    mine.answered_at = now
    ex.state = outcome.state
    ex.withdrawn_at = now
    ex.withdrawn_by = principal.organisation_id
    await session.flush()
    await _announce(
        session,
        "registry.responsibility_exception.declined",
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
    given = by_party(answers)
    computed = [*state.computed.primary, *state.computed.also]
    concerned = given | {p: consent.PENDING for p in computed if p not in given}
    outcome = _step(ex, concerned, principal, consent.WITHDRAW)
    now = utcnow()
    mine = next((a for a in answers if a.party_id == principal.organisation_id), None)
    if mine is None:
        mine = ResponsibilityOverrideAnswer(
            override_id=ex.id, party_id=principal.organisation_id, role="computed"
        )
        session.add(mine)
        answers.append(mine)
    mine.answer = outcome.answer
    mine.answered_at = now
    ex.state = outcome.state
    ex.withdrawn_at = now
    ex.withdrawn_by = principal.organisation_id
    await session.flush()
    await _announce(
        session,
        "registry.responsibility_exception.withdrawn",
        ex,
        answers,
        principal.organisation_id,
    )
    if outcome.before == consent.IN_FORCE:
        await touch_cluster(
            session, cluster, config, ["responsibility_override"], cause="override_withdrawn"
        )
    return ex
