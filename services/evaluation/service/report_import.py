"""Many reports at once from one CSV file (``python -m services.manage import-reports FILE``).

The file is UTF-8 (a byte-order mark is fine) with a header row; comma- or semicolon-separated
(a Danish spreadsheet's ``;`` and decimal comma are understood):

=============  ========  ===========================================================
column         required  meaning
=============  ========  ===========================================================
cluster_id     yes       the cluster's id (its organisation id in the registry)
year           yes       the reported year (2000 … next year)
comment        no        free text kept with the report
<code> …       no        one column per *reported* indicator code
                         (``GET /evaluation/v1/indicators``); an empty cell = missing
=============  ========  ===========================================================

All or nothing per file: every row is checked first — known cluster, a year in range whose
account is not published, numbers, one row per cluster and year, and
``rules.indicators.validate_report`` with the year's derived values (as ``PUT …/reports/{year}``
does). Every problem is printed as ``file:line: column: message`` and nothing is written.
Otherwise all rows are written in one transaction, each replacing that cluster's reported year
(``submitted_by`` = ``import:<file name>``). The command writes to the evaluation database
directly (no HTTP), as ``import-clusters`` does for the registry; no events are involved.
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import Account, EvalCluster, IndicatorValue, MemberSnapshot, Report
from services.evaluation.rules.indicators import INDICATORS_BY_CODE, validate_report
from services.evaluation.service.accounts import FIRST_YEAR
from services.evaluation.service.derived import MEMBER_CODES, snapshot_values
from services.evaluation.service.reports import write_values
from shared.clock import utcnow
from shared.db import make_engine, make_session_factory
from shared.importing import ImportRejected, RowError
from shared.progress import Progress

REQUIRED = ("cluster_id", "year")
OPTIONAL = ("comment",)
CHUNK = 500
Number = float | int


@dataclass
class ImportSummary:
    reports: int = 0
    replaced: int = 0
    values: int = 0
    seconds: float = 0.0


@dataclass
class _Row:
    line: int
    cluster_id: str
    year: int
    values: dict[str, Number | None]
    comment: str | None


@dataclass
class _Parsed:
    rows: list[_Row] = field(default_factory=list)
    usable: bool = True  # False: the file or its header is wrong, no row was read


def _number(text: str) -> float | None:
    """``12``, ``1.5``, ``1,5`` (decimal comma); None when it is not a number."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    try:
        return float(raw)
    except ValueError:
        pass
    if raw.count(",") == 1 and "." not in raw:
        try:
            return float(raw.replace(",", "."))
        except ValueError:
            return None
    return None


def _read(path: Path, today: date, errors: list[RowError], progress: Progress) -> _Parsed:
    name = path.name
    out = _Parsed()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        errors.append(RowError(name, None, None, "not UTF-8 text"))
        out.usable = False
        return out
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    if not any(header):
        errors.append(RowError(name, 1, None, "the file is empty; a header row is needed"))
        out.usable = False
        return out
    before = len(errors)
    for col in REQUIRED:
        if col not in header:
            errors.append(RowError(name, 1, col, "required column missing"))
    for col in {c for c in header if header.count(c) > 1}:
        errors.append(RowError(name, 1, col, "column named more than once"))
    codes = [c for c in header if c not in REQUIRED and c not in OPTIONAL]
    for code in codes:
        ind = INDICATORS_BY_CODE.get(code)
        if ind is None:
            errors.append(RowError(name, 1, code or "(blank)", "unknown indicator code"))
        elif ind.source != "reported":
            errors.append(
                RowError(name, 1, code, f"derived from {ind.derived_from}; it cannot be reported")
            )
    if len(errors) > before:
        out.usable = False
        return out
    lines: list[tuple[int, list[str]]] = []
    start = reader.line_num + 1
    for values in reader:  # each row with the line it starts on (quoted cells may span lines)
        lines.append((start, values))
        start = reader.line_num + 1
    progress.start("validating", len(lines))
    seen: dict[tuple[str, int], int] = {}
    for line, values in lines:
        progress.advance()
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(
                RowError(name, line, None, f"{len(values)} values for {len(header)} columns")
            )
            continue
        cells = dict(zip(header, values, strict=True))
        ok = True
        cluster_id = cells["cluster_id"].strip()
        if not cluster_id or len(cluster_id) > 64 or "\x00" in cluster_id:
            errors.append(RowError(name, line, "cluster_id", "a cluster id is required"))
            ok = False
        year_text = cells["year"].strip()
        year = int(year_text) if year_text.isdigit() else None
        if year is None or not FIRST_YEAR <= year <= today.year + 1:
            errors.append(
                RowError(
                    name,
                    line,
                    "year",
                    f"'{year_text}' is not a year between {FIRST_YEAR} and {today.year + 1}",
                )
            )
            ok = False
        row_values: dict[str, Number | None] = {}
        for code in codes:
            cell = cells[code].strip()
            if not cell:
                row_values[code] = None
                continue
            number = _number(cell)
            if number is None:
                errors.append(RowError(name, line, code, f"'{cell[:40]}' is not a number"))
                ok = False
            else:
                row_values[code] = number
        if not ok or year is None:
            continue
        key = (cluster_id, year)
        if key in seen:
            errors.append(
                RowError(name, line, None, f"{cluster_id} {year} is already on line {seen[key]}")
            )
            continue
        seen[key] = line
        comment = cells.get("comment", "").strip() or None
        if comment is not None and "\x00" in comment:
            errors.append(RowError(name, line, "comment", "must not contain NUL characters"))
            continue
        out.rows.append(_Row(line, cluster_id, year, row_values, comment))
    progress.finish()
    return out


