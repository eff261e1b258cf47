"""Referrals: send, read, move through the closed loop (§5). Never commits.

Only the two organisations involved see a referral; to anyone else it does not exist (404,
so a third organisation learns nothing, not even that the id is taken). Every change is a
:class:`~services.referrals.models.ReferralTransition` the sender can read, and an event
addressed to the other party. Events carry ids, states, places and fields — never the
contact person, the firm's name or the need (``ReferralFacts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import OfferedService, Referral, ReferralTransition, messaging
from services.referrals.rules import authority
from services.referrals.rules import referrals as rules
from services.referrals.rules.referrals import ClockDays, Role, TransitionRefused
from services.referrals.schemas.referrals import (
    ConsentOut,
    ContactOut,
    FirmOut,
    ReferralCreate,
    ReferralOut,
    TransitionOut,
)
from services.referrals.service.common import require_acting_party, require_party, where_is
from shared.auth import Principal
from shared.clock import optional_utc
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.pagination import decode_cursor, encode_cursor
from shared.queries import new_id
from shared.reference import region_of_municipality

#: Clock skew tolerated when checking that consent was not given in the future.
CONSENT_SKEW = timedelta(minutes=5)


def clock_days(settings: Any) -> ClockDays:
    """The working days of each clock, from the service settings."""
    return ClockDays(
        answer=settings.answer_working_days,
        start=settings.start_working_days,
        close=settings.close_working_days,
    )


def owner_id(referral: Referral) -> str | None:
    role = rules.owner(referral.state)
    return None if role is None else _org_of(referral, role)


def _org_of(referral: Referral, role: Role) -> str:
    return referral.sender_id if role == "sender" else referral.recipient_id


def facts(referral: Referral) -> dict[str, Any]:
    """The anonymous facts every referral event carries (``ReferralFacts``)."""
    return {
        "referral_id": referral.id,
        "sender_id": referral.sender_id,
        "sender_kind": referral.sender_kind,
        "recipient_id": referral.recipient_id,
        "recipient_kind": referral.recipient_kind,
        "service_id": referral.service_id,
        "state": referral.state,
        "firm_municipality_code": referral.firm_municipality_code,
        "firm_region_code": referral.firm_region_code,
        "sender_region_code": referral.sender_region_code,
        "recipient_municipality_code": referral.recipient_municipality_code,
        "recipient_region_code": referral.recipient_region_code,
        "cross_municipality": referral.cross_municipality,
        "cross_region": referral.cross_region,
        "fields": list(referral.fields or []),
        "firm_employees": referral.firm_employees,
        "created_at": optional_utc(referral.created_at),
        "due_at": optional_utc(referral.due_at),
    }


def referral_out(referral: Referral, caller: str, now: datetime) -> ReferralOut:
    """The answer for ``caller`` (one of the two organisations): everything, contact data
    included unless erased, and what the caller may do next."""
    role = rules.role_of(caller, referral.sender_id, referral.recipient_id)
    erased = referral.contact_erased_at is not None
    return ReferralOut(
        id=referral.id,
        sender_id=referral.sender_id,
        sender_kind=referral.sender_kind,
        sender_municipality_code=referral.sender_municipality_code,
        sender_region_code=referral.sender_region_code,
        recipient_id=referral.recipient_id,
        recipient_kind=referral.recipient_kind,
        recipient_municipality_code=referral.recipient_municipality_code,
        recipient_region_code=referral.recipient_region_code,
        service_id=referral.service_id,
        firm=FirmOut(
            cvr=referral.firm_cvr,
            name=referral.firm_name,
            municipality_code=referral.firm_municipality_code,
            region_code=referral.firm_region_code,
            employees=referral.firm_employees,
        ),
        need=referral.need,
        fields=list(referral.fields or []),
        contact=None
        if erased
        else ContactOut(
            name=referral.contact_name,
            email=referral.contact_email,
            phone=referral.contact_phone,
        ),
        consent=ConsentOut(
            given_at=referral.consent_given_at,
            given_by=referral.consent_given_by,
            purpose=referral.consent_purpose,
        ),
        contact_erased_at=referral.contact_erased_at,
        erased_reason=referral.erased_reason,  # type: ignore[arg-type]
        state=referral.state,  # type: ignore[arg-type]
        owner_id=owner_id(referral),
        allowed_actions=rules.allowed_actions(referral.state, role) if role else [],
        reason=referral.reason,
        outcome=referral.outcome,
        outcome_category=referral.outcome_category,
        cross_municipality=referral.cross_municipality,
        cross_region=referral.cross_region,
        created_at=referral.created_at,
        answered_at=referral.answered_at,
        closed_at=referral.closed_at,
        state_changed_at=referral.state_changed_at,
        due_at=referral.due_at,
        overdue=rules.is_overdue(referral.state, optional_utc(referral.due_at), now),
        overdue_at=referral.overdue_at,
        version=referral.version,
    )


def transition_out(t: ReferralTransition) -> TransitionOut:
    return TransitionOut.model_validate(t, from_attributes=True)


# --- sending ----------------------------------------------------------------------------------


async def _require_service(session: AsyncSession, service_id: str, recipient_id: str) -> None:
    svc = None if "\x00" in service_id else await session.get(OfferedService, service_id)
    if svc is None or svc.organisation_id != recipient_id:
        raise Problem(
            422,
            "unknown-service",
            f"'{service_id[:64]}' is not a service of {recipient_id} "
            f"(GET /referrals/v1/services?organisation={recipient_id}).",
        )
    if svc.status != "active":
        raise Problem(
            422,
            "service-not-active",
            f"Service {svc.id} of {recipient_id} is {svc.status}; refer to an active service "
            "or to the organisation without a service.",
            service_status=svc.status,
        )


async def send_referral(
    session: AsyncSession,
    data: ReferralCreate,
    principal: Principal,
    now: datetime,
    days: ClockDays,
) -> Referral:
    """Refer a firm from the caller's organisation to ``data.recipient_id`` (§5).

    Both must be parties of the exchange (the caller: 403, ``rules.authority``; the
    recipient: 422). The consent must be recorded and not lie in the future (personal data is
    shared only with consent). Where the sender, the recipient and the firm are is stored with
    the referral, and whether it crosses a municipal or regional border, judged from where the
    firm is to where the receiving organisation is.
    """
    sender = await require_acting_party(session, principal, "refer a firm")
    if data.recipient_id == sender.id:
        raise Problem(
            422, "self-referral", "A referral goes to another organisation, not to your own."
        )
    recipient = await require_party(session, data.recipient_id, "recipient")
    if data.service_id:
        await _require_service(session, data.service_id, recipient.id)
    given_at = data.consent.given_at.astimezone(UTC)
    if given_at > now + CONSENT_SKEW:
        raise Problem(
            422,
            "consent-in-the-future",
            "consent.given_at lies in the future; record when the person actually consented.",
        )
    sender_municipality, sender_region = await where_is(session, sender)
    recipient_municipality, recipient_region = await where_is(session, recipient)
    firm_municipality = data.firm.municipality_code
    firm_region = region_of_municipality(firm_municipality)
    cross_municipality, cross_region = rules.crosses(
        firm_municipality, firm_region, recipient_municipality, recipient_region
    )
    referral = Referral(
        id=new_id("ref"),
        sender_id=sender.id,
        sender_kind=sender.kind,
        sender_municipality_code=sender_municipality,
        sender_region_code=sender_region,
        recipient_id=recipient.id,
        recipient_kind=recipient.kind,
        recipient_municipality_code=recipient_municipality,
        recipient_region_code=recipient_region,
        service_id=data.service_id,
        firm_cvr=data.firm.cvr,
        firm_name=data.firm.name,
        firm_municipality_code=firm_municipality,
        firm_region_code=firm_region,
        firm_employees=data.firm.employees,
        need=data.need,
        fields=list(data.fields),
        contact_name=data.contact.name,
        contact_email=data.contact.email,
        contact_phone=data.contact.phone,
        consent_given_at=given_at,
        consent_given_by=data.consent.given_by,
        consent_purpose=data.consent.purpose,
        state="requested",
        cross_municipality=cross_municipality,
        cross_region=cross_region,
        created_at=now,
        state_changed_at=now,
        due_at=rules.due_at("requested", now, days),
        version=1,
    )
    session.add(referral)
    session.add(
        ReferralTransition(
            referral_id=referral.id,
            from_state=None,
            to_state="requested",
            actor_id=sender.id,
            note=None,
            at=now,
        )
    )
    await session.flush()
    await record_event(
        session,
        messaging,
        "referrals.referral.sent",
        ev.ReferralSent(**facts(referral)),
        subject=referral.id,
        recipient=referral.recipient_id,
    )
    return referral


# --- reading ----------------------------------------------------------------------------------


def _not_found(referral_id: str) -> Problem:
    return Problem(404, "not-found", f"No referral '{referral_id[:64]}'.")


async def visible_referral(
    session: AsyncSession, referral_id: str, organisation_id: str, *, for_update: bool = False
) -> tuple[Referral, Role]:
    """The referral and the caller's role in it; 404 for anyone but its two organisations.

    ``for_update``: lock the row on PostgreSQL until the transaction ends, so of two changes
    made from the same ETag at once the second sees the first's version (412). SQLite runs
    one writing transaction at a time (``BEGIN IMMEDIATE``), which has the same effect."""
    if "\x00" in referral_id or len(referral_id) > 64:
        raise _not_found(referral_id)
    stmt = select(Referral).where(Referral.id == referral_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    referral = (await session.execute(stmt)).scalar_one_or_none()
    role = (
        None
        if referral is None
        else rules.role_of(organisation_id, referral.sender_id, referral.recipient_id)
    )
    if referral is None or role is None:
        raise _not_found(referral_id)
    return referral, role


@dataclass(frozen=True)
class ListFilter:
    role: str | None = None
    state: str | None = None
    overdue: bool | None = None


async def list_referrals(
    session: AsyncSession,
    organisation_id: str,
    filters: ListFilter,
    now: datetime,
    cursor: str | None,
    limit: int,
) -> tuple[list[Referral], str | None]:
    """Referrals the organisation sent or received, oldest first (keyset on the id)."""
    mine = {
        "sent": Referral.sender_id == organisation_id,
        "received": Referral.recipient_id == organisation_id,
    }
    stmt = select(Referral).where(
        mine[filters.role]
        if filters.role
        else or_(Referral.sender_id == organisation_id, Referral.recipient_id == organisation_id)
    )
    if filters.state:
        stmt = stmt.where(Referral.state == filters.state)
    open_states = sorted(rules.OPEN_STATES)
    if filters.overdue is True:
        stmt = stmt.where(Referral.state.in_(open_states), Referral.due_at < now)
    elif filters.overdue is False:
        stmt = stmt.where(
            or_(
                Referral.state.not_in(open_states),
                Referral.due_at.is_(None),
                Referral.due_at >= now,
            )
        )
    after = decode_cursor(cursor, str)
    if after:
        stmt = stmt.where(Referral.id > after[0])
    rows = list((await session.execute(stmt.order_by(Referral.id).limit(limit + 1))).scalars())
    nxt = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], nxt


async def history(
    session: AsyncSession, referral_id: str, organisation_id: str, cursor: str | None, limit: int
) -> tuple[list[ReferralTransition], str | None]:
    """The referral's transitions, oldest first (both organisations see every change)."""
    await visible_referral(session, referral_id, organisation_id)
    return await transitions_page(session, referral_id, cursor, limit)


