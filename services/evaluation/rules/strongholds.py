"""§4.2 smart specialisation: regional strongholds and cross-regional cooperation.

The paper (§4.2) makes "smart specialisering" the leading principle: find "hvor man har sine
særlige styrkepositioner i forhold til andre regioner og nabolande" and consider
"tværregionale/tværnationale samarbejder" — the effort should follow firms' needs, not
administrative borders.

Input: employment rows (region, category, year, employees) for the five Danish regions (codes
1081–1085) and neighbouring countries' regions (NUTS-2 codes such as ``DEF0``
Schleswig-Holstein, ``SE22`` Sydsverige, ``NO0A`` Vestlandet). A code starting with ``10`` is
Danish; any other code is foreign. A row whose category is ``TOTAL`` gives the region's total
employment (all sectors); without one, the region's total is the sum of its categories.

For one year, with e_rc the employees of region r in category c (a missing row is 0),
e_r the region's total, e_c = Σ_r e_rc and e = Σ_r e_r over all regions in the data set:

- share of the region's employment: s_rc = e_rc / e_r;
- location quotient: LQ_rc = (e_rc / e_r) / (e_c / e), computed as (e_rc · e) / (e_r · e_c)
  (undefined when e_r or e_c is 0);
- European Cluster Observatory stars, one each for
  * **size**: e_rc is in the top 10 % of the category's regional employment;
  * **specialisation**: LQ_rc ≥ 2;
  * **focus**: s_rc is in the top 10 % of the shares of all regions in that category
    (the category's share of the region's employment, compared region with region, as the
    Observatory compares size within the category).
- "Top 10 %", exactly: with n regions in the data set that year, a positive value is in the
  top 10 % when fewer than 10 % of the n regions have a strictly larger value
  (``larger × 100 < 10 × n``): the ⌈n / 10⌉ largest, ties included, and always the largest.
  With 4 regions only the largest qualifies; with 20, the two largest.

**The reference set.** The European Cluster Observatory ranks size and focus against every
European NUTS-2 region (some 260) in the category. No such European distribution is shipped
for this suite's categories (the Danish fields of strength are not the Observatory's cluster
categories, and no per-category table of thresholds could be sourced under a licence that lets
us ship it), so the reference set is **the regions in the uploaded statistics of the year**,
and every answer names it (:func:`reference_set`). A ranking among a handful of regions is no
ranking — with 10 regions or fewer the top 10 % is one region, which then takes the size star
of every category it is largest in — so size and focus stars are given only when the year's
statistics cover at least ``min_regions`` regions (default 20, setting
``EVALUATION_STRONGHOLDS_MIN_REGIONS``); below that, the cells still carry share and LQ and the
specialisation star (LQ ≥ 2 is no ranking), and the reference set says why there are no size
and focus stars.

Cooperation suggestions: a category in which two or more **Danish** regions have at least
``min_stars`` stars (default 1: any star marks a statistical cluster in the Observatory's
method); the suggestion lists those regions and, as partners across the border, the foreign
regions with stars in the same category.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

TOTAL = "TOTAL"  # category of a row giving a region's total employment
DANISH_REGIONS = ("1081", "1082", "1083", "1084", "1085")


def is_danish(region: str) -> bool:
    """Danish regions have codes 1081–1085; anything not starting with ``10`` is foreign."""
    return region.startswith("10")


@dataclass(frozen=True, slots=True)
class EmploymentRow:
    region: str
    category: str
    year: int
    employees: float


@dataclass(frozen=True, slots=True)
class StarRule:
    top_percent: int = 10  # size and focus: the top share of regions, in whole percent
    specialisation_lq: float = 2.0
    #: Fewest regions in the reference set before size and focus stars (ranks) are given.
    min_regions: int = 20


@dataclass(frozen=True, slots=True)
class ReferenceSet:
    """What the stars of a year were ranked against: the regions of the uploaded statistics."""

    year: int
    regions: int
    danish: int
    foreign: int
    min_regions: int
    top_percent: int

    @property
    def ranked(self) -> bool:
        """Whether size and focus stars were given (enough regions to rank against)."""
        return self.regions >= self.min_regions

    @property
    def top_regions(self) -> int:
        """How many regions the top ``top_percent`` % is (ties aside): ⌈p · n / 100⌉."""
        return max(1, -(-self.top_percent * self.regions // 100)) if self.regions else 0

    @property
    def text(self) -> str:
        head = (
            f"The {self.regions} regions in the uploaded employment statistics for {self.year} "
            f"({self.danish} Danish, {self.foreign} abroad), not all European NUTS-2 regions as "
            "in the European Cluster Observatory"
        )
        if self.ranked:
            return (
                f"{head}: size and focus stars go to the top {self.top_percent} % of these "
                f"regions (the {self.top_regions} largest, ties included) in each category."
            )
        return (
            f"{head}: fewer than the {self.min_regions} regions a ranking needs, so no size or "
            f"focus stars are given (share, LQ and the specialisation star are); upload "
            f"statistics for at least {self.min_regions} regions of {self.year}."
        )


def reference_set(
    rows: Iterable[EmploymentRow], year: int, rule: StarRule = StarRule()
) -> ReferenceSet:
    """The reference set of ``year``'s stars: every region with a row that year."""
    regions = {r.region for r in rows if r.year == year}
    danish = sum(1 for r in regions if is_danish(r))
    return ReferenceSet(
        year, len(regions), danish, len(regions) - danish, rule.min_regions, rule.top_percent
    )