async def _derived(
    session: AsyncSession, pairs: set[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, Number]]:
    """The derived values of each (cluster, year), as ``service.derived.derived_values``."""
    ids = sorted({cid for cid, _ in pairs})
    stored: dict[tuple[str, int], dict[str, Number]] = defaultdict(dict)
    snapshots: dict[str, list[MemberSnapshot]] = defaultdict(list)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rows = await session.execute(
            select(
                IndicatorValue.cluster_id,
                IndicatorValue.year,
                IndicatorValue.indicator,
                IndicatorValue.value,
            ).where(IndicatorValue.cluster_id.in_(chunk), IndicatorValue.source == "derived")
        )
        for cid, year, code, value in rows:
            if code not in MEMBER_CODES:
                stored[(cid, year)][code] = value
        snaps = await session.execute(
            select(MemberSnapshot).where(MemberSnapshot.cluster_id.in_(chunk))
        )
        for s in snaps.scalars():
            snapshots[s.cluster_id].append(s)
    out = {}
    for cid, year in pairs:
        values = dict(stored.get((cid, year), {}))
        earlier = [s for s in snapshots.get(cid, []) if s.year <= year]
        if earlier:
            latest = max(earlier, key=lambda s: s.year)
            values.update({k: v for k, v in snapshot_values(latest).items() if v is not None})
        out[(cid, year)] = values
    return out


async def import_reports(
    session: AsyncSession,
    path: Path,
    *,
    today: date,
    progress: Progress | None = None,
) -> ImportSummary:
    """Check the whole file, then write it in the session's open transaction (never commits).

    Raises :class:`ImportRejected` with every error, having written nothing.
    """
    started = time.perf_counter()
    progress = progress or Progress(None)
    name = path.name
    errors: list[RowError] = []
    parsed = _read(path, today, errors, progress)
    if not parsed.usable:
        raise ImportRejected(errors)  # the header is wrong: the rows cannot be read
    ids = sorted({r.cluster_id for r in parsed.rows})
    known: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(EvalCluster.id).where(EvalCluster.id.in_(ids[i : i + CHUNK]))
        )
        known.update(rows.scalars())
    published = set(
        (await session.execute(select(Account.year).where(Account.state == "published"))).scalars()
    )
    derived = await _derived(session, {(r.cluster_id, r.year) for r in parsed.rows})
    for r in parsed.rows:
        if r.cluster_id not in known:
            errors.append(RowError(name, r.line, "cluster_id", f"unknown cluster '{r.cluster_id}'"))
            continue
        if r.year in published:
            errors.append(
                RowError(
                    name,
                    r.line,
                    "year",
                    f"the account of {r.year} is published and no longer changes",
                )
            )
            continue
        for e in validate_report(r.values, derived=derived[(r.cluster_id, r.year)]):
            errors.append(RowError(name, r.line, e.indicator, e.detail))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line or 0))

    summary = ImportSummary()
    now = utcnow()
    progress.start("writing", len(parsed.rows))
    existing: dict[tuple[str, int], Report] = {}
    pairs = [(r.cluster_id, r.year) for r in parsed.rows]
    for i in range(0, len(pairs), CHUNK):
        found = await session.execute(
            select(Report).where(tuple_(Report.cluster_id, Report.year).in_(pairs[i : i + CHUNK]))
        )
        existing.update({(rep.cluster_id, rep.year): rep for rep in found.scalars()})
    for r in parsed.rows:
        report = existing.get((r.cluster_id, r.year))
        if report is None:
            session.add(
                Report(
                    cluster_id=r.cluster_id,
                    year=r.year,
                    submitted_by=f"import:{name}"[:120],
                    submitted_at=now,
                    comment=r.comment,
                    version=1,
                )
            )
        else:
            report.version += 1
            report.submitted_by = f"import:{name}"[:120]
            report.submitted_at = now
            report.comment = r.comment
            summary.replaced += 1
        await write_values(session, r.cluster_id, r.year, r.values, now)
        summary.reports += 1
        summary.values += sum(1 for v in r.values.values() if v is not None)
        progress.advance()
    await session.flush()
    progress.finish()
    summary.seconds = time.perf_counter() - started
    return summary


async def import_into(
    database_url: str, path: Path, *, today: date, progress: Progress | None = None
) -> ImportSummary:
    """Open the evaluation database, import in one transaction, commit (or roll back).

    This is the command line's entry point (``python -m services.manage import-reports``): there
    is no request, so no request wrapper opens and commits a unit of work — this function is
    that unit of work, with its own engine and one transaction for the whole file (all or
    nothing). :func:`import_reports` is the use case inside it and never commits."""
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            return await import_reports(session, path, today=today, progress=progress)
    finally:
        await engine.dispose()
