"""Derived indicator values: computed from other services' events, never reported (§4.1).

``indicator_values`` rows with ``source='derived'``; which events feed which indicator is in
``rules.indicators`` (``Indicator.derived_from``):

- **members** (registry): ``participating_firms`` = member firms, ``participating_firms_under_50``
  = member firms with a known head count under 50, ``knowledge_institutions`` = members of kind
  ``knowledge_institution`` or ``education_institution`` (the catalogue's definition: research,
  technology *and education* institutions). Written for the calendar year of the registry event
  (Danish time; the latest event of a year wins, as ``member_snapshots`` does).
- **funding** (funding grants): ``public_base_funding`` / ``public_project_funding`` per year =
  the sum over the cluster's grants of that kind of ``shared.money.amount_in_year``; a
  terminated grant counts up to its termination day.
- **referrals** (referrals): ``referrals_given`` (the cluster sent it) and ``referrals_received``
  (the cluster received it), counted in the year the referral was completed.

Missing, never zero: a derived value exists only when some event gave it content — a cluster
with no registered members, no recorded grant money or no completed referral in a year has no
row (missing), because the suite cannot tell "none" from "not recorded here". A year whose total
falls back to nothing (a grant moved out of it) loses its row.

**Years without a registry event** (decision: *resolved at compute time*, not written forward):
membership is a stock, not a flow, so a year in which the registry said nothing about a cluster
takes the member summary of the latest earlier year (``member_values_as_of``). Writing values
forward would need a job to run every new year and would go stale whenever an earlier year's
snapshot changes; resolving on read needs one small query over ``member_snapshots`` and stays
right by construction. The account, report validation and the report view all read member
values through this module. A year that *has* a snapshot uses it, even when it says "no members"
(then the member indicators are missing that year; the earlier year is not carried over).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import (
    EvalCluster,
    EvalGrant,
    IndicatorValue,
    MemberSnapshot,
    ReferralRecord,
)
from services.evaluation.rules.indicators import (
    FUNDING_INDICATOR_BY_GRANT_KIND,
)
from shared.clock import DANISH_TIME, danish_time, utcnow
from shared.events.contracts import ReferralFacts
from shared.events.envelope import is_newer
from shared.money import amount_in_year, years_touched

#: Calendar years are Danish years (a referral completed at 00:30 on 1 January counts then).

PARTICIPATING_FIRMS = "participating_firms"
FIRMS_UNDER_50 = "participating_firms_under_50"
KNOWLEDGE_INSTITUTIONS = "knowledge_institutions"
MEMBER_CODES: tuple[str, ...] = (PARTICIPATING_FIRMS, FIRMS_UNDER_50, KNOWLEDGE_INSTITUTIONS)
REFERRALS_GIVEN = "referrals_given"
REFERRALS_RECEIVED = "referrals_received"
FUNDING_CODES: tuple[str, ...] = tuple(FUNDING_INDICATOR_BY_GRANT_KIND.values())
#: Member kinds counted as knowledge institutions (the catalogue's ``derived_from``).
KNOWLEDGE_KINDS = ("knowledge_institution", "education_institution")
#: The organisation kind of a cluster organisation in referral events.
CLUSTER_KIND = "cluster_organisation"

Number = float | int


def danish_year(when: datetime) -> int:
    return danish_time(when).year


# --- members ------------------------------------------------------------------------------


def member_values(
    member_count: int,
    members_by_kind: Mapping[str, int],
    sme_firms: int | None,
    firms_size_unknown: int | None,
) -> dict[str, int | None]:
    """The member indicators of one member summary (``None``: missing).

    No members registered at all → every member indicator is missing (the cluster has not
    entered its members, which is not the same as having none). Firms under 50 is missing when
    the registry did not count it, or when no firm's size is known (0 would be a guess).
    """
    if member_count <= 0 and not any(members_by_kind.values()):
        return dict.fromkeys(MEMBER_CODES)
    firms = int(members_by_kind.get("firm", 0))
    unknown = firms_size_unknown or 0
    sme: int | None = sme_firms
    if sme is not None and firms > 0 and unknown >= firms:
        sme = None
    return {
        PARTICIPATING_FIRMS: firms,
        FIRMS_UNDER_50: sme,
        KNOWLEDGE_INSTITUTIONS: sum(int(members_by_kind.get(k, 0)) for k in KNOWLEDGE_KINDS),
    }


def snapshot_values(snapshot: MemberSnapshot) -> dict[str, int | None]:
    return member_values(
        snapshot.member_count,
        snapshot.members_by_kind or {},
        snapshot.sme_firms,
        snapshot.firms_size_unknown,
    )


async def member_values_as_of(
    session: AsyncSession, year: int, cluster_ids: Iterable[str] | None = None
) -> dict[str, tuple[int, dict[str, int | None]]]:
    """cluster id → (the snapshot's year, its member values) of the latest member snapshot in
    or before ``year`` (see the module docstring: resolved at compute time)."""
    latest = (
        select(MemberSnapshot.cluster_id, func.max(MemberSnapshot.year).label("year"))
        .where(MemberSnapshot.year <= year)
        .group_by(MemberSnapshot.cluster_id)
    )
    ids = None if cluster_ids is None else sorted(set(cluster_ids))
    if ids is not None:
        latest = latest.where(MemberSnapshot.cluster_id.in_(ids))
    sub = latest.subquery()
    stmt = select(MemberSnapshot).join(
        sub, and_(MemberSnapshot.cluster_id == sub.c.cluster_id, MemberSnapshot.year == sub.c.year)
    )
    rows = (await session.execute(stmt)).scalars()
    return {s.cluster_id: (s.year, snapshot_values(s)) for s in rows}


async def member_fallback(session: AsyncSession, year: int) -> dict[str, dict[str, int | None]]:
    """For the clusters with no member snapshot in ``year`` but an earlier one: the member
    values of the latest earlier snapshot (the account's resolution of a year without a
    registry event). Clusters with a snapshot in ``year`` are left out: that year's stored
    rows are the truth."""
    latest = await session.execute(
        select(MemberSnapshot.cluster_id, func.max(MemberSnapshot.year))
        .where(MemberSnapshot.year <= year)
        .group_by(MemberSnapshot.cluster_id)
    )
    stale: dict[int, list[str]] = {}
    for cid, snap_year in latest:
        if snap_year < year:
            stale.setdefault(snap_year, []).append(cid)
    out: dict[str, dict[str, int | None]] = {}
    for snap_year, ids in stale.items():
        for i in range(0, len(ids), 500):
            rows = await session.execute(
                select(
                    MemberSnapshot.cluster_id,
                    MemberSnapshot.member_count,
                    MemberSnapshot.members_by_kind,
                    MemberSnapshot.sme_firms,
                    MemberSnapshot.firms_size_unknown,
                ).where(
                    MemberSnapshot.year == snap_year,
                    MemberSnapshot.cluster_id.in_(ids[i : i + 500]),
                )
            )
            for cid, count, by_kind, sme, unknown in rows:
                out[cid] = member_values(count, by_kind or {}, sme, unknown)
    return out


# --- writing derived values ---------------------------------------------------------------


async def set_derived(
    session: AsyncSession,
    cluster_id: str,
    year: int,
    values: Mapping[str, Number | None],
    now: datetime,
) -> None:
    """Write derived values of one cluster and year; ``None`` deletes the row (missing)."""
    for code, value in values.items():
        row = await session.get(IndicatorValue, (cluster_id, year, code))
        if value is None:
            if row is not None and row.source == "derived":
                await session.delete(row)
            continue
        if row is None:
            session.add(
                IndicatorValue(
                    cluster_id=cluster_id,
                    year=year,
                    indicator=code,
                    value=float(value),
                    source="derived",
                    updated_at=now,
                )
            )
        elif row.value != float(value) or row.source != "derived":
            row.value = float(value)
            row.source = "derived"
            row.updated_at = now
    await session.flush()


async def derived_values(session: AsyncSession, cluster_id: str, year: int) -> dict[str, Number]:
    """The derived values of one cluster and year as the account reads them: the stored rows,
    with the member indicators resolved from the latest snapshot in or before ``year``."""
    rows = await session.execute(
        select(IndicatorValue.indicator, IndicatorValue.value).where(
            IndicatorValue.cluster_id == cluster_id,
            IndicatorValue.year == year,
            IndicatorValue.source == "derived",
        )
    )
    out: dict[str, Number] = {code: value for code, value in rows}
    resolved = (await member_values_as_of(session, year, [cluster_id])).get(cluster_id)
    for code in MEMBER_CODES:
        out.pop(code, None)
    if resolved is not None:
        out.update({k: v for k, v in resolved[1].items() if v is not None})
    return out


# --- funding ------------------------------------------------------------------------------


def grant_span(grant: EvalGrant) -> set[int]:
    return set(years_touched(grant.starts_on, grant.ends_on))


async def recompute_funding(
    session: AsyncSession, cluster_id: str, years: Iterable[int], now: datetime
) -> None:
    """Public base / project funding of ``cluster_id`` in ``years``: the sum over its grants
    (active or terminated; a terminated one up to its termination day)."""
    years = sorted(set(years))
    if not years:
        return
    grants = (
        (
            await session.execute(
                select(EvalGrant).where(
                    EvalGrant.cluster_id == cluster_id,
                    EvalGrant.status.in_(("active", "terminated")),
                )
            )
        )
        .scalars()
        .all()
    )
    for year in years:
        totals: dict[str, int] = dict.fromkeys(FUNDING_CODES, 0)
        for g in grants:
            code = FUNDING_INDICATOR_BY_GRANT_KIND.get(g.kind)
            if code is None or not g.starts_on.year <= year <= g.ends_on.year:
                continue
            until = g.terminated_on if g.status == "terminated" else None
            totals[code] += amount_in_year(g.amount_dkk, g.starts_on, g.ends_on, year, until=until)
        await set_derived(
            session, cluster_id, year, {c: (v if v > 0 else None) for c, v in totals.items()}, now
        )


# --- referrals ----------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The Danish calendar year as a UTC half-open interval."""
    start = datetime(year, 1, 1, tzinfo=DANISH_TIME).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=DANISH_TIME).astimezone(UTC)
    return start, end


