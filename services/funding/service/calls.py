"""Calls and the dialogue before a call (§3, §4.1). Never commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.config import CallConfig
from services.funding.models import Call, DialogueRequest, messaging
from services.funding.rules import authority
from services.funding.rules.calls import (
    DialogueStatus,
    check_call_dates,
    check_can_open,
    check_criteria,
    check_deadline,
    dialogue_parties,
    home_forum,
    needs_dialogue,
    omit,
    scope_for,
    should_announce,
    strategic_dialogue_parties,
    transition,
)
from services.funding.rules.violations import RuleViolation
from services.funding.schemas.calls import CallCreate, CriteriaPublish, DialogueAnswerIn
from services.funding.service.common import (
    organisations,
    problem,
    require_clusters,
    require_funder,
)
from services.funding.service.programmes import own_programme
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.queries import get_or_404, new_id, page
from shared.reference import KLYNGEFORUM_SECRETARIAT
from shared.refusal import Refusal

# --- calls ----------------------------------------------------------------------------------


def _facts(call: Call) -> dict[str, object]:
    return {
        "call_id": call.id,
        "funder_id": call.funder_id,
        "programme_id": call.programme_id,
        "title": call.title,
        "kind": call.kind,
        "scope": call.scope,
        "strategic": call.strategic,
        "budget_dkk": call.budget_dkk,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "decision_on": call.decision_on,
        "state": call.state,
    }


async def plan_call(
    session: AsyncSession,
    data: CallCreate,
    principal: Principal,
    config: CallConfig,
    today: date,
) -> Call:
    funder = require_funder(principal, data.funder_id, "plan a call")
    prog = await own_programme(session, data.programme_id, funder)
    try:
        scope = scope_for(principal.organisation_kind, data.scope)
        check_call_dates(data.opens_on, data.closes_on, data.decision_on)
    except RuleViolation as exc:
        raise problem(exc, 422) from exc
    dialogue = needs_dialogue(strategic=data.strategic, kind=prog.kind)
    parties: list[str] = []
    deadline: date | None = None
    if dialogue:
        deadline = data.dialogue_deadline or today + timedelta(days=config.dialogue_days)
        try:
            check_deadline(deadline, today)
        except RuleViolation as exc:
            raise problem(exc, 422) from exc
        me = (await organisations(session, [funder])).get(funder)
        forum = home_forum(funder, me.kind, me.region_code, me.municipality_code) if me else None
        consulted = (
            strategic_dialogue_parties(funder, forum)
            if data.strategic
            else dialogue_parties(scope, funder, forum)
        )
        try:
            parties = omit(consulted, [o.party_id for o in data.dialogue_omissions])
        except RuleViolation as exc:
            raise problem(exc, 422) from exc
    elif data.dialogue_omissions:
        raise Problem(
            422,
            "no-dialogue",
            "This call has no §3 dialogue (neither strategic nor base funding); there is "
            "nobody to omit.",
        )
    now = utcnow()
    call = Call(
        id=new_id("call"),
        funder_id=funder,
        programme_id=prog.id,
        title=data.title,
        description=data.description,
        kind=prog.kind,
        scope=scope,
        strategic=data.strategic,
        budget_dkk=data.budget_dkk,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        decision_on=data.decision_on,
        criteria=[c.model_dump() for c in data.criteria],
        state="in_dialogue" if dialogue else "planned",
        dialogue_deadline=deadline,
        dialogue_omissions=[o.model_dump() for o in data.dialogue_omissions],
        announced=should_announce(
            strategic=data.strategic,
            budget_dkk=data.budget_dkk,
            threshold_dkk=config.announce_threshold_dkk,
        ),
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(call)
    await session.flush()
    await record_event(
        session,
        messaging,
        "funding.call.planned",
        ev.CallPlanned(
            **_facts(call),
            dialogue_parties=parties,
            dialogue_deadline=deadline,
            dialogue_omissions=[ev.DialogueOmission(**o) for o in call.dialogue_omissions or []],
        ),
        subject=call.id,
    )
    for party in parties:
        req = DialogueRequest(
            id=new_id("dlg"),
            call_id=call.id,
            recipient_id=party,
            deadline=deadline,
            cluster_ids=[],
            created_at=now,
        )
        session.add(req)
        await record_event(
            session,
            messaging,
            "funding.dialogue.requested",
            ev.DialogueRequested(
                request_id=req.id,
                call_id=call.id,
                funder_id=funder,
                recipient_id=party,
                deadline=deadline,
                title=call.title,
                scope=scope,
                strategic=call.strategic,
                budget_dkk=call.budget_dkk,
            ),
            subject=call.id,
            recipient=party,
        )
    if call.announced:
        reason = "strategic" if call.strategic else "budget at or above the threshold"
        await record_event(
            session,
            messaging,
            "funding.call.announced",
            ev.CallAnnounced(**_facts(call), reason=reason),
            subject=call.id,
            recipient=KLYNGEFORUM_SECRETARIAT.id,
        )
    await session.flush()
    return call


async def calls_page(
    session: AsyncSession,
    funder: str | None,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Call], str | None]:
    """Calls of every funder, or of ``funder``, in ``state`` if given: (rows, next cursor)."""
    stmt = select(Call)
    if funder:
        stmt = stmt.where(Call.funder_id == funder)
    if state:
        stmt = stmt.where(Call.state == state)
    return await page(session, stmt, Call.id, cursor, limit)


async def get_call(session: AsyncSession, call_id: str) -> Call:
    return await get_or_404(session, Call, call_id, "call")


async def dialogue_requests_of(session: AsyncSession, call_id: str) -> list[DialogueRequest]:
    rows = await session.execute(
        select(DialogueRequest)
        .where(DialogueRequest.call_id == call_id)
        .order_by(DialogueRequest.id)
    )
    return list(rows.scalars())


def dialogue_status(call: Call, requests: list[DialogueRequest]) -> DialogueStatus | None:
    if not requests:
        return None
    return DialogueStatus(
        answered=tuple(r.recipient_id for r in requests if r.answered_at),
        unanswered=tuple(r.recipient_id for r in requests if not r.answered_at),
        deadline=call.dialogue_deadline,
    )


async def own_call(session: AsyncSession, call_id: str, principal: Principal, what: str) -> Call:
    call = await get_or_404(session, Call, call_id, "call")
    authority.check_owner(
        principal.organisation_id,
        call.funder_id,
        "not-your-call",
        "call-moved-by-its-funder",
        f"{what} (the call's funder)",
    )
    return call


def _touch(call: Call) -> None:
    call.updated_at = utcnow()
    call.version += 1


async def publish_criteria(
    session: AsyncSession,
    call_id: str,
    data: CriteriaPublish,
    principal: Principal,
    if_match: str | None,
) -> Call:
    call = await own_call(session, call_id, principal, "publish its criteria")
    require_if_match(if_match, call.version)
    if call.criteria_published_at is not None:
        raise Problem(
            409,
            "criteria-already-published",
            f"The criteria were published at {call.criteria_published_at.isoformat()}; "
            "published criteria do not change (§4.1 transparency).",
        )
    if call.state in ("decided", "cancelled"):
        raise Problem(
            409, "illegal-transition", f"The call is {call.state}.", current_state=call.state
        )
    criteria = (
        [c.model_dump() for c in data.criteria] if data.criteria is not None else call.criteria
    )
    try:
        check_criteria([c["weight"] for c in criteria])
    except RuleViolation as exc:
        raise problem(exc, 422) from exc
    call.criteria = criteria
    call.criteria_published_at = utcnow()
    _touch(call)
    await session.flush()
    return call


async def _close_dialogue(
    session: AsyncSession, call: Call, requests: list[DialogueRequest], reason: str
) -> None:
    if call.dialogue_closed_at is not None or not requests:
        return
    call.dialogue_closed_at = utcnow()
    await record_event(
        session,
        messaging,
        "funding.dialogue.closed",
        ev.DialogueClosed(
            call_id=call.id,
            funder_id=call.funder_id,
            reason=reason,
            answered=[r.recipient_id for r in requests if r.answered_at],
            unanswered=[r.recipient_id for r in requests if not r.answered_at],
        ),
        subject=call.id,
    )


_EVENTS = {
    "open": ("funding.call.opened", ev.CallOpened),
    "close": ("funding.call.closed", ev.CallClosed),
    "decide": ("funding.call.decided", ev.CallDecided),
    "cancel": ("funding.call.cancelled", ev.CallCancelled),
}


async def move_call(
    session: AsyncSession,
    call_id: str,
    action: str,
    principal: Principal,
    today: date,
    if_match: str | None = None,
    reason: str | None = None,
) -> Call:
    """open | close | decide | cancel, by the call's funder only; illegal moves → 409."""
    call = await own_call(session, call_id, principal, f"{action} it")
    if if_match is not None:
        require_if_match(if_match, call.version)
    requests = await dialogue_requests_of(session, call.id)
    try:
        if action == "open":
            check_can_open(
                state=call.state,
                criteria_published=call.criteria_published_at is not None,
                dialogue=dialogue_status(call, requests),
                today=today,
                opens_on=call.opens_on,
            )
        target = transition(call.state, action)
    except RuleViolation as exc:
        raise problem(exc) from exc
    if action == "open":
        await _close_dialogue(session, call, requests, "deadline_passed")
    elif action == "cancel":
        await _close_dialogue(session, call, requests, "cancelled")
    previous, call.state = call.state, target
    _touch(call)
    type_, model = _EVENTS[action]
    extra: dict[str, object] = {}
    if action == "open":
        extra["criteria"] = call.criteria
    if action == "cancel":
        extra["reason"] = reason
    await record_event(
        session,
        messaging,
        type_,
        model(
            call_id=call.id, funder_id=call.funder_id, from_state=previous, to_state=target, **extra
        ),
        subject=call.id,
    )
    await session.flush()
    return call


