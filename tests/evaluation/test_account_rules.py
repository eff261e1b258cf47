"""§4.1: the annual account — percentiles, changes, composites, league summaries, by hand.

The small data set (four indicators, so every number can be checked on paper):

    indicator  function            direction
    a          bridge_builder      higher is better
    b          bridge_builder      higher is better
    c          regional_ecosystem  higher is better
    d          resources           lower is better

    league national: A, B, C, D          league emerging: E, F      world_class: G (no data)
             a     b     c     d                  a     c
    A       10     5     7   100           E      5     –
    B       20     –     7   300           F      –     2
    C       20     1     7     –
    D        –     3     7   200

Percentile P = 100 × (below + ½·equal) / n among the league's clusters with a value.
"""

from __future__ import annotations

import random

import pytest

from services.evaluation.rules.account import (
    OVERALL,
    Account,
    bottom_cut,
    compute_account,
    formula_text,
    mean_rank_percentiles,
    percentile_of,
)
from services.evaluation.rules.indicators import INDICATORS, Indicator

A = pytest.approx

IND = (
    Indicator("a", "a", "a", "count", "reported", "bridge_builder", True, ""),
    Indicator("b", "b", "b", "count", "reported", "bridge_builder", True, ""),
    Indicator("c", "c", "c", "count", "reported", "regional_ecosystem", True, ""),
    Indicator("d", "d", "d", "dkk", "derived", "resources", False, ""),
)
CLUSTERS = {
    "A": "national",
    "B": "national",
    "C": "national",
    "D": "national",
    "E": "emerging",
    "F": "emerging",
    "G": "world_class",
}
VALUES: dict[str, dict[str, float | int | None]] = {
    "A": {"a": 10, "b": 5, "c": 7, "d": 100},
    "B": {"a": 20, "b": None, "c": 7, "d": 300},
    "C": {"a": 20, "b": 1, "c": 7},  # d absent: missing
    "D": {"a": None, "b": 3, "c": 7, "d": 200},
    "E": {"a": 5},
    "F": {"c": 2},
    "Z": {"a": 1_000_000},  # not in the account (e.g. dissolved): ignored
}
PREVIOUS: dict[str, dict[str, float | int | None]] = {
    "A": {"a": 8, "b": 5},
    "B": {"a": 0},
    "C": {"a": None},
    "D": {"a": 5},
}


@pytest.fixture(scope="module")
def account() -> Account:
    return compute_account(CLUSTERS, VALUES, PREVIOUS, year=2024, indicators=IND)


# --- percentiles ------------------------------------------------------------------------------


def test_percentiles_within_the_league(account: Account) -> None:
    pct = {
        (cid, code): account.clusters[cid].cell(code).percentile
        for cid in "ABCD"
        for code in "abcd"
    }
    # a: values 10, 20, 20 (n = 3). A: 100·(0 + ½·1)/3 = 16.67; B, C: 100·(1 + ½·2)/3 = 66.67
    assert pct["A", "a"] == A(16.6667, abs=1e-4)
    assert pct["B", "a"] == pct["C", "a"] == A(66.6667, abs=1e-4)
    # b: values 1, 3, 5. C: 100·0.5/3 = 16.67; D: 100·1.5/3 = 50; A: 100·2.5/3 = 83.33
    assert (pct["C", "b"], pct["D", "b"], pct["A", "b"]) == (
        A(16.6667, abs=1e-4),
        50.0,
        A(83.3333, abs=1e-4),
    )
    # c: four equal values 7. Everyone: 100·(0 + ½·4)/4 = 50
    assert [pct[x, "c"] for x in "ABCD"] == [50.0, 50.0, 50.0, 50.0]
    # d: values 100, 200, 300 → 16.67, 50, 83.33 (the raw percentile; direction is for composites)
    assert (pct["A", "d"], pct["D", "d"], pct["B", "d"]) == (
        A(16.6667, abs=1e-4),
        50.0,
        A(83.3333, abs=1e-4),
    )


def test_missing_values_stay_missing(account: Account) -> None:
    for cid, code in [("D", "a"), ("B", "b"), ("C", "d"), ("E", "c"), ("G", "a")]:
        cell = account.clusters[cid].cell(code)
        assert cell == (None, None, None, None), (cid, code)
    assert "Z" not in account.clusters


def test_a_zero_is_not_a_missing_value() -> None:
    with_zero = {**VALUES, "C": {**VALUES["C"], "d": 0}}
    acc = compute_account(CLUSTERS, with_zero, indicators=IND)
    # d: 0, 100, 200, 300 → C has the lowest: 100·0.5/4 = 12.5; lower is better → 87.5 resources
    assert acc.clusters["C"].cell("d").percentile == 12.5
    assert acc.clusters["C"].composites["resources"].value == 87.5
    # … whereas with d missing C has no resources composite at all (see below)


