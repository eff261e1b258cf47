"""A cluster organisation's reported year (§4.1): submit, replace, read.

A report holds the *reported* indicators of one cluster and year (``rules.indicators``:
collaboration projects, international partners, new competences, ideas and products, dedicated
firms, private funding); the derived ones come from events and cannot be reported. It is
validated by ``rules.indicators.validate_report`` with the year's derived values passed, so
"of which under 50 employees" and "dedicated firms" are checked against the participating firms
the registry gives. Submitting replaces the whole reported year (a code left out or null is
missing). The year's account must still be a draft: a published account no longer changes, so a
report for its year would never show — it is refused (409 ``account-published``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import EvalCluster, IndicatorValue, Report
from services.evaluation.rules.authority import check_may_report
from services.evaluation.rules.indicators import ReportError, validate_report
from services.evaluation.schemas.reports import ReportIn, ReportOut, ReportYear
from services.evaluation.service.accounts import check_year, is_published
from services.evaluation.service.derived import derived_values
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.etag import require_if_match

Number = float | int


async def known_cluster(session: AsyncSession, cluster_id: str) -> EvalCluster:
    cluster = None if "\x00" in cluster_id else await session.get(EvalCluster, cluster_id)
    if cluster is None:
        raise Problem(404, "not-found", f"No cluster '{cluster_id[:64]}'.")
    return cluster


def errors_out(errors: list[ReportError]) -> list[dict[str, str]]:
    return [{"kind": e.kind, "indicator": e.indicator, "detail": e.detail} for e in errors]


def invalid_report(errors: list[ReportError]) -> Problem:
    return Problem(
        422,
        "invalid-report",
        "The report is not valid: " + "; ".join(e.detail for e in errors[:5]),
        title="Report not valid",
        errors=errors_out(errors),
    )


def account_published(year: int) -> Problem:
    return Problem(
        409,
        "account-published",
        f"The account of {year} is published and no longer changes; a report for {year} "
        "would not show in it, so it is not accepted.",
    )


async def write_values(
    session: AsyncSession,
    cluster_id: str,
    year: int,
    values: Mapping[str, Number | None],
    now: datetime,
) -> None:
    """Replace the reported values of one cluster and year (``None``: not reported)."""
    await session.execute(
        delete(IndicatorValue).where(
            IndicatorValue.cluster_id == cluster_id,
            IndicatorValue.year == year,
            IndicatorValue.source == "reported",
        )
    )
    rows = [
        {
            "cluster_id": cluster_id,
            "year": year,
            "indicator": code,
            "value": float(value),
            "source": "reported",
            "updated_at": now,
        }
        for code, value in values.items()
        if value is not None
    ]
    if rows:
        await session.execute(IndicatorValue.__table__.insert(), rows)  # type: ignore[attr-defined]


async def put_report(
    session: AsyncSession,
    cluster_id: str,
    year: int,
    body: ReportIn,
    principal: Principal,
    if_match: str | None,
    today: date,
) -> tuple[Report, bool]:
    """Submit (created=True) or replace (If-Match required) the cluster's report of ``year``."""
    check_may_report(principal.organisation_id, cluster_id=cluster_id)
    await known_cluster(session, cluster_id)
    check_year(year, today)
    if await is_published(session, year):
        raise account_published(year)
    values: dict[str, Any] = dict(body.values)
    errors = validate_report(values, derived=await derived_values(session, cluster_id, year))
    if errors:
        raise invalid_report(errors)
    report = await session.get(Report, (cluster_id, year))
    now = utcnow()
    created = report is None
    if report is None:
        if if_match is not None and if_match.strip() != "*":
            raise Problem(
                412, "stale-write", f"There is no report for {year} yet; send it without If-Match."
            )
        report = Report(cluster_id=cluster_id, year=year, version=1)
        session.add(report)
    else:
        require_if_match(if_match, report.version)
        report.version += 1
    report.submitted_by = principal.organisation_id
    report.submitted_at = now
    report.comment = body.comment
    await session.flush()
    await write_values(session, cluster_id, year, values, now)
    return report, created


async def report_out(session: AsyncSession, report: Report) -> ReportOut:
    rows = await session.execute(
        select(IndicatorValue.indicator, IndicatorValue.value).where(
            IndicatorValue.cluster_id == report.cluster_id,
            IndicatorValue.year == report.year,
            IndicatorValue.source == "reported",
        )
    )
    return ReportOut(
        cluster_id=report.cluster_id,
        year=report.year,
        values={code: _whole(v) for code, v in sorted(rows.all())},
        derived={
            k: _whole(v)
            for k, v in sorted(
                (await derived_values(session, report.cluster_id, report.year)).items()
            )
        },
        comment=report.comment,
        submitted_by=report.submitted_by,
        submitted_at=report.submitted_at,
        version=report.version,
        account_state="published" if await is_published(session, report.year) else "draft",
    )


def _whole(v: Number) -> Number:
    return int(v) if float(v).is_integer() else v


async def get_report(session: AsyncSession, cluster_id: str, year: int) -> Report:
    report = None if "\x00" in cluster_id else await session.get(Report, (cluster_id, year))
    if report is None:
        raise Problem(404, "not-found", f"No report of {cluster_id[:64]} for {year}.")
    return report


async def report_years(
    session: AsyncSession, cluster_id: str, after: int | None, limit: int
) -> tuple[list[ReportYear], int | None]:
    """The cluster's reports, newest year first; keyset over the year."""
    await known_cluster(session, cluster_id)
    reported = (
        select(IndicatorValue.year, func.count().label("n"))
        .where(IndicatorValue.cluster_id == cluster_id, IndicatorValue.source == "reported")
        .group_by(IndicatorValue.year)
        .subquery()
    )
    stmt = (
        select(Report, reported.c.n)
        .outerjoin(reported, reported.c.year == Report.year)
        .where(Report.cluster_id == cluster_id)
        .order_by(Report.year.desc())
        .limit(limit + 1)
    )
    if after is not None:
        stmt = stmt.where(Report.year < after)
    rows = (await session.execute(stmt)).all()
    items = [
        ReportYear(
            year=r.year,
            submitted_by=r.submitted_by,
            submitted_at=r.submitted_at,
            version=r.version,
            reported=int(n or 0),
        )
        for r, n in rows[:limit]
    ]
    return items, (items[-1].year if len(rows) > limit else None)
