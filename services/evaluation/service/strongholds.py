"""Employment statistics and regional strongholds (§4.2 smart specialisation). Never commits.

The statistics come as a CSV file (``service.employment_csv`` parses and checks it, and
describes its columns, categories and fields). An accepted file replaces the stored rows of the
same region × category × year and adds the others (:func:`store_employment`). The strongholds
of a year — share, location quotient and European Cluster Observatory stars per region ×
category, the registered clusters behind the Danish cells, and cooperation suggestions — are
computed on read by ``rules.strongholds`` (:func:`strongholds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import EmploymentStat, EvalCluster
from services.evaluation.rules import strongholds as rules
from services.evaluation.schemas.strongholds import (
    ClusterRef,
    CooperationOut,
    EmploymentUploaded,
    ReferenceSetOut,
    RegionOut,
    RegionStarsOut,
    RowProblem,
    StrongholdCellOut,
    StrongholdsOut,
)
from services.evaluation.service.employment_csv import (
    ParsedRow,
    fields_of_category,
    parse_employment_csv,
    refuse,
    rule_rows,
)
from shared.clock import utcnow
from shared.errors import Problem
from shared.reference import region_by_code
from shared.reference.fields import field_by_code

EXAMPLE_FILE = Path(__file__).resolve().parent.parent / "data" / "strongholds_example.csv"

METHOD = (
    "Location quotient LQ = (e_rc / e_r) / (e_c / e): the region's share of employment in the "
    "category over the category's share of all employment in the data set. Stars (European "
    "Cluster Observatory): size — employment among the top 10 % of regions in the category; "
    "specialisation — LQ ≥ 2; focus — the category's share of the region's employment among "
    "the top 10 % of regions. Top 10 % of n regions: the ⌈n/10⌉ largest, ties included. The "
    "regions ranked against are those of the uploaded statistics of the year (see 'reference'; "
    "the Observatory ranks against all European NUTS-2 regions), and size and focus stars are "
    "given only when they are at least {min_regions}. Cooperation is suggested where two or "
    "more Danish regions have stars in a category."
)


# --- storing ----------------------------------------------------------------------------------


async def store_employment(
    session: AsyncSession, rows: Sequence[ParsedRow], now: datetime | None = None
) -> EmploymentUploaded:
    """Replace the stored rows of the same region × category × year and add the others (all
    or nothing: a TOTAL below the sum of the categories it would then have refuses the file)."""
    now = now or utcnow()
    years = sorted({r.year for r in rows})
    new_keys = {(r.region_code, r.category, r.year) for r in rows}
    stored = (
        await session.execute(select(EmploymentStat).where(EmploymentStat.year.in_(years)))
    ).scalars()
    kept: list[rules.EmploymentRow] = []
    replaced: list[tuple[str, str, int]] = []
    for s in stored:
        key = (s.region_code, s.category, s.year)
        if key in new_keys:
            replaced.append(key)
        else:
            kept.append(rules.EmploymentRow(s.region_code, s.category, s.year, s.employees))
    touched = {(r.region_code, r.year) for r in rows}
    merged = [k for k in kept if (k.region, k.year) in touched] + rule_rows(rows)
    errors = rules.validate_rows(merged)
    if errors:
        first_line = {(r.region_code, r.year): r.line for r in rows}
        problems = []
        for e in errors:
            row = merged[e.row]
            problems.append(
                RowProblem(
                    line=first_line[(row.region, row.year)],
                    detail=f"with the rows already stored: {e.detail}",
                )
            )
        refuse(problems)
    for year in years:
        pairs = [(k[0], k[1]) for k in replaced if k[2] == year]
        for start in range(0, len(pairs), 400):
            chunk = pairs[start : start + 400]
            await session.execute(
                delete(EmploymentStat).where(
                    EmploymentStat.year == year,
                    tuple_(EmploymentStat.region_code, EmploymentStat.category).in_(chunk),
                )
            )
    values = [
        {
            "region_code": r.region_code,
            "category": r.category,
            "year": r.year,
            "region_name": r.region_name,
            "employees": r.employees,
            "source": r.source,
            "uploaded_at": now,
        }
        for r in rows
    ]
    for start in range(0, len(values), 2000):
        await session.execute(insert(EmploymentStat), values[start : start + 2000])
    return EmploymentUploaded(
        rows=len(rows),
        inserted=len(rows) - len(replaced),
        replaced=len(replaced),
        years=years,
        regions=sorted({r.region_code for r in rows}),
        categories=sorted({r.category for r in rows}),
    )


async def upload_employment(
    session: AsyncSession, data: bytes, *, default_source: str = ""
) -> EmploymentUploaded:
    """Parse and check an uploaded file (``service.employment_csv``; any problem refuses it
    whole), then store it (:func:`store_employment`)."""
    rows = parse_employment_csv(data, default_source=default_source)
    return await store_employment(session, rows)


async def load_example_employment(session: AsyncSession) -> EmploymentUploaded:
    """Load the shipped, clearly synthetic example (``data/strongholds_example.csv``) for the
    demo; repeating it changes nothing. Never commits."""
    rows = parse_employment_csv(
        EXAMPLE_FILE.read_bytes(), default_source="Synthetic example (not real statistics)"
    )
    return await store_employment(session, rows)


# --- reading ----------------------------------------------------------------------------------


async def list_employment(
    session: AsyncSession, year: int | None, cursor: Any, limit: int
) -> tuple[list[EmploymentStat], list[Any] | None]:
    """Rows by (year, region, category) after ``cursor`` (decoded): (rows, next key or None)."""
    stmt = select(EmploymentStat)
    if year is not None:
        stmt = stmt.where(EmploymentStat.year == year)
    key = tuple_(EmploymentStat.year, EmploymentStat.region_code, EmploymentStat.category)
    if cursor:
        stmt = stmt.where(key > tuple_(*cursor))
    stmt = stmt.order_by(
        EmploymentStat.year, EmploymentStat.region_code, EmploymentStat.category
    ).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    if len(rows) > limit:
        last = rows[limit - 1]
        return rows[:limit], [last.year, last.region_code, last.category]
    return rows, None


async def years_with_data(session: AsyncSession) -> list[int]:
    result = await session.execute(
        select(EmploymentStat.year).group_by(EmploymentStat.year).order_by(EmploymentStat.year)
    )
    return list(result.scalars())


def _category_name(category: str) -> str | None:
    f = field_by_code().get(category)
    return f"{f.name_da} / {f.name_en}" if f else None


async def _clusters_by_region(session: AsyncSession) -> dict[str, list[EvalCluster]]:
    stmt = (
        select(EvalCluster)
        .where(
            EvalCluster.status == "active",
            EvalCluster.home_region_code.in_(rules.DANISH_REGIONS),
        )
        .order_by(EvalCluster.name, EvalCluster.id)
    )
    out: dict[str, list[EvalCluster]] = {}
    for c in (await session.execute(stmt)).scalars():
        out.setdefault(c.home_region_code, []).append(c)
    return out


def _refs(clusters: Iterable[EvalCluster], fields: list[str]) -> list[ClusterRef]:
    wanted = set(fields)
    return [
        ClusterRef(id=c.id, name=c.name, league=c.league, fields=list(c.fields or []))
        for c in clusters
        if wanted & set(c.fields or [])
    ]


async def strongholds(
    session: AsyncSession,
    year: int | None,
    min_stars: int = 0,
    rule: rules.StarRule = rules.StarRule(),
) -> StrongholdsOut:
    """Every region × category of the year with share, LQ and stars (``min_stars`` filters the
    cells and raises the bar for cooperation suggestions), the clusters behind the Danish cells,
    the cooperation suggestions and the reference set the stars rank against
    (``rules.strongholds``; ``rule.min_regions`` from ``EVALUATION_STRONGHOLDS_MIN_REGIONS``)."""
    years = await years_with_data(session)
    if not years:
        raise Problem(
            404,
            "no-employment-statistics",
            "No employment statistics have been uploaded (POST /evaluation/v1/employment).",
        )
    if year is None:
        year = years[-1]
    if year not in years:
        raise Problem(
            404,
            "no-employment-statistics",
            f"No employment statistics for {year}; years with data: {', '.join(map(str, years))}.",
            years=years,
        )
    stored = list(
        (await session.execute(select(EmploymentStat).where(EmploymentStat.year == year))).scalars()
    )
    names = {s.region_code: s.region_name or s.region_code for s in stored}
    for code, region in region_by_code().items():
        names[code] = region.name
    data = [rules.EmploymentRow(s.region_code, s.category, s.year, s.employees) for s in stored]
    cells = rules.compute_strongholds(data, year, rule)
    ref = rules.reference_set(data, year, rule)
    reference = ReferenceSetOut(
        kind="uploaded_regions",
        year=year,
        regions=ref.regions,
        danish=ref.danish,
        foreign=ref.foreign,
        min_regions=ref.min_regions,
        ranked=ref.ranked,
        top_regions=ref.top_regions,
        sources=sorted({s.source for s in stored if s.source}),
        text=ref.text,
    )
    by_region = await _clusters_by_region(session)
    region_totals: dict[str, float] = {}
    out_cells: list[StrongholdCellOut] = []
    for c in cells:
        region_totals[c.region] = c.region_employees
        if c.stars < min_stars:
            continue
        fields = fields_of_category(c.category)
        out_cells.append(
            StrongholdCellOut(
                region_code=c.region,
                region_name=names.get(c.region, c.region),
                danish=c.danish,
                category=c.category,
                category_name=_category_name(c.category),
                fields=fields,
                employees=c.employees,
                region_employees=c.region_employees,
                share=c.share,
                lq=c.lq,
                stars=c.stars,
                size=c.size,
                specialisation=c.specialisation,
                focus=c.focus,
                clusters=_refs(by_region.get(c.region, []), fields) if c.danish else [],
            )
        )
    suggestions = rules.cooperation_suggestions(cells, min_stars=max(1, min_stars))
    cooperation = []
    for s in suggestions:
        fields = fields_of_category(s.category)
        cooperation.append(
            CooperationOut(
                category=s.category,
                category_name=_category_name(s.category),
                danish=[
                    RegionStarsOut(
                        region_code=r.region,
                        region_name=names.get(r.region, r.region),
                        stars=r.stars,
                        clusters=_refs(by_region.get(r.region, []), fields),
                    )
                    for r in s.danish
                ],
                foreign=[
                    RegionStarsOut(
                        region_code=r.region,
                        region_name=names.get(r.region, r.region),
                        stars=r.stars,
                    )
                    for r in s.foreign
                ],
                text=s.text,
            )
        )
    regions = [
        RegionOut(code=code, name=names.get(code, code), danish=rules.is_danish(code), employees=e)
        for code, e in sorted(region_totals.items())
    ]
    return StrongholdsOut(
        year=year,
        years=years,
        min_stars=min_stars,
        regions=regions,
        cells=out_cells,
        cooperation=cooperation,
        reference=reference,
        method=METHOD.format(min_regions=rule.min_regions),
    )
