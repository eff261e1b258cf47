"""Coordinated-financing agreements with the consent of every named party (§3). Never commits.

One named party proposes; each other named party confirms or declines; when every one has
confirmed the agreement is in force (``funding.agreement.concluded``) and only then counts in
the coordination findings. Any named party may decline a proposal or withdraw a proposal or
an agreement in force; withdrawing one in force re-evaluates the findings. Every step is an
addressed event to each named party. The states and who may take which step are the shared
consent rule (``shared.consent``, worded by ``rules/authority.AGREEMENT_CONSENT``); a party is
concerned with a cluster through a grant *in force* today (``shared.money.grant_in_force``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import Agreement, FundingCluster, Grant, messaging
from services.funding.rules import authority
from services.funding.schemas.grants import AgreementAnswerIn, AgreementCreate
from services.funding.service.common import (
    organisations,
    require_clusters,
    require_parties_known,
)
from services.funding.service.coordination_findings import reevaluate
from shared import consent
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.money import grant_in_force
from shared.pagination import decode_cursor, encode_cursor
from shared.queries import get_or_404, new_id

_STEP_EVENTS: dict[str, tuple[str, type[ev.AgreementStep]]] = {
    "proposed": ("funding.agreement.proposed", ev.AgreementProposed),
    "confirmed": ("funding.agreement.confirmed", ev.AgreementConfirmed),
    "declined": ("funding.agreement.declined", ev.AgreementDeclined),
    "withdrawn": ("funding.agreement.withdrawn", ev.AgreementWithdrawn),
}


async def agreements_page(
    session: AsyncSession,
    party: str | None,
    cluster: str | None,
    cursor: str | None,
    limit: int,
    state: str | None = None,
) -> tuple[list[Agreement], str | None]:
    """Agreements ``party`` is a party to, or naming ``cluster``: (rows, next cursor).

    Agreements are few (a handful per funder), so the party/cluster filter runs over the rows
    after the cursor rather than in JSON-specific SQL.
    """
    stmt = select(Agreement).order_by(Agreement.id)
    after = decode_cursor(cursor, str)
    if after:
        stmt = stmt.where(Agreement.id > after[0])
    if state:
        stmt = stmt.where(Agreement.state == state)
    matching = [
        a
        for a in (await session.execute(stmt)).scalars()
        if (not party or party in a.party_ids) and (not cluster or cluster in clusters_named(a))
    ]
    shown = matching[:limit]
    return shown, encode_cursor([shown[-1].id]) if len(matching) > limit else None


async def get_agreement(session: AsyncSession, agreement_id: str) -> Agreement:
    return await get_or_404(session, Agreement, agreement_id, "agreement")


def clusters_named(agreement: Agreement) -> list[str]:
    named = [c for p in agreement.parties for c in p.get("cluster_ids", [])]
    if agreement.cluster_id:
        named.append(agreement.cluster_id)
    return named


def answers_by_party(agreement: Agreement) -> dict[str, str]:
    """Every named party's answer, in the order the parties are named."""
    return {str(a["party_id"]): str(a["answer"]) for a in agreement.answers}


def waiting_for(agreement: Agreement) -> list[str]:
    """Named parties that have not confirmed yet."""
    return consent.waiting_for(answers_by_party(agreement))


async def _standing(
    session: AsyncSession, clusters: list[FundingCluster], today: date
) -> list[authority.ClusterStanding]:
    """The clusters as the authority policy sees them (§1 responsibility, home, grants in
    force on ``today``)."""
    ids = [c.id for c in clusters]
    rows = await session.execute(
        select(
            Grant.cluster_id, Grant.funder_id, Grant.starts_on, Grant.ends_on, Grant.terminated_on
        ).where(Grant.cluster_id.in_(ids))
    )
    funders: dict[str, list[str]] = {}
    for cluster_id, funder_id, starts_on, ends_on, terminated_on in rows.all():
        if grant_in_force(starts_on, ends_on, terminated_on, today):
            funders.setdefault(cluster_id, []).append(funder_id)
    return [
        authority.ClusterStanding(
            id=c.id,
            home_region_code=c.home_region_code,
            home_municipality_code=c.home_municipality_code,
            primary=tuple(c.responsibility_primary or ()),
            also=tuple(c.responsibility_also or ()),
            funders_in_force=tuple(sorted(set(funders.get(c.id, [])))),
        )
        for c in clusters
    ]


async def _record_step(
    session: AsyncSession, agreement: Agreement, step: str, party: str, reason: str | None = None
) -> None:
    """One addressed event per named party for this step."""
    type_, model = _STEP_EVENTS[step]
    extra: dict[str, Any] = {}
    if step == "proposed":
        extra["parties"] = [ev.AgreementPartyFacts.model_validate(p) for p in agreement.parties]
    if step in ("declined", "withdrawn"):
        extra["reason"] = reason
    for recipient in agreement.party_ids:
        await record_event(
            session,
            messaging,
            type_,
            model(
                agreement_id=agreement.id,
                kind=agreement.kind,
                party_id=party,
                recipient_id=recipient,
                state=agreement.state,
                cluster_id=agreement.cluster_id,
                party_ids=list(agreement.party_ids),
                waiting_for=waiting_for(agreement),
                **extra,
            ),
            subject=agreement.id,
            recipient=recipient,
        )


