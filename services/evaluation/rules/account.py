"""The joint annual performance account (§4.1): percentiles within leagues, changes, composites.

§4.1 asks for "et fælles årligt performanceregnskab, der opgør resultaterne for alle klynger i
de tre ligaer". Clusters are compared only with clusters of their own league (world class,
national, emerging), and over the years. Missing data stays missing: a value that was not
reported or derived is ``None`` everywhere it appears and never counts as zero.

Formula
-------
For one year, league L and indicator i, let V be the values of the clusters in L that have a
value for i (missing values are left out), n = |V|.

- Percentile of a cluster with value x (the *mean-rank* percentile):
      P = 100 × (B + ½·E) / n
  where B = number of values in V strictly below x and E = number equal to x (itself
  included). A league with a single value gives 50; ties share one percentile. Missing value →
  no percentile.
- Direction: for an indicator where lower is better the cluster scores 100 − P, which is the
  same formula counted from the top.
- Change from last year: Δ = x − x₋₁ and Δ% = Δ / |x₋₁|; both missing if either value is
  missing, Δ% also when x₋₁ = 0.
- Composite per function f (bridge builder, regional ecosystem, resources): the mean of the
  cluster's direction-corrected percentiles over the indicators of f that have a value.
  coverage = present / total indicators of f. The composite is missing when coverage is below
  the minimum (default ½: at least half of the function's indicators).
- Overall composite: the mean of the function composites that are present (missing when fewer
  than ``min_functions``, default 1, are present).
- Every composite then gets its own mean-rank percentile within the league (among the clusters
  whose composite is present); §4.3's flag rule reads that percentile.
- League summary per indicator: clusters with data, first quartile, median, third quartile
  (linear interpolation between order statistics, as Excel's QUARTILE.INC).

Clusters and leagues as they were
---------------------------------
The account of year Y contains the clusters that existed in Y — registered in the suite by the
end of Y (the registry's ``registered`` event; the registry's events carry no founding date) —
each in **the league in force at the end of Y** (31 December, Danish time): the last league the
cluster had in Y, or the one it entered Y with when it did not change. Today's league is never
projected backwards (``league_as_of``).

Each league and indicator is sorted once (O(n log n)); percentiles are read from the sorted
run of equal values, so a whole account is linear in the number of cells after the sorts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from services.evaluation.rules.indicators import FUNCTIONS, INDICATORS, Indicator
from shared.clock import DANISH_TIME

#: Key of the overall composite in ``ClusterAccount.composites`` (next to the functions).
OVERALL = "overall"

Number = float | int
#: cluster id → indicator code → value (``None`` or an absent code: missing).
YearValues = Mapping[str, Mapping[str, Number | None]]

_EMPTY: Mapping[str, Number | None] = {}


class Cell(NamedTuple):
    """One cluster × indicator of an account."""

    value: Number | None
    percentile: float | None  # mean-rank percentile within the league, 0–100
    change: Number | None  # value − last year's value
    change_relative: float | None  # change / |last year's value|; None when last year is 0


class Composite(NamedTuple):
    """A function's (or the overall) composite for one cluster."""

    value: float | None  # mean of direction-corrected percentiles; None under minimum coverage
    present: int  # indicators (functions, for the overall) with a value
    total: int
    percentile: float | None  # the composite's mean-rank percentile within the league

    @property
    def coverage(self) -> float:
        return self.present / self.total if self.total else 0.0


class IndicatorSummary(NamedTuple):
    with_data: int  # clusters of the league with a value
    q1: float | None
    median: float | None
    q3: float | None


@dataclass(slots=True)
class _Columns:
    """One league's cells stored by column (cells are built on access, which keeps a
    3,000-cluster × 40-indicator account cheap to compute)."""

    values: dict[str, list[Number | None]]
    percentiles: dict[str, list[float | None]]
    before: dict[str, list[Number | None]]


@dataclass(slots=True)
class ClusterAccount:
    cluster_id: str
    league: str
    #: function → composite, plus ``OVERALL``.
    composites: dict[str, Composite]
    _columns: _Columns = field(repr=False)
    _row: int = field(repr=False)

    def cell(self, code: str) -> Cell:
        """The cell of indicator ``code`` (KeyError for a code not in the account)."""
        c = self._columns
        v = c.values[code][self._row]
        p = c.percentiles[code][self._row]
        b = c.before[code][self._row]
        if v is None or b is None or b != b:  # NaN last year is missing, like None
            return Cell(v, p, None, None)
        d = v - b
        return Cell(v, p, d, d / abs(b) if b else None)

    @property
    def cells(self) -> dict[str, Cell]:
        """indicator code → cell, in catalogue order."""
        return {code: self.cell(code) for code in self._columns.values}


