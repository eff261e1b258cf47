"""§4.3: poor performance over a longer period (or no longer relevant) → a flag with evidence.

The rule: the composite's percentile within the league ≤ 25 in 3 consecutive published
accounts; a missing year breaks the run.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.evaluation.rules.account import compute_account
from services.evaluation.rules.flags import (
    FlagRule,
    RelevanceMark,
    Standing,
    evaluate_flag,
    standing_from_account,
)
from services.evaluation.rules.indicators import Indicator

RULE = FlagRule()


def hist(**years: float | None) -> dict[int, Standing | None]:
    """hist(y2021=20, y2022=None) → {2021: Standing(20, 20), 2022: None}."""
    return {
        int(k[1:]): None if p is None else Standing(composite=p, percentile=p, league="national")
        for k, p in years.items()
    }


def test_fires_at_exactly_three_consecutive_years() -> None:
    d = evaluate_flag(hist(y2021=20, y2022=25, y2023=10))  # 25 is in: percentile ≤ 25
    assert d.flagged and d.reasons == ("poor_performance",)
    assert (d.account_year, d.run_length, d.newly_flagged) == (2023, 3, True)
    assert d.rule == "bottom_25pct_3y_overall"
    assert [y["year"] for y in d.evidence["years"]] == [2021, 2022, 2023]
    assert all(y["in_bottom"] for y in d.evidence["years"])
    assert "bottom 25 %" in d.reason_text and "(to 2023)" in d.reason_text


def test_does_not_fire_at_two() -> None:
    d = evaluate_flag(hist(y2022=20, y2023=20))
    assert not d.flagged and d.reasons == () and d.run_length == 2
    d = evaluate_flag(hist(y2021=60, y2022=20, y2023=20))  # 60: not bottom, the run is 2
    assert not d.flagged and d.run_length == 2
    assert d.reason_text == "not flagged"


def test_the_boundary_is_inclusive() -> None:
    assert not evaluate_flag(hist(y2021=20, y2022=25.001, y2023=10)).flagged


def test_a_gap_resets_the_run() -> None:
    # 2022 has no published account (absent) — four bottom years, but not three in a row
    d = evaluate_flag(hist(y2020=10, y2021=10, y2023=10, y2024=10))
    assert not d.flagged and d.run_length == 2
    assert d.evidence["years"][0] == {"year": 2022, "in_account": False, "in_bottom": False}
    # the cluster was not in 2022's account, or had no composite that year: the same
    assert not evaluate_flag(hist(y2020=10, y2021=10, y2022=None, y2023=10, y2024=10)).flagged
    missing = {**hist(y2021=10, y2023=10), 2022: Standing(None, None, "national")}
    assert not evaluate_flag(missing).flagged


def test_configurable_to_two_years() -> None:
    two = FlagRule(consecutive=2)
    d = evaluate_flag(hist(y2022=20, y2023=20), two)
    assert d.flagged and d.rule == "bottom_25pct_2y_overall"
    assert not evaluate_flag(hist(y2022=60, y2023=20), two).flagged


def test_configurable_share_and_function() -> None:
    rule = FlagRule(quartile=0.1, consecutive=3, function="bridge_builder")
    assert rule.name == "bottom_10pct_3y_bridge_builder"
    assert not evaluate_flag(hist(y2021=5, y2022=12, y2023=5), rule).flagged  # 12 > 10
    assert evaluate_flag(hist(y2021=5, y2022=10, y2023=5), rule).flagged


def test_the_run_is_counted_back_from_the_year_evaluated() -> None:
    h = hist(y2019=10, y2020=10, y2021=10, y2022=60)
    assert not evaluate_flag(h).flagged  # recovered in 2022, the latest account
    back = evaluate_flag(h, as_of_year=2021)
    assert back.flagged and back.account_year == 2021
    # a fourth bottom year: still flagged, but not newly (the event went out a year ago)
    four = evaluate_flag(hist(y2020=1, y2021=2, y2022=3, y2023=4))
    assert four.flagged and four.run_length == 4 and not four.newly_flagged


def test_no_longer_relevant_is_a_second_reason() -> None:
    mark = RelevanceMark("vaekstforum-midtjylland", date(2024, 3, 1), "field now covered by X")
    only = evaluate_flag(hist(y2023=80), marks=[mark])
    assert only.flagged and only.reasons == ("no_longer_relevant",)
    assert only.rule == "no_longer_relevant" and not only.newly_flagged
    assert only.evidence["no_longer_relevant"] == [
        {
            "funder_id": "vaekstforum-midtjylland",
            "marked_on": "2024-03-01",
            "reason": "field now covered by X",
        }
    ]
    assert only.reason_text == "marked no longer relevant by vaekstforum-midtjylland"
    both = evaluate_flag(hist(y2021=1, y2022=1, y2023=1), marks=[mark])
    assert both.reasons == ("poor_performance", "no_longer_relevant")
    assert both.rule == "bottom_25pct_3y_overall"
    # a mark needs no published account at all
    assert evaluate_flag({}, marks=[mark]).flagged


def test_an_empty_history() -> None:
    d = evaluate_flag({})
    assert not d.flagged and d.account_year is None and d.evidence["years"] == []


def test_rule_validation() -> None:
    with pytest.raises(ValueError):
        FlagRule(quartile=0)
    with pytest.raises(ValueError):
        FlagRule(consecutive=0)
    assert "3 consecutive published accounts" in RULE.describe()


# --- from computed accounts -----------------------------------------------------------------

IND = (
    Indicator("a", "a", "a", "count", "reported", "bridge_builder", True, ""),
    Indicator("c", "c", "c", "count", "reported", "regional_ecosystem", True, ""),
)
LEAGUE = {"P": "national", "Q": "national", "R": "national", "S": "national"}


def yearly(p: int, q: int, r: int, s: int) -> dict[str, dict[str, float | int | None]]:
    """Both indicators get the same value, so each composite equals the a-percentile."""
    return {k: {"a": v, "c": v} for k, v in zip("PQRS", (p, q, r, s), strict=True)}


def test_standing_from_accounts_and_the_evidence() -> None:
    # Every year P is lowest of 4: a-percentile 100·0.5/4 = 12.5, c the same → composites 12.5,
    # overall 12.5, overall percentile 12.5 ≤ 25. Q, R, S: 37.5, 62.5, 87.5.
    accounts = {
        y: compute_account(LEAGUE, yearly(1, 2, 3, 4), year=y, indicators=IND)
        for y in (2021, 2022, 2023)
    }
    history = {y: standing_from_account(acc, "P") for y, acc in accounts.items()}
    assert history[2023] == Standing(12.5, 12.5, "national", 12.5)  # P's 12.5 is the cut
    d = evaluate_flag(history)
    assert d.flagged
    assert d.evidence["years"][2] == {
        "year": 2023,
        "in_account": True,
        "league": "national",
        "composite": 12.5,
        "percentile": 12.5,
        "league_cut": 12.5,
        "in_bottom": True,
    }
    # Q (37.5) is never in the bottom quartile; a cluster not in an account has no standing
    assert not evaluate_flag(
        {y: standing_from_account(a, "Q") for y, a in accounts.items()}
    ).flagged
    assert standing_from_account(accounts[2023], "nobody") is None


def test_a_function_rule_reads_that_function() -> None:
    # P is lowest in a (bridge builder) but highest in c (regional ecosystem)
    vals = {
        "P": {"a": 1, "c": 9},
        "Q": {"a": 2, "c": 2},
        "R": {"a": 3, "c": 3},
        "S": {"a": 4, "c": 4},
    }
    acc = compute_account(LEAGUE, vals, indicators=IND)
    bridge = FlagRule(function="bridge_builder")
    regional = FlagRule(function="regional_ecosystem")
    assert standing_from_account(acc, "P", bridge) == Standing(12.5, 12.5, "national", 12.5)
    # c: Q 2 < R 3 < S 4 < P 9 → P 87.5; the cut is Q's composite 12.5
    assert standing_from_account(acc, "P", regional) == Standing(87.5, 87.5, "national", 12.5)
