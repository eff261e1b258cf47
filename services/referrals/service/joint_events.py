"""Joint events (§5 "fælles arrangementer for fælles SMV-målgrupper"). Never commits.

One party proposes an event for a shared target group to another party; only the two of them
see the proposal (anyone else gets 404). The partner is told by
``referrals.joint_event.proposed``, addressed to it and recorded with the proposal. States::

    proposed → accepted (the partner; it becomes an activity hosted by the proposer with the
               partner as co-host, announced like any activity, and
               ``referrals.joint_event.agreed`` is published)
             → declined (the partner, with a reason)
             → withdrawn (the proposer)

Every transition needs If-Match (the version read), like the other state changes of the suite;
a transition from any state but ``proposed`` is 409.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import JointEvent, messaging
from services.referrals.rules import authority
from services.referrals.schemas.joint_events import JointEventCreate, JointEventDecline
from services.referrals.service.activities import add_activity
from services.referrals.service.common import require_acting_party, require_party
from shared.auth import Principal
from shared.clock import as_utc
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.queries import new_id, page

AGREED = "referrals.joint_event.agreed"
PROPOSED = "referrals.joint_event.proposed"


async def propose(
    session: AsyncSession, data: JointEventCreate, principal: Principal, now: datetime
) -> JointEvent:
    proposer = principal.organisation_id
    if data.partner_id == proposer:
        raise Problem(
            422,
            "partner-is-yourself",
            "A joint event is proposed to another organisation, not to your own.",
        )
    await require_acting_party(session, principal, "propose a joint event")
    await require_party(session, data.partner_id, "partner")
    if data.ends_at <= now:
        raise Problem(422, "activity-over", "The proposed event has already ended.")
    joint = JointEvent(
        id=new_id("jev"),
        proposer_id=proposer,
        state="proposed",
        created_at=now,
        updated_at=now,
        version=1,
        **data.model_dump(),
    )
    session.add(joint)
    await session.flush()
    await record_event(
        session,
        messaging,
        PROPOSED,
        ev.JointEventProposed(
            joint_event_id=joint.id,
            proposer_id=proposer,
            partner_id=joint.partner_id,
            kind=joint.kind,
            title=joint.title,
            starts_at=as_utc(joint.starts_at),
            ends_at=as_utc(joint.ends_at),
            municipality_code=joint.municipality_code,
            online=joint.online,
            target_groups=list(joint.target_groups),
            fields=list(joint.fields),
        ),
        subject=joint.id,
        recipient=joint.partner_id,
    )
    return joint


async def visible(session: AsyncSession, joint_event_id: str, principal: Principal) -> JointEvent:
    """The proposal, if the caller is the proposer or the partner; otherwise 404 (a third
    party does not learn that it exists)."""
    joint = None if "\x00" in joint_event_id else await session.get(JointEvent, joint_event_id)
    if joint is None or principal.organisation_id not in (joint.proposer_id, joint.partner_id):
        raise Problem(404, "not-found", f"No joint event '{joint_event_id[:64]}' of yours.")
    return joint


async def list_joint_events(
    session: AsyncSession,
    principal: Principal,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[JointEvent], str | None]:
    me = principal.organisation_id
    stmt = select(JointEvent).where(or_(JointEvent.proposer_id == me, JointEvent.partner_id == me))
    if state:
        stmt = stmt.where(JointEvent.state == state)
    return await page(session, stmt, JointEvent.id, cursor, limit)


async def _transition(
    session: AsyncSession,
    joint_event_id: str,
    principal: Principal,
    if_match: str | None,
    role: str,
    action: str,
) -> JointEvent:
    joint = await visible(session, joint_event_id, principal)
    authority.check_joint_event_step(
        principal.organisation_id, joint.proposer_id, joint.partner_id, role, joint.id, action
    )
    require_if_match(if_match, joint.version)
    if joint.state != "proposed":
        raise Problem(
            409,
            "joint-event-not-proposed",
            f"Joint event {joint.id} is {joint.state}; only a proposal can be {action}.",
            current_state=joint.state,
        )
    return joint


def _moved(joint: JointEvent, state: str, now: datetime) -> None:
    joint.state = state
    joint.updated_at = now
    joint.version += 1


async def accept(
    session: AsyncSession,
    joint_event_id: str,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> JointEvent:
    """The partner agrees: the event becomes an activity with both hosts, announced to the
    organisations whose interests overlap (neither host is told), and the agreement is
    published."""
    joint = await _transition(session, joint_event_id, principal, if_match, "partner", "accepted")
    if as_utc(joint.ends_at) <= now:
        raise Problem(409, "joint-event-over", f"Joint event {joint.id} has already ended.")
    activity = await add_activity(
        session,
        {
            "kind": joint.kind,
            "title": joint.title,
            "description": joint.description,
            "starts_at": joint.starts_at,
            "ends_at": joint.ends_at,
            "place": joint.place,
            "municipality_code": joint.municipality_code,
            "online": joint.online,
            "target_groups": list(joint.target_groups),
            "fields": list(joint.fields),
            "url": None,
        },
        joint.proposer_id,
        [joint.partner_id],
        joint.id,
        now,
    )
    joint.activity_id = activity.id
    _moved(joint, "accepted", now)
    await session.flush()
    await record_event(
        session,
        messaging,
        AGREED,
        ev.JointEventAgreed(
            joint_event_id=joint.id,
            proposer_id=joint.proposer_id,
            partner_id=joint.partner_id,
            activity_id=activity.id,
            title=joint.title,
            starts_at=as_utc(joint.starts_at),
            target_groups=list(joint.target_groups),
            fields=list(joint.fields),
        ),
        subject=joint.id,
    )
    return joint


async def decline(
    session: AsyncSession,
    joint_event_id: str,
    data: JointEventDecline,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> JointEvent:
    joint = await _transition(session, joint_event_id, principal, if_match, "partner", "declined")
    joint.decline_reason = data.reason
    _moved(joint, "declined", now)
    await session.flush()
    return joint


async def withdraw(
    session: AsyncSession,
    joint_event_id: str,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> JointEvent:
    joint = await _transition(session, joint_event_id, principal, if_match, "proposer", "withdrawn")
    _moved(joint, "withdrawn", now)
    await session.flush()
    return joint
