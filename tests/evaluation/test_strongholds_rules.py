"""§4.2 smart specialisation: location quotients and European Cluster Observatory stars, by hand.

The hand-worked example: two Danish regions and two neighbouring regions, three categories.

    employees   energy   food    ict    region total e_r
    1081          300     200    500     1,000
    1082          400     100  1,500     2,000
    DEF0          100     900  2,000     3,000
    SE22          200     800  3,000     4,000
    e_c         1,000   2,000  7,000    e = 10,000   → e_c / e: 0.1, 0.2, 0.7

Shares s_rc = e_rc / e_r and LQ = s_rc / (e_c / e):

                energy            food              ict
    1081   0.30 → LQ 3.000   0.20 → LQ 1.00   0.50  → LQ 0.714
    1082   0.20 → LQ 2.000   0.05 → LQ 0.25   0.75  → LQ 1.071
    DEF0   0.033→ LQ 0.333   0.30 → LQ 1.50   0.667 → LQ 0.952
    SE22   0.05 → LQ 0.500   0.20 → LQ 1.00   0.75  → LQ 1.071

Top 10 % of n = 4 regions: fewer than 0.4 regions strictly above → only the largest (ties in).
    size:           energy 1082 (400), food DEF0 (900), ict SE22 (3,000)
    focus:          energy 1081 (0.30), food DEF0 (0.30), ict 1082 and SE22 (0.75, a tie)
    specialisation: LQ ≥ 2: energy 1081 (3.0) and 1082 (2.0, exactly on the line)
Stars: 1081 energy 2 (spec + focus); 1082 energy 2 (size + spec), ict 1 (focus);
       DEF0 food 2 (size + focus); SE22 ict 2 (size + focus); all others 0.
"""

from __future__ import annotations

import math

import pytest

from services.evaluation.rules.strongholds import (
    TOTAL,
    EmploymentRow,
    StarRule,
    StrongholdCell,
    compute_strongholds,
    cooperation_suggestions,
    is_danish,
    reference_set,
    validate_rows,
)

A = pytest.approx
TABLE = {
    "1081": (300, 200, 500),
    "1082": (400, 100, 1500),
    "DEF0": (100, 900, 2000),
    "SE22": (200, 800, 3000),
}
CATS = ("energy", "food", "ict")
#: The hand-worked examples rank among four regions; the default asks for 20 (issue 13).
FOUR = StarRule(min_regions=4)


def rows(year: int = 2023) -> list[EmploymentRow]:
    return [
        EmploymentRow(region, cat, year, emp)
        for region, emps in TABLE.items()
        for cat, emp in zip(CATS, emps, strict=True)
    ]


def grid(cells: list[StrongholdCell]) -> dict[tuple[str, str], StrongholdCell]:
    return {(c.region, c.category): c for c in cells}


@pytest.fixture(scope="module")
def cells() -> dict[tuple[str, str], StrongholdCell]:
    return grid(compute_strongholds(rows(), 2023, FOUR))


def test_location_quotients(cells: dict[tuple[str, str], StrongholdCell]) -> None:
    lq = {k: c.lq for k, c in cells.items()}
    assert lq["1081", "energy"] == 3.0  # (300 · 10,000) / (1,000 · 1,000)
    assert lq["1082", "energy"] == 2.0  # (400 · 10,000) / (2,000 · 1,000): exact, no rounding
    assert lq["DEF0", "energy"] == A(1 / 3)  # (100 · 10,000) / (3,000 · 1,000)
    assert lq["SE22", "energy"] == 0.5  # (200 · 10,000) / (4,000 · 1,000)
    assert lq["1082", "food"] == 0.25  # (100 · 10,000) / (2,000 · 2,000)
    assert lq["DEF0", "food"] == 1.5  # (900 · 10,000) / (3,000 · 2,000)
    assert lq["1081", "ict"] == A(5 / 7)  # (500 · 10,000) / (1,000 · 7,000) = 0.714
    assert lq["1082", "ict"] == lq["SE22", "ict"] == A(15 / 14)  # 0.75 / 0.7 = 1.071