@dataclass(slots=True)
class LeagueSummary:
    league: str
    clusters: int  # clusters of the league in the account
    clusters_with_data: int  # … with at least one value
    indicators: dict[str, IndicatorSummary]
    #: function (and ``OVERALL``) → the present composites of the league, sorted ascending.
    composite_values: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def composite_median(self, key: str = OVERALL) -> float | None:
        return _quantile(self.composite_values.get(key, ()), 0.5)

    def bottom_cut(self, key: str = OVERALL, share: float = 0.25) -> float | None:
        """The highest composite of the league whose percentile is ≤ ``share`` × 100 (None if
        no composite is that low): a composite at or below the cut is in the bottom share."""
        return bottom_cut(self.composite_values.get(key, ()), share)


@dataclass(slots=True)
class Account:
    year: int | None
    indicators: tuple[str, ...]
    min_coverage: float
    clusters: dict[str, ClusterAccount]
    leagues: dict[str, LeagueSummary]


def end_of_year(year: int) -> datetime:
    """The first instant after ``year`` ends in Denmark (1 January of the next year, 00:00)."""
    return datetime(year + 1, 1, 1, tzinfo=DANISH_TIME)


def league_as_of(history: Iterable[tuple[datetime, str]], year: int, fallback: str) -> str:
    """The league in force at the end of ``year`` from ``(valid_from, league)`` entries (aware
    times): the latest entry before the year ended. Before the first entry the cluster had its
    first known league (the one it was registered with); no history at all: ``fallback``."""
    end = end_of_year(year)
    ordered = sorted(history)
    if not ordered:
        return fallback
    league = ordered[0][1]
    for valid_from, entry in ordered:
        if valid_from >= end:
            break
        league = entry
    return league


def mean_rank_percentiles(sorted_values: Sequence[Number]) -> dict[Number, float]:
    """value → P = 100 × (below + ½·equal) / n for ascending ``sorted_values`` (one pass over
    the distinct values, counted in C by ``Counter``)."""
    twice_n = 2 * len(sorted_values)
    below = 0
    out: dict[Number, float] = {}
    for v, equal in Counter(sorted_values).items():  # first-seen order = ascending
        # integer numerator, one division: exact whenever P is (e.g. 25.0 for 1.5 of 6)
        out[v] = (200 * below + 100 * equal) / twice_n
        below += equal
    return out


def percentile_of(x: Number, values: Iterable[Number]) -> float:
    """The mean-rank percentile of ``x`` among non-empty ``values``: the O(n) reference for a
    single value (``compute_account`` uses one sort per league and indicator instead)."""
    vals = list(values)
    below = sum(1 for v in vals if v < x)
    equal = sum(1 for v in vals if v == x)
    return (200 * below + 100 * equal) / (2 * len(vals))


def bottom_cut(sorted_values: Sequence[float], share: float = 0.25) -> float | None:
    """The highest value whose mean-rank percentile is ≤ 100 × ``share``, or None."""
    cut: float | None = None
    limit = 100.0 * share
    for value, pct in mean_rank_percentiles(sorted_values).items():
        if pct > limit:
            break
        cut = value
    return cut


def _quantile(sorted_values: Sequence[Number], q: float) -> float | None:
    """Linear interpolation between order statistics (QUARTILE.INC, numpy's default)."""
    n = len(sorted_values)
    if n == 0:
        return None
    pos = q * (n - 1)
    lo = int(pos)
    hi = min(lo + 1, n - 1)
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo))


def compute_account(
    clusters: Mapping[str, str],
    values: YearValues,
    previous: YearValues | None = None,
    *,
    year: int | None = None,
    indicators: Sequence[Indicator] = INDICATORS,
    min_coverage: float = 0.5,
    min_functions: int = 1,
) -> Account:
    """Compute one year's account (see "Formula" in the module docstring).

    ``clusters`` maps every cluster in the account (the active ones, all three leagues) to its
    league that year; ``values`` and ``previous`` map cluster id → indicator code → value for
    this year and last year. Values of clusters not in ``clusters`` and codes not in
    ``indicators`` are ignored; ``None``, NaN and absent codes are missing.
    """
    if not indicators:
        raise ValueError("an account needs at least one indicator")
    by_league: dict[str, list[str]] = {}
    for cid, league in clusters.items():
        by_league.setdefault(league, []).append(cid)
    out: dict[str, ClusterAccount] = {}
    leagues: dict[str, LeagueSummary] = {}
    for league, ids in by_league.items():
        leagues[league] = _league(
            league, ids, values, previous or {}, indicators, min_coverage, min_functions, out
        )
    return Account(year, tuple(i.code for i in indicators), min_coverage, out, leagues)