@dataclass(frozen=True, slots=True)
class StrongholdCell:
    region: str
    category: str
    year: int
    employees: float  # e_rc
    region_employees: float  # e_r
    share: float | None  # e_rc / e_r
    lq: float | None
    size: bool
    specialisation: bool
    focus: bool

    @property
    def stars(self) -> int:
        return self.size + self.specialisation + self.focus

    @property
    def danish(self) -> bool:
        return is_danish(self.region)


class RowError(NamedTuple):
    row: int  # position of the row in the input (0-based)
    detail: str


def validate_rows(rows: Iterable[EmploymentRow]) -> list[RowError]:
    """Problems that make a data set unusable: empty codes, employees not a finite number
    ≥ 0, the same region × category × year twice, a total below the sum of its categories."""
    errors: list[RowError] = []
    seen: dict[tuple[str, str, int], int] = {}
    sums: dict[tuple[str, int], float] = {}
    totals: dict[tuple[str, int], tuple[int, float]] = {}
    for k, row in enumerate(rows):
        if not row.region or not row.category:
            errors.append(RowError(k, "region and category are required."))
            continue
        e = row.employees
        if isinstance(e, bool) or not isinstance(e, int | float) or not math.isfinite(e) or e < 0:
            errors.append(RowError(k, f"employees must be a number ≥ 0, not {e!r}."))
            continue
        key = (row.region, row.category, row.year)
        if key in seen:
            errors.append(RowError(k, f"{key} repeats row {seen[key]}."))
            continue
        seen[key] = k
        if row.category == TOTAL:
            totals[(row.region, row.year)] = (k, e)
        else:
            sums[(row.region, row.year)] = sums.get((row.region, row.year), 0) + e
    for (region, year), (k, total) in totals.items():
        if total < sums.get((region, year), 0):
            errors.append(
                RowError(k, f"total of {region} in {year} is below the sum of its categories.")
            )
    return errors