async def _affected_clusters(session: AsyncSession, agreement: Agreement) -> list[str]:
    funded = await session.execute(
        select(Grant.cluster_id).where(Grant.funder_id.in_(agreement.party_ids)).distinct()
    )
    return [*clusters_named(agreement), *funded.scalars()]


async def _come_into_force(session: AsyncSession, agreement: Agreement) -> None:
    agreement.in_force_since = utcnow()
    await record_event(
        session,
        messaging,
        "funding.agreement.concluded",
        ev.AgreementConcluded(
            agreement_id=agreement.id,
            kind=agreement.kind,
            created_by=agreement.created_by,
            cluster_id=agreement.cluster_id,
            parties=[ev.AgreementPartyFacts.model_validate(p) for p in agreement.parties],
        ),
        subject=agreement.id,
    )
    await reevaluate(
        session, await _affected_clusters(session, agreement), "funding.agreement.concluded"
    )


async def propose_agreement(
    session: AsyncSession, data: AgreementCreate, principal: Principal, today: date
) -> Agreement:
    """§3: a named party proposes; it counts for nothing until every named party confirmed."""
    party_ids = [p.party_id for p in data.parties]
    me = principal.organisation_id
    authority.check_may_propose(me, party_ids, [])  # a party, before any lookup
    await require_parties_known(session, party_ids)
    clusters = clusters_named_in(data)
    found = await require_clusters(session, clusters, active=False)
    kinds = {i: o.kind for i, o in (await organisations(session, party_ids)).items()}
    cannot = [p for p in party_ids if kinds.get(p) not in authority.FUNDER_KINDS]
    if cannot:
        raise Problem(
            422,
            "party-cannot-consent",
            f"Agreements are between funders ({', '.join(authority.FUNDER_KINDS)}), who confirm "
            f"them; not {', '.join(cannot)}.",
            parties=cannot,
        )
    standing = await _standing(session, [found[c] for c in dict.fromkeys(clusters)], today)
    authority.check_may_propose(me, party_ids, standing)
    proposal = consent.propose(party_ids, me, authority.AGREEMENT_CONSENT)
    now = utcnow()
    answers = [
        {
            "party_id": p,
            "answer": given,
            "answered_at": now.isoformat() if p == me else None,
            "reason": None,
        }
        for p, given in proposal.answers.items()
    ]
    agreement = Agreement(
        id=new_id("agr"),
        kind=data.kind,
        title=data.title,
        created_by=me,
        cluster_id=data.cluster_id,
        parties=[p.model_dump(mode="json") for p in data.parties],
        party_ids=party_ids,
        concluded_on=data.concluded_on or today,
        created_at=now,
        state=proposal.state,
        answers=answers,
    )
    session.add(agreement)
    await session.flush()
    await _record_step(session, agreement, "proposed", me)
    return agreement


def clusters_named_in(data: AgreementCreate) -> list[str]:
    clusters = [c for p in data.parties for c in p.cluster_ids]
    if data.cluster_id:
        clusters.append(data.cluster_id)
    return clusters


def _set_answer(agreement: Agreement, party: str, answer: str, reason: str | None) -> None:
    now = utcnow().isoformat()
    agreement.answers = [
        (a | {"answer": answer, "answered_at": now, "reason": reason})
        if a["party_id"] == party
        else dict(a)
        for a in agreement.answers
    ]


async def answer_agreement(
    session: AsyncSession,
    agreement_id: str,
    answer: str,
    data: AgreementAnswerIn,
    principal: Principal,
) -> Agreement:
    """confirm | decline, by a named party whose answer is pending (§3)."""
    agreement = await get_or_404(session, Agreement, agreement_id, "agreement")
    me = principal.organisation_id
    step = consent.CONFIRM if answer == "confirm" else consent.DECLINE
    outcome = consent.answer(
        agreement.state, answers_by_party(agreement), me, step, authority.AGREEMENT_CONSENT
    )
    _set_answer(agreement, me, outcome.answer, data.reason)
    agreement.state = outcome.state
    if outcome.state == consent.DECLINED:
        agreement.ended_at = utcnow()
    await session.flush()
    await _record_step(session, agreement, outcome.answer, me, data.reason)
    if outcome.came_into_force:
        await _come_into_force(session, agreement)
    return agreement


async def withdraw_agreement(
    session: AsyncSession, agreement_id: str, data: AgreementAnswerIn, principal: Principal
) -> Agreement:
    """A named party withdraws a proposal or an agreement in force; findings re-evaluated."""
    agreement = await get_or_404(session, Agreement, agreement_id, "agreement")
    me = principal.organisation_id
    outcome = consent.answer(
        agreement.state,
        answers_by_party(agreement),
        me,
        consent.WITHDRAW,
        authority.AGREEMENT_CONSENT,
    )
    _set_answer(agreement, me, outcome.answer, data.reason)
    agreement.state = outcome.state
    agreement.ended_at = utcnow()
    await session.flush()
    await _record_step(session, agreement, outcome.answer, me, data.reason)
    if outcome.before == consent.IN_FORCE:
        await reevaluate(
            session, await _affected_clusters(session, agreement), "funding.agreement.withdrawn"
        )
    return agreement