def _league(
    league: str,
    ids: list[str],
    values: YearValues,
    previous: YearValues,
    indicators: Sequence[Indicator],
    min_coverage: float,
    min_functions: int,
    out: dict[str, ClusterAccount],
) -> LeagueSummary:
    """One league: column by column (one sort per indicator), then the composites by row."""
    functions = [f for f in FUNCTIONS if any(i.function == f for i in indicators)]
    slot_of = {f: k for k, f in enumerate(functions)}
    rows = [values.get(cid, _EMPTY) for cid in ids]
    prev_rows = [previous.get(cid, _EMPTY) for cid in ids]
    cols = _Columns({}, {}, {})
    summaries: dict[str, IndicatorSummary] = {}
    scored: list[list[list[float | None]]] = [[] for _ in functions]  # function → columns
    for ind in indicators:
        code = ind.code
        column = [row.get(code) for row in rows]
        present = [v for v in column if v is not None]
        total = sum(present)  # NaN anywhere makes the sum NaN: a cheap test for the rare case
        if total != total:  # NaN is missing, like None
            column = [None if v is None or v != v else v for v in column]
            present = [v for v in column if v is not None]
        present.sort()
        pmap = mean_rank_percentiles(present)
        pcts = [None if v is None else pmap[v] for v in column]
        before = [row.get(code) for row in prev_rows]
        cols.values[code] = column
        cols.percentiles[code] = pcts
        cols.before[code] = before
        summaries[code] = IndicatorSummary(
            len(present),
            _quantile(present, 0.25),
            _quantile(present, 0.5),
            _quantile(present, 0.75),
        )
        scored[slot_of[ind.function]].append(
            pcts if ind.higher_is_better else [None if p is None else 100.0 - p for p in pcts]
        )

    # composite value and count per function, then the overall composite
    comp_values: list[list[float | None]] = []
    comp_counts: list[list[int]] = []
    totals = [len(columns) for columns in scored]
    for columns, total in zip(scored, totals, strict=True):
        need = total * min_coverage
        vals: list[float | None] = []
        counts: list[int] = []
        for row_scores in zip(*columns, strict=True):
            got = [p for p in row_scores if p is not None]
            counts.append(len(got))
            vals.append(sum(got) / len(got) if got and len(got) >= need else None)
        comp_values.append(vals)
        comp_counts.append(counts)
    overall: list[float | None] = []
    n_functions: list[int] = []
    for row_comps in zip(*comp_values, strict=True):
        got = [c for c in row_comps if c is not None]
        n_functions.append(len(got))
        overall.append(sum(got) / len(got) if got and len(got) >= min_functions else None)
    with_data = sum(1 for row_counts in zip(*comp_counts, strict=True) if any(row_counts))
    comp_values.append(overall)
    comp_counts.append(n_functions)
    keys = [*functions, OVERALL]
    totals.append(len(functions))

    # each composite's percentile within the league
    composite_sorted: dict[str, tuple[float, ...]] = {}
    comp_columns: list[list[Composite]] = []
    for key, vals, counts, total in zip(keys, comp_values, comp_counts, totals, strict=True):
        ordered = tuple(sorted(c for c in vals if c is not None))
        composite_sorted[key] = ordered
        pmap = mean_rank_percentiles(ordered)
        comp_columns.append(
            [
                Composite(c, n, total, None if c is None else pmap[c])
                for c, n in zip(vals, counts, strict=True)
            ]
        )
    for row, (cid, comps) in enumerate(zip(ids, zip(*comp_columns, strict=True), strict=True)):
        out[cid] = ClusterAccount(cid, league, dict(zip(keys, comps, strict=True)), cols, row)
    return LeagueSummary(league, len(ids), with_data, summaries, composite_sorted)


def formula_text() -> str:
    """The "Formula" section of this module's docstring, for the HTML report."""
    doc = __doc__ or ""
    start = doc.index("Formula\n-------\n") + len("Formula\n-------\n")
    end = doc.index("\nEach league and indicator")
    return doc[start:end].strip()