async def recompute_referrals(
    session: AsyncSession, organisation_id: str, year: int, now: datetime
) -> None:
    """Referrals given and received by ``organisation_id`` completed in ``year``."""
    start, end = year_bounds(year)
    in_year = and_(
        ReferralRecord.state == "completed",
        ReferralRecord.completed_at >= start,
        ReferralRecord.completed_at < end,
    )
    counts = await session.execute(
        select(
            func.sum(case((ReferralRecord.sender_id == organisation_id, 1), else_=0)),
            func.sum(case((ReferralRecord.recipient_id == organisation_id, 1), else_=0)),
        ).where(
            in_year,
            or_(
                ReferralRecord.sender_id == organisation_id,
                ReferralRecord.recipient_id == organisation_id,
            ),
        )
    )
    given, received = counts.one()
    await set_derived(
        session,
        organisation_id,
        year,
        {REFERRALS_GIVEN: int(given or 0) or None, REFERRALS_RECEIVED: int(received or 0) or None},
        now,
    )


async def record_referral(
    session: AsyncSession, facts: ReferralFacts, when: datetime, *, completed: bool
) -> None:
    """Keep the referral (ids, parties, state: no personal data) and, when it was completed,
    count it for its sender (given) and recipient (received) when they are clusters."""
    record = await session.get(ReferralRecord, facts.referral_id)
    if record is None:
        record = ReferralRecord(
            id=facts.referral_id,
            sender_id=facts.sender_id,
            recipient_id=facts.recipient_id,
            state=facts.state,
            sent_at=facts.created_at,
            updated_at=when,
        )
        session.add(record)
    elif not is_newer(when, record.updated_at):
        return
    elif record.state == "completed" and not completed:
        return  # completed is final; a late "sent" changes nothing
    record.state = "completed" if completed else facts.state
    record.updated_at = when
    if not completed:
        await session.flush()
        return
    record.completed_at = when
    await session.flush()
    year = danish_year(when)
    now = utcnow()
    clusters = await _clusters_among(session, facts)
    for organisation_id in clusters:
        await recompute_referrals(session, organisation_id, year, now)


async def _clusters_among(session: AsyncSession, facts: ReferralFacts) -> list[str]:
    """The parties that are clusters: by the event's organisation kind, or known clusters."""
    parties = [(facts.sender_id, facts.sender_kind), (facts.recipient_id, facts.recipient_kind)]
    out = []
    for organisation_id, kind in parties:
        if organisation_id in out:
            continue
        if kind == CLUSTER_KIND or await session.get(EvalCluster, organisation_id) is not None:
            out.append(organisation_id)
    return out