def compute_strongholds(
    rows: Iterable[EmploymentRow], year: int, rule: StarRule = StarRule()
) -> list[StrongholdCell]:
    """Every region × category of ``year`` (a missing combination counts 0 employees), sorted
    by region and category, with share, LQ and stars (size and focus only with at least
    ``rule.min_regions`` regions). Raises ValueError on invalid rows."""
    data = [r for r in rows if r.year == year]
    errors = validate_rows(data)
    if errors:
        raise ValueError("; ".join(f"row {e.row}: {e.detail}" for e in errors))
    cell: dict[tuple[str, str], float] = {}
    given_total: dict[str, float] = {}
    for r in data:
        if r.category == TOTAL:
            given_total[r.region] = r.employees
        else:
            cell[(r.region, r.category)] = r.employees
    regions = sorted({r.region for r in data})
    categories = sorted({c for _, c in cell})
    region_total = {
        reg: given_total.get(reg, sum(cell.get((reg, c), 0) for c in categories)) for reg in regions
    }
    grand = sum(region_total.values())
    n = len(regions)
    ranked = n >= rule.min_regions  # see "The reference set" above

    out: list[StrongholdCell] = []
    for c in categories:
        emp = {reg: cell.get((reg, c), 0.0) for reg in regions}
        cat_total = sum(emp.values())
        share = {
            reg: emp[reg] / region_total[reg] if region_total[reg] else None for reg in regions
        }
        size_top = _top(emp.values(), n, rule.top_percent)
        focus_top = _top((s or 0.0 for s in share.values()), n, rule.top_percent)
        for reg in regions:
            e_rc, e_r = emp[reg], region_total[reg]
            lq = (e_rc * grand) / (e_r * cat_total) if e_r and cat_total else None
            s = share[reg]
            out.append(
                StrongholdCell(
                    region=reg,
                    category=c,
                    year=year,
                    employees=e_rc,
                    region_employees=e_r,
                    share=s,
                    lq=lq,
                    size=ranked and e_rc > 0 and e_rc >= size_top,
                    specialisation=lq is not None and lq >= rule.specialisation_lq,
                    focus=ranked and s is not None and s > 0 and s >= focus_top,
                )
            )
    out.sort(key=lambda x: (x.region, x.category))
    return out


def _top(values: Iterable[float], n: int, top_percent: int) -> float:
    """The smallest value still in the top ``top_percent`` % of n regions: the k-th largest
    with k = ⌈top_percent · n / 100⌉ (so fewer than top_percent % lie strictly above it)."""
    ordered = sorted(values, reverse=True)
    k = max(1, -(-top_percent * n // 100))  # integer ceiling: no float rounding
    return ordered[min(k, len(ordered)) - 1] if ordered else math.inf


class RegionStars(NamedTuple):
    region: str
    stars: int


@dataclass(frozen=True, slots=True)
class CooperationSuggestion:
    category: str
    year: int
    danish: tuple[RegionStars, ...]  # the Danish regions strong in the category, most stars first
    foreign: tuple[RegionStars, ...]  # neighbouring regions with stars in it: partners abroad

    @property
    def text(self) -> str:
        dk = ", ".join(f"{r.region} ({'★' * r.stars})" for r in self.danish)
        abroad = ", ".join(f"{r.region} ({'★' * r.stars})" for r in self.foreign)
        return f"{self.category}: {dk}" + (f"; across the border {abroad}" if abroad else "")


def cooperation_suggestions(
    cells: Iterable[StrongholdCell], *, min_stars: int = 1, min_regions: int = 2
) -> list[CooperationSuggestion]:
    """Categories where at least ``min_regions`` Danish regions have ≥ ``min_stars`` stars,
    strongest first (Danish stars, then category name)."""
    by_cat: dict[tuple[str, int], list[StrongholdCell]] = {}
    for c in cells:
        if c.stars >= min_stars:
            by_cat.setdefault((c.category, c.year), []).append(c)
    out = []
    for (category, year), strong in by_cat.items():
        dk = [RegionStars(c.region, c.stars) for c in strong if c.danish]
        if len(dk) < min_regions:
            continue
        abroad = [RegionStars(c.region, c.stars) for c in strong if not c.danish]
        out.append(
            CooperationSuggestion(
                category,
                year,
                tuple(sorted(dk, key=lambda r: (-r.stars, r.region))),
                tuple(sorted(abroad, key=lambda r: (-r.stars, r.region))),
            )
        )
    out.sort(key=lambda s: (-sum(r.stars for r in s.danish), s.category, s.year))
    return out