def test_shares_and_totals(cells: dict[tuple[str, str], StrongholdCell]) -> None:
    c = cells["DEF0", "food"]
    assert (c.employees, c.region_employees, c.share) == (900, 3000, 0.3)
    assert len(cells) == 12  # 4 regions × 3 categories


def test_stars(cells: dict[tuple[str, str], StrongholdCell]) -> None:
    stars = {k: (c.size, c.specialisation, c.focus) for k, c in cells.items() if c.stars}
    assert stars == {
        ("1081", "energy"): (False, True, True),
        ("1082", "energy"): (True, True, False),
        ("1082", "ict"): (False, False, True),  # the focus tie 0.75 = 0.75
        ("DEF0", "food"): (True, False, True),
        ("SE22", "ict"): (True, False, True),
    }
    assert [cells[k].stars for k in sorted(stars)] == [2, 2, 1, 2, 2]


def test_cooperation_suggestions(cells: dict[tuple[str, str], StrongholdCell]) -> None:
    [energy] = cooperation_suggestions(cells.values())
    # energy: two Danish regions with stars; ict has only one Danish region (1082), food none
    assert energy.category == "energy"
    assert energy.danish == (("1081", 2), ("1082", 2))
    assert energy.foreign == ()
    assert energy.text == "energy: 1081 (★★), 1082 (★★)"
    assert [s.category for s in cooperation_suggestions(cells.values(), min_stars=2)] == ["energy"]
    assert cooperation_suggestions(cells.values(), min_stars=3) == []


def test_suggestions_name_partners_across_the_border() -> None:
    # A second example.     wind   other   e_r
    #               1081     50      50     100
    #               1082     60     140     200
    #               DEF0    100     900   1,000
    #               SE22     10     990   1,000      e = 2,300, e_wind = 220, e_other = 2,080
    # wind LQ: 1081 (50·2,300)/(100·220) = 5.23 ★; 1082 (60·2,300)/(200·220) = 3.14 ★;
    #          DEF0 (100·2,300)/(1,000·220) = 1.05; SE22 0.10.
    # wind size: DEF0 (100, the largest) ★; wind focus: 1081 (share 0.5, the largest) ★.
    # other: SE22 has size (990) and focus (0.99); LQs all < 2. No Danish star in "other".
    table = {"1081": (50, 50), "1082": (60, 140), "DEF0": (100, 900), "SE22": (10, 990)}
    data = [
        EmploymentRow(region, cat, 2023, emp)
        for region, emps in table.items()
        for cat, emp in zip(("wind", "other"), emps, strict=True)
    ]
    cells = grid(compute_strongholds(data, 2023, FOUR))
    assert cells["1081", "wind"].lq == A(115_000 / 22_000)
    assert cells["1082", "wind"].lq == A(138_000 / 44_000)
    assert cells["DEF0", "wind"].lq == A(230_000 / 220_000)
    assert [cells[r, "wind"].stars for r in table] == [2, 1, 1, 0]
    assert [cells[r, "other"].stars for r in table] == [0, 0, 0, 2]
    [wind] = cooperation_suggestions(cells.values())
    assert wind.danish == (("1081", 2), ("1082", 1))
    assert wind.foreign == (("DEF0", 1),)
    assert wind.text == "wind: 1081 (★★), 1082 (★); across the border DEF0 (★)"
    assert cooperation_suggestions(cells.values(), min_stars=2) == []  # only 1081 has two