def test_a_single_value_in_a_league_gives_50(account: Account) -> None:
    assert account.clusters["E"].cell("a").percentile == 50.0  # only E has a in emerging
    assert account.clusters["F"].cell("c").percentile == 50.0


def test_sort_based_percentiles_match_the_definition() -> None:
    rng = random.Random(7)
    for _ in range(50):
        vals = sorted(
            rng.choice([rng.randint(0, 6), rng.random()]) for _ in range(rng.randint(1, 30))
        )
        fast = mean_rank_percentiles(vals)
        for v in vals:
            assert fast[v] == A(percentile_of(v, vals))


def test_percentiles_are_exact_at_quartile_boundaries() -> None:
    # 6 values: the 2nd is 100·1.5/6 = 25 exactly, not 25.000000000000004
    assert mean_rank_percentiles([1, 2, 3, 4, 5, 6])[2] == 25.0


# --- change from last year --------------------------------------------------------------------


def test_change_from_last_year(account: Account) -> None:
    a = {cid: account.clusters[cid].cell("a") for cid in "ABCD"}
    assert (a["A"].change, a["A"].change_relative) == (2, 0.25)  # 10 − 8 = 2; 2 / 8 = 0.25
    assert (a["B"].change, a["B"].change_relative) == (20, None)  # 20 − 0; last year 0: no %
    assert (a["C"].change, a["C"].change_relative) == (None, None)  # last year missing
    assert (a["D"].change, a["D"].change_relative) == (None, None)  # this year missing
    b = account.clusters["A"].cell("b")
    assert (b.change, b.change_relative) == (0, 0.0)  # 5 − 5
    assert account.clusters["A"].cell("c").change is None  # no previous value for c


def test_without_a_previous_year_there_is_no_change() -> None:
    acc = compute_account(CLUSTERS, VALUES, indicators=IND)
    assert all(cell.change is None for cell in acc.clusters["A"].cells.values())


# --- composites -------------------------------------------------------------------------------


def test_function_composites(account: Account) -> None:
    comp = {cid: account.clusters[cid].composites for cid in "ABCD"}
    # bridge builder = mean of a and b percentiles present; 2 indicators, at least 1 needed
    assert comp["A"]["bridge_builder"].value == A(50.0)  # (16.67 + 83.33) / 2
    assert comp["B"]["bridge_builder"].value == A(66.6667, abs=1e-4)  # a only
    assert comp["C"]["bridge_builder"].value == A(41.6667, abs=1e-4)  # (66.67 + 16.67) / 2
    assert comp["D"]["bridge_builder"].value == 50.0  # b only
    assert (comp["B"]["bridge_builder"].present, comp["B"]["bridge_builder"].total) == (1, 2)
    assert comp["B"]["bridge_builder"].coverage == 0.5
    # regional ecosystem: c alone, 50 for everyone
    assert {comp[x]["regional_ecosystem"].value for x in "ABCD"} == {50.0}
    # resources: d, lower is better → 100 − P. A: 100 − 16.67 = 83.33; B: 100 − 83.33 = 16.67;
    # D: 100 − 50 = 50; C: d missing → coverage 0/1 < ½ → no composite
    assert comp["A"]["resources"].value == A(83.3333, abs=1e-4)
    assert comp["B"]["resources"].value == A(16.6667, abs=1e-4)
    assert comp["D"]["resources"].value == 50.0
    assert comp["C"]["resources"] == (None, 0, 1, None)


def test_overall_composite_and_its_percentile(account: Account) -> None:
    ov = {cid: account.clusters[cid].composites[OVERALL] for cid in "ABCD"}
    assert ov["A"].value == A(61.1111, abs=1e-4)  # (50 + 50 + 83.33) / 3
    assert ov["B"].value == A(44.4444, abs=1e-4)  # (66.67 + 50 + 16.67) / 3
    assert ov["C"].value == A(45.8333, abs=1e-4)  # (41.67 + 50) / 2 — resources missing
    assert ov["D"].value == 50.0  # (50 + 50 + 50) / 3
    assert (ov["C"].present, ov["C"].total) == (2, 3)
    # order B 44.4 < C 45.8 < D 50 < A 61.1 (n = 4) → 12.5, 37.5, 62.5, 87.5
    assert [ov[x].percentile for x in "BCDA"] == [12.5, 37.5, 62.5, 87.5]


