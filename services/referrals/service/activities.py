"""Activities (§5) and their announcements. Never commits.

§5 "orientere hinanden om større aktiviteter": creating an activity tells — in the same
transaction, one addressed ``referrals.activity.announced`` each — every other party
organisation whose fields or target groups overlap the activity's (rules.overlap: the union
over its active services, plus a cluster's registered fields); the ids told are kept in
``Activity.announced_to``. The host and co-hosts are not told. A change that widens the
activity's fields or target groups tells the organisations that newly overlap; nobody is told
twice. ``search_terms`` and ``change_seq`` are kept as for services
(:func:`services.referrals.service.directory.index_row`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import Activity, OfferedService, ReferralCluster, messaging
from services.referrals.rules import authority
from services.referrals.rules import overlap as rules
from services.referrals.rules.vocabulary import PARTY_KINDS
from services.referrals.schemas.directory import (
    ActivityCreate,
    ActivityOut,
    ActivityUpdate,
    check_period,
    check_where,
)
from services.referrals.service.common import (
    next_change_seq,
    organisations,
    require_acting_party,
)
from services.referrals.service.directory import (
    columns,
    index_row,
    lists,
    org_refs,
    own_organisation,
)
from shared.auth import Principal
from shared.clock import as_utc
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.outbox import PendingEvent, record_events
from shared.pagination import decode_cursor, encode_cursor, invalid_cursor
from shared.queries import get_or_404, new_id
from shared.reference import region_of_municipality

ANNOUNCED = "referrals.activity.announced"


async def activities_out(session: AsyncSession, rows: Sequence[Activity]) -> list[ActivityOut]:
    refs = await org_refs(session, (a.organisation_id for a in rows))
    return [
        ActivityOut.model_validate(
            {
                **columns(a),
                "organisation": refs[a.organisation_id],
                "region_code": region_of_municipality(a.municipality_code)
                if a.municipality_code
                else None,
            }
        )
        for a in rows
    ]


async def create_activity(
    session: AsyncSession, data: ActivityCreate, principal: Principal, now: datetime
) -> Activity:
    host = own_organisation(principal, data.organisation_id, "announce an activity")
    await require_acting_party(session, principal, "announce an activity")
    return await add_activity(
        session, data.model_dump(exclude={"organisation_id"}), host, [], None, now
    )


async def add_activity(
    session: AsyncSession,
    values: dict[str, Any],
    host: str,
    co_hosts: list[str],
    joint_event_id: str | None,
    now: datetime,
) -> Activity:
    """Store an activity and announce it (also used when a joint event is agreed)."""
    if as_utc(values["ends_at"]) <= now:
        raise Problem(
            422,
            "activity-over",
            f"The activity ended ({values['ends_at'].isoformat()}); announce what is coming.",
        )
    activity = Activity(
        id=new_id("act"),
        organisation_id=host,
        co_host_ids=co_hosts,
        joint_event_id=joint_event_id,
        status="announced",
        announced_to=[],
        created_at=now,
        version=1,
        **values,
    )
    index_row(activity, now, await next_change_seq(session))
    session.add(activity)
    await session.flush()
    await announce(session, activity)
    return activity


def activity_facts(activity: Activity) -> dict[str, Any]:
    return {
        "activity_id": activity.id,
        "organisation_id": activity.organisation_id,
        "co_host_ids": list(activity.co_host_ids),
        "kind": activity.kind,
        "title": activity.title,
        "starts_at": as_utc(activity.starts_at),
        "ends_at": as_utc(activity.ends_at),
        "municipality_code": activity.municipality_code,
        "region_code": region_of_municipality(activity.municipality_code)
        if activity.municipality_code
        else None,
        "online": activity.online,
        "target_groups": list(activity.target_groups),
        "fields": list(activity.fields),
        "joint_event_id": activity.joint_event_id,
    }


async def announce(session: AsyncSession, activity: Activity) -> list[str]:
    """Tell every party organisation whose interests overlap the activity and that was not
    told before (one addressed event each); returns the ids newly told."""
    topic = rules.Topic(activity.fields, activity.target_groups)
    offers, clusters = await _offers(session, topic)
    hosts = [activity.organisation_id, *activity.co_host_ids, *activity.announced_to]
    told = rules.who_to_tell(topic, rules.interests(offers).values(), hosts)
    known = await organisations(session, [t.organisation_id for t in told])
    told = [
        t
        for t in told
        if (t.organisation_id in known and known[t.organisation_id].kind in PARTY_KINDS)
        or (t.organisation_id not in known and t.organisation_id in clusters)
    ]
    if not told:
        return []
    facts = activity_facts(activity)
    await record_events(
        session,
        messaging,
        (
            PendingEvent(
                ANNOUNCED,
                ev.ActivityAnnounced(
                    **facts, recipient_id=t.organisation_id, overlap=list(t.overlap)
                ),
                subject=activity.id,
                recipient=t.organisation_id,
            )
            for t in told
        ),
    )
    activity.announced_to = sorted({*activity.announced_to, *(t.organisation_id for t in told)})
    await session.flush()
    return [t.organisation_id for t in told]


async def _offers(session: AsyncSession, topic: rules.Topic) -> tuple[list[rules.Offer], set[str]]:
    """What active services and active clusters say about organisations whose interests may
    touch ``topic`` (SQL narrows the rows, rules.overlap decides), and the cluster ids."""
    wanted = [lists(OfferedService.fields, f) for f in topic.fields]
    wanted += [lists(OfferedService.target_groups, t) for t in topic.target_groups]
    rows = await session.execute(
        select(
            OfferedService.organisation_id, OfferedService.fields, OfferedService.target_groups
        ).where(OfferedService.status == "active", or_(false(), *wanted))
    )
    offers = [rules.Offer(r.organisation_id, r.fields or (), r.target_groups or ()) for r in rows]
    cluster_rows = await session.execute(
        select(ReferralCluster.id, ReferralCluster.fields).where(
            ReferralCluster.status == "active",
            or_(false(), *[lists(ReferralCluster.fields, f) for f in topic.fields]),
        )
    )
    clusters = [rules.Offer(r.id, r.fields or ()) for r in cluster_rows]
    return offers + clusters, {c.organisation_id for c in clusters}


async def _own_activity(
    session: AsyncSession, activity_id: str, principal: Principal, if_match: str | None
) -> Activity:
    activity = await get_or_404(session, Activity, activity_id, "activity")
    authority.check_host(principal.organisation_id, activity.organisation_id, activity.id)
    require_if_match(if_match, activity.version)
    if activity.status == "cancelled":
        raise Problem(409, "activity-cancelled", f"Activity {activity.id} was cancelled.")
    return activity


async def update_activity(
    session: AsyncSession,
    activity_id: str,
    data: ActivityUpdate,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Activity:
    """Change an activity (its host only). Organisations that newly overlap are told."""
    activity = await _own_activity(session, activity_id, principal, if_match)
    changes = data.model_dump(exclude_unset=True)
    merged = {k: changes.get(k, getattr(activity, k)) for k in changes.keys() | _WHEN_WHERE}
    try:
        check_period(as_utc(merged["starts_at"]), as_utc(merged["ends_at"]))
        check_where(merged["municipality_code"], merged["online"])
    except ValueError as exc:
        raise Problem(422, "invalid-activity", str(exc)) from exc
    changed = [k for k, v in changes.items() if _differs(getattr(activity, k), v)]
    for key in changed:
        setattr(activity, key, changes[key])
    if changed:
        activity.version += 1
        index_row(activity, now, await next_change_seq(session))
        await session.flush()
        if {"fields", "target_groups"} & set(changed):
            await announce(session, activity)
    return activity


_WHEN_WHERE = {"starts_at", "ends_at", "municipality_code", "online"}


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return as_utc(old) != as_utc(new)
    return bool(old != new)


async def cancel_activity(
    session: AsyncSession,
    activity_id: str,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Activity:
    """Cancel an activity (its host only); it stays listed as cancelled."""
    activity = await _own_activity(session, activity_id, principal, if_match)
    activity.status = "cancelled"
    activity.version += 1
    index_row(activity, now, await next_change_seq(session))
    await session.flush()
    return activity


async def list_activities(
    session: AsyncSession,
    *,
    organisation: str | None,
    field: str | None,
    target_group: str | None,
    from_: date | None,
    to: date | None,
    status: str,
    now: datetime,
    cursor: str | None,
    limit: int,
) -> tuple[list[Activity], str | None]:
    """Activities in start order (keyset over starts_at, id). ``organisation`` matches the
    host and the co-hosts. Without ``from``/``to``: the upcoming ones (not yet ended)."""
    stmt = select(Activity).where(Activity.status == status)
    if organisation:
        stmt = stmt.where(
            or_(Activity.organisation_id == organisation, lists(Activity.co_host_ids, organisation))
        )
    if field:
        stmt = stmt.where(lists(Activity.fields, field))
    if target_group:
        stmt = stmt.where(lists(Activity.target_groups, target_group))
    if from_ is None and to is None:
        stmt = stmt.where(Activity.ends_at >= now)
    if from_ is not None:
        stmt = stmt.where(Activity.ends_at >= datetime.combine(from_, time(0), UTC))
    if to is not None:
        stmt = stmt.where(
            Activity.starts_at < datetime.combine(to + timedelta(days=1), time(0), UTC)
        )
    after = decode_cursor(cursor, str, str)
    if after:
        try:
            starts, last_id = as_utc(datetime.fromisoformat(after[0])), after[1]
        except ValueError as exc:
            raise invalid_cursor() from exc
        stmt = stmt.where(
            or_(
                Activity.starts_at > starts,
                and_(Activity.starts_at == starts, Activity.id > last_id),
            )
        )
    stmt = stmt.order_by(Activity.starts_at, Activity.id).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([as_utc(last.starts_at).isoformat(), last.id])
    return rows[:limit], next_cursor
