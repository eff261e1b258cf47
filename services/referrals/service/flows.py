"""Flow statistics of the referral exchange (§5 "parterne monitorerer"). Read only.

The database counts: one GROUP BY over (sender kind, recipient kind, state, cross-border flags,
outcome category) gives every count and rate, one over (firm region, recipient region) the
region matrix and one over (firm municipality, recipient municipality) the pairs — each at most
a few thousand rows however many referrals there are. Only the medians need single rows: the
period's answered and closed referrals are streamed (three timestamps and two kinds each) and
their durations kept in compact arrays (``rules.flows.Timings``) — comfortable up to about a
million referrals a period; beyond that compute them in the database (``percentile_cont`` on
PostgreSQL). Portable SQL only (SQLite and PostgreSQL).

Never reads contact data, the firm's name or CVR, the need, rejection reasons or outcome text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import Referral
from services.referrals.rules import flows as rules
from services.referrals.rules.vocabulary import PARTY_KINDS
from shared.errors import Problem
from shared.reference import municipalities, region_by_code

#: Rows fetched at a time while streaming the timestamps for the medians.
STREAM_BATCH = 10_000


@dataclass(frozen=True)
class FlowQuery:
    start: date
    end: date
    kind: str | None = None
    region: str | None = None


def flow_query(
    today: date,
    start: date | None,
    end: date | None,
    kind: str | None = None,
    region: str | None = None,
) -> FlowQuery:
    """Validate the query: the period (default the last 12 months; ``to`` after ``from``; at
    most 10 years) and the region (a known region code) → 422 problems."""
    try:
        first, after = rules.period(today, start, end)
    except rules.PeriodError as exc:
        raise Problem(422, exc.kind, exc.detail) from exc
    if region is not None and region not in region_by_code():
        raise Problem(
            422,
            "unknown-region",
            f"'{region[:10]}' is not a region code; use one of "
            f"{', '.join(sorted(region_by_code()))}.",
        )
    return FlowQuery(first, after, kind, region)


def _where(q: FlowQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Referral.created_at >= rules.day_start(q.start),
        Referral.created_at < rules.day_start(q.end),
    ]
    if q.kind:
        conditions.append(or_(Referral.sender_kind == q.kind, Referral.recipient_kind == q.kind))
    if q.region:
        conditions.append(
            or_(Referral.firm_region_code == q.region, Referral.recipient_region_code == q.region)
        )
    return conditions


def _grouped(q: FlowQuery, *columns: Any) -> Select[Any]:
    return select(*columns, func.count()).where(*_where(q)).group_by(*columns)


async def _places(session: AsyncSession, q: FlowQuery) -> tuple[dict[str, Any], list[Any]]:
    region_names = {code: r.name for code, r in region_by_code().items()}
    by_region = await session.execute(
        _grouped(q, Referral.firm_region_code, Referral.recipient_region_code)
    )
    matrix = rules.region_matrix(((firm, to, int(n)) for firm, to, n in by_region), region_names)
    by_municipality = await session.execute(
        _grouped(q, Referral.firm_municipality_code, Referral.recipient_municipality_code)
    )
    pairs = rules.municipality_pairs(
        ((firm, to, int(n)) for firm, to, n in by_municipality),
        {m.code: (m.name, m.region_code) for m in municipalities()},
        region_names,
    )
    return matrix, pairs


async def flow_statistics(session: AsyncSession, q: FlowQuery) -> dict[str, Any]:
    """The statistics of ``q`` shaped as ``schemas.flows.FlowStatistics``."""
    grouped = await session.execute(
        _grouped(
            q,
            Referral.sender_kind,
            Referral.recipient_kind,
            Referral.state,
            Referral.cross_municipality,
            Referral.cross_region,
            Referral.outcome_category,
        )
    )
    cells = [
        rules.Cell(sender, recipient, state, bool(cross_m), bool(cross_r), outcome, int(n))
        for sender, recipient, state, cross_m, cross_r, outcome, n in grouped
    ]

    timings = rules.Timings()
    stream = await session.stream(
        select(
            Referral.sender_kind,
            Referral.recipient_kind,
            Referral.state,
            Referral.created_at,
            Referral.answered_at,
            Referral.closed_at,
        )
        .where(
            *_where(q),
            Referral.state.in_(rules.ANSWERED),
            or_(Referral.answered_at.is_not(None), Referral.closed_at.is_not(None)),
        )
        .execution_options(yield_per=STREAM_BATCH)
    )
    async for sender, recipient, state, created, answered, closed in stream:
        timings.add(sender, recipient, state, created, answered, closed)

    matrix, pairs = await _places(session, q)
    return {
        "period": {"from": q.start, "to": q.end},
        "kind": q.kind,
        "region": q.region,
        **rules.summaries(cells, timings, kinds=PARTY_KINDS),
        "region_matrix": matrix,
        "municipality_pairs": pairs,
    }


async def flow_table(session: AsyncSession, q: FlowQuery) -> list[list[str]]:
    """The region matrix and the municipality pairs of ``q`` as one table (CSV rows)."""
    matrix, pairs = await _places(session, q)
    return rules.csv_rows(matrix, pairs)