async def transitions_page(
    session: AsyncSession, referral_id: str, cursor: str | None, limit: int
) -> tuple[list[ReferralTransition], str | None]:
    stmt = select(ReferralTransition).where(ReferralTransition.referral_id == referral_id)
    after = decode_cursor(cursor, int)
    if after:
        stmt = stmt.where(ReferralTransition.id > after[0])
    stmt = stmt.order_by(ReferralTransition.id).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    nxt = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], nxt


# --- the closed loop --------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What the acting organisation says with its change."""

    note: str | None = None
    reason: str | None = None
    outcome: str | None = None
    outcome_category: str | None = None


def _refused(exc: TransitionRefused) -> Problem:
    return Problem(exc.status, exc.kind, exc.detail, allowed_actions=exc.allowed)


async def move(
    session: AsyncSession,
    referral_id: str,
    action: str,
    principal: Principal,
    if_match: str | None,
    now: datetime,
    days: ClockDays,
    step: Step,
) -> Referral:
    """Take ``action`` on a referral as the caller's organisation.

    404 unless the caller is one of its two organisations; 403 when the action belongs to the
    other one (``rules.authority.check_referral_step``, §5); 428/412 without a current
    If-Match; 409 when the current state does not allow it. The change sets the clock fields
    (``rules.times_after``), clears ``overdue_at`` (the new state's clock starts afresh), is
    recorded in the history and announced to the other party.
    """
    referral, role = await visible_referral(
        session, referral_id, principal.organisation_id, for_update=True
    )
    try:
        authority.check_referral_step(action, role, referral.sender_id, referral.recipient_id)
    except TransitionRefused as exc:  # an unknown action (404); a wrong party is a Refusal
        raise _refused(exc) from None
    require_if_match(if_match, referral.version)
    try:
        t = rules.check_state(action, referral.state)
    except TransitionRefused as exc:
        raise _refused(exc) from None
    times = rules.times_after(t.to_state, now, optional_utc(referral.answered_at), days)
    referral.state = t.to_state
    referral.state_changed_at = times.state_changed_at
    referral.answered_at = times.answered_at
    referral.closed_at = times.closed_at
    referral.due_at = times.due_at
    referral.overdue_at = None
    if t.needs == "reason" or (action == "cancel" and step.note):
        referral.reason = step.reason if t.needs == "reason" else step.note
    if t.needs == "outcome":
        referral.outcome = step.outcome
        referral.outcome_category = step.outcome_category
    referral.version += 1
    note = step.reason if t.needs == "reason" else step.outcome if t.needs else step.note
    session.add(
        ReferralTransition(
            referral_id=referral.id,
            from_state=t.from_state,
            to_state=t.to_state,
            actor_id=principal.organisation_id,
            note=note,
            at=now,
        )
    )
    await session.flush()
    payload = _event_payload(t.event, referral)
    await record_event(
        session,
        messaging,
        t.event,
        payload,
        subject=referral.id,
        recipient=_org_of(referral, t.notify),
    )
    return referral