def test_region_totals_from_a_total_row() -> None:
    # 1081's total employment (all sectors) is 2,000, not the 1,000 in the three categories:
    # e = 2,000 + 2,000 + 3,000 + 4,000 = 11,000; energy LQ = (300 · 11,000)/(2,000 · 1,000) = 1.65
    data = [*rows(), EmploymentRow("1081", TOTAL, 2023, 2000)]
    cells = grid(compute_strongholds(data, 2023, FOUR))
    assert cells["1081", "energy"].region_employees == 2000
    assert cells["1081", "energy"].share == 0.15
    assert cells["1081", "energy"].lq == A(1.65)
    assert not cells["1081", "energy"].specialisation
    assert ("1081", TOTAL) not in cells


def test_missing_rows_count_zero_and_other_years_are_left_out() -> None:
    data = [
        *rows(2022),
        EmploymentRow("1081", "energy", 2023, 10),
        EmploymentRow("1082", "food", 2023, 30),
    ]
    cells = grid(compute_strongholds(data, 2023, FOUR))
    assert set(cells) == {
        ("1081", "energy"),
        ("1081", "food"),
        ("1082", "energy"),
        ("1082", "food"),
    }
    zero = cells["1081", "food"]
    assert (zero.employees, zero.lq, zero.stars) == (0.0, 0.0, 0)  # no star for nothing
    assert compute_strongholds(rows(), 1999) == []


def test_the_top_ten_percent_cut() -> None:
    def size_stars(n: int) -> int:
        data = [EmploymentRow(f"SE{k:02d}", "x", 2023, k) for k in range(1, n + 1)]
        data += [EmploymentRow(f"SE{k:02d}", "y", 2023, 100) for k in range(1, n + 1)]
        rule = StarRule(min_regions=1)
        return sum(c.size for c in compute_strongholds(data, 2023, rule) if c.category == "x")

    # ⌈n/10⌉ largest: fewer than 10 % of the regions strictly above
    assert [size_stars(n) for n in (4, 10, 11, 20, 21, 30)] == [1, 1, 2, 2, 3, 3]
    assert StarRule().top_percent == 10


def test_size_and_focus_need_a_reference_set_of_enough_regions() -> None:
    """Issue 13: the Observatory ranks against all European regions; among the uploaded ones
    only, a handful of regions is no ranking (one region would take every size star it is
    largest in). Below ``min_regions`` there are no size or focus stars, and the reference set
    says so; specialisation (LQ ≥ 2) is no ranking and stays."""
    default = grid(compute_strongholds(rows(), 2023))
    assert not any(c.size or c.focus for c in default.values())
    assert default["1081", "energy"].specialisation and default["1081", "energy"].stars == 1
    ref = reference_set(rows(), 2023)
    assert (ref.regions, ref.danish, ref.foreign, ref.min_regions) == (4, 2, 2, 20)
    assert not ref.ranked and "no size or" in ref.text and "at least 20 regions" in ref.text
    four = reference_set(rows(), 2023, FOUR)
    assert four.ranked and four.top_regions == 1 and "the 1 largest" in four.text
    assert "uploaded employment statistics for 2023 (2 Danish, 2 abroad)" in four.text
    assert reference_set(rows(), 1999).regions == 0


def test_danish_and_foreign_codes() -> None:
    assert all(is_danish(c) for c in ("1081", "1082", "1083", "1084", "1085"))
    assert not any(is_danish(c) for c in ("DEF0", "SE22", "NO0A", "DK01"))


def test_invalid_rows() -> None:
    bad = [
        EmploymentRow("1081", "energy", 2023, -1),
        EmploymentRow("1081", "food", 2023, math.nan),
        EmploymentRow("", "food", 2023, 1),
        EmploymentRow("1082", "ict", 2023, 5),
        EmploymentRow("1082", "ict", 2023, 6),
        EmploymentRow("1082", TOTAL, 2023, 4),
    ]
    errors = validate_rows(bad)
    assert [e.row for e in errors] == [0, 1, 2, 4, 5]
    assert "repeats row 3" in errors[3].detail
    assert "below the sum" in errors[4].detail
    with pytest.raises(ValueError, match="row 0"):
        compute_strongholds(bad, 2023)
    assert validate_rows(rows()) == []