# --- dialogue -------------------------------------------------------------------------------


async def dialogue_requests_page(
    session: AsyncSession,
    principal: Principal,
    call_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[DialogueRequest], str | None]:
    """Requests addressed to the caller, and every request on calls it funds."""
    me = principal.organisation_id
    own_calls = select(Call.id).where(Call.funder_id == me)
    stmt = select(DialogueRequest).where(
        or_(DialogueRequest.recipient_id == me, DialogueRequest.call_id.in_(own_calls))
    )
    if call_id:
        stmt = stmt.where(DialogueRequest.call_id == call_id)
    return await page(session, stmt, DialogueRequest.id, cursor, limit)


async def get_dialogue_request(session: AsyncSession, request_id: str) -> DialogueRequest:
    return await get_or_404(session, DialogueRequest, request_id, "dialogue request")


async def call_of(session: AsyncSession, req: DialogueRequest) -> Call:
    """The call a dialogue request belongs to."""
    call = await session.get(Call, req.call_id)
    assert call is not None
    return call


async def answer_dialogue(
    session: AsyncSession, request_id: str, data: DialogueAnswerIn, principal: Principal
) -> DialogueRequest:
    """Only the addressed party answers, once; while the dialogue is still open."""
    req = await get_or_404(session, DialogueRequest, request_id, "dialogue request")
    authority.check_owner(
        principal.organisation_id,
        req.recipient_id,
        "not-your-request",
        "dialogue-answered-by-the-asked-party",
        "answer this dialogue request (the party it is addressed to)",
    )
    if req.answered_at is not None:
        raise Problem(
            409,
            "already-answered",
            f"You answered this request at {req.answered_at.isoformat()}; an answer is given "
            "once (send the funder anything further directly).",
        )
    call = await call_of(session, req)
    if call.dialogue_closed_at is not None and call.state != "in_dialogue":
        raise Problem(
            409,
            "dialogue-closed",
            f"The dialogue on call {call.id} is closed (the call is {call.state}).",
            current_state=call.state,
        )
    await require_clusters(session, list(data.cluster_ids), active=False)
    req.answered_at = utcnow()
    req.comment = data.comment
    req.co_financing_dkk = data.co_financing_dkk
    req.cluster_ids = list(data.cluster_ids)
    await session.flush()
    requests = await dialogue_requests_of(session, call.id)
    # §3 "informere og høre hinanden": the funder and every other consulted party are told
    others = [r.recipient_id for r in requests if r.recipient_id != req.recipient_id]
    for recipient in dict.fromkeys([call.funder_id, *others]):
        await record_event(
            session,
            messaging,
            "funding.dialogue.answered",
            ev.DialogueAnswered(
                request_id=req.id,
                call_id=call.id,
                party_id=req.recipient_id,
                co_financing_dkk=data.co_financing_dkk,
                cluster_ids=req.cluster_ids,
            ),
            subject=call.id,
            recipient=recipient,
        )
    if all(r.answered_at for r in requests):
        await _close_dialogue(session, call, requests, "all_answered")
        _touch(call)
    await session.flush()
    return req


async def call_dialogue(session: AsyncSession, call_id: str, principal: Principal) -> Call:
    """§3: a call's dialogue is seen by its funder and by every party it consulted (each sees
    the others' answers once given); anyone else is refused."""
    call = await get_or_404(session, Call, call_id, "call")
    requests = await dialogue_requests_of(session, call.id)
    may_see = [call.funder_id, *(r.recipient_id for r in requests)]
    if principal.organisation_id not in may_see:
        raise Refusal(
            "not-consulted",
            "dialogue-seen-by-its-parties",
            f"A call's dialogue is seen by its funder and the parties it consulted "
            f"({', '.join(may_see)}); you act as {principal.organisation_id}.",
            may_act=may_see,
        )
    return call