def _event_payload(event: str, referral: Referral) -> ev.ReferralFacts:
    base = facts(referral)
    if event == "referrals.referral.completed":
        return ev.ReferralCompleted(**base, outcome_category=referral.outcome_category)
    model: type[ev.ReferralFacts] = {
        "referrals.referral.accepted": ev.ReferralAccepted,
        "referrals.referral.rejected": ev.ReferralRejected,
        "referrals.referral.started": ev.ReferralStarted,
        "referrals.referral.failed": ev.ReferralFailed,
        "referrals.referral.cancelled": ev.ReferralCancelled,
    }[event]
    return model(**base)


# --- firms (GDPR access by CVR) ---------------------------------------------------------------


def about_firm(cvr: str, principal: Principal) -> Any:
    """The referrals about ``cvr`` the caller may see: those its organisation sent or
    received; a forum secretariat token with scope ``admin`` sees all (GDPR requests)."""
    condition = Referral.firm_cvr == cvr
    if not principal.has("admin"):
        me = principal.organisation_id
        condition = and_(condition, or_(Referral.sender_id == me, Referral.recipient_id == me))
    return condition


async def firm_referrals(session: AsyncSession, cvr: str, principal: Principal) -> list[Referral]:
    stmt = select(Referral).where(about_firm(cvr, principal)).order_by(Referral.id)
    return list((await session.execute(stmt)).scalars())


async def all_transitions(
    session: AsyncSession, referral_ids: list[str]
) -> dict[str, list[ReferralTransition]]:
    out: dict[str, list[ReferralTransition]] = {i: [] for i in referral_ids}
    if referral_ids:
        stmt = (
            select(ReferralTransition)
            .where(ReferralTransition.referral_id.in_(referral_ids))
            .order_by(ReferralTransition.id)
        )
        for t in (await session.execute(stmt)).scalars():
            out[t.referral_id].append(t)
    return out