def test_composite_percentiles_share_ties(account: Account) -> None:
    bb = {cid: account.clusters[cid].composites["bridge_builder"].percentile for cid in "ABCD"}
    # C 41.67 < A 50 = D 50 < B 66.67 → C 12.5; A, D 100·(1 + ½·2)/4 = 50; B 87.5
    assert bb == {"C": 12.5, "A": 50.0, "D": 50.0, "B": 87.5}


def test_minimum_coverage() -> None:
    # E has a (1 of 2 bridge indicators: coverage ½ = the minimum) → a composite of 50;
    acc = compute_account(CLUSTERS, VALUES, indicators=IND)
    e = acc.clusters["E"].composites
    assert e["bridge_builder"] == (50.0, 1, 2, 50.0)
    assert e["regional_ecosystem"].value is None and e["resources"].value is None
    assert e[OVERALL] == (50.0, 1, 3, 50.0)  # one function present; E and F tie at 50
    # with a stricter minimum (all indicators) E has none, and no overall either
    strict = compute_account(CLUSTERS, VALUES, indicators=IND, min_coverage=1.0)
    assert strict.clusters["E"].composites["bridge_builder"].value is None
    assert strict.clusters["E"].composites[OVERALL].value is None
    # … and min_functions=2 refuses an overall built from one function
    two = compute_account(CLUSTERS, VALUES, indicators=IND, min_functions=2)
    assert two.clusters["E"].composites[OVERALL].value is None
    assert two.clusters["C"].composites[OVERALL].value == A(45.8333, abs=1e-4)


def test_minimum_coverage_with_the_real_catalogue() -> None:
    # bridge builder has 7 indicators: half is 3.5, so 4 are needed and 3 are not enough
    bridge = [i.code for i in INDICATORS if i.function == "bridge_builder"]
    three = {"X": dict.fromkeys(bridge[:3], 1)}
    four = {"X": dict.fromkeys(bridge[:4], 1)}
    assert compute_account({"X": "national"}, three).clusters["X"].composites["bridge_builder"] == (
        None,
        3,
        7,
        None,
    )
    assert compute_account({"X": "national"}, four).clusters["X"].composites["bridge_builder"] == (
        50.0,
        4,
        7,
        50.0,
    )


def test_a_cluster_without_data(account: Account) -> None:
    g = account.clusters["G"]
    assert g.league == "world_class"
    assert all(c.value is None for c in g.composites.values())
    assert list(g.cells) == ["a", "b", "c", "d"]


# --- league summaries ---------------------------------------------------------------------


def test_league_summaries(account: Account) -> None:
    nat = account.leagues["national"]
    assert (nat.clusters, nat.clusters_with_data) == (4, 4)
    # a: 10, 20, 20 → q1 at position 0.5: 10 + ½·10 = 15; median 20; q3 at 1.5: 20
    assert nat.indicators["a"] == (3, 15.0, 20.0, 20.0)
    # d: 100, 200, 300 → q1 150, median 200, q3 250
    assert nat.indicators["d"] == (3, 150.0, 200.0, 250.0)
    assert nat.indicators["c"] == (4, 7.0, 7.0, 7.0)
    # overall composites 44.4, 45.8, 50, 61.1: the bottom quartile (P ≤ 25) holds only B's 44.4
    assert nat.bottom_cut() == A(44.4444, abs=1e-4)
    assert nat.bottom_cut(share=0.5) == A(45.8333, abs=1e-4)  # C's 37.5 ≤ 50 too
    assert nat.composite_median() == A(47.9167, abs=1e-4)  # (45.83 + 50) / 2
    emerging = account.leagues["emerging"]
    assert emerging.indicators["b"] == (0, None, None, None)
    wc = account.leagues["world_class"]
    assert (wc.clusters, wc.clusters_with_data) == (1, 0)
    assert wc.bottom_cut() is None


def test_bottom_cut() -> None:
    assert bottom_cut([]) is None
    assert bottom_cut([5.0]) is None  # a league of one sits at 50
    assert bottom_cut([1.0, 2.0]) == 1.0  # 25 ≤ 25
    assert bottom_cut([1.0, 1.0, 2.0, 3.0]) == 1.0  # the tied pair: 100·(0 + ½·2)/4 = 25
    assert bottom_cut([1.0, 1.0, 1.0, 2.0]) is None  # three tied: 100·(0 + ½·3)/4 = 37.5
    assert bottom_cut([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]) == 2.0  # 6.25, 18.75


def test_formula_text_for_the_report() -> None:
    text = formula_text()
    assert text.startswith("For one year, league L and indicator i")
    assert "P = 100 × (B + ½·E) / n" in text
    assert "100 − P" in text
    assert "Each league" not in text


def test_an_account_needs_indicators() -> None:
    with pytest.raises(ValueError):
        compute_account(CLUSTERS, VALUES, indicators=())
