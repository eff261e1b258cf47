"""A grant's money over calendar years (shared.money): the one split funding's timelines, the
gateway's dashboard and evaluation's annual account use; and the days a grant is in force,
the one definition funding's and evaluation's authority policies use."""

from __future__ import annotations

from datetime import date

import pytest

from shared.money import amount_in_year, grant_in_force, split_by_year, years_touched


def test_grant_spread_pro_rata_by_days() -> None:
    # 2024-07-01..2025-06-30 = 365 days; 184 of them in 2024 (Jul 31+Aug 31+Sep 30+Oct 31+
    # Nov 30+Dec 31). 2024: 1,000,000 × 184 / 365 = 504,109.589 → 504,110 (nearest krone);
    # 2025: 1,000,000 − 504,110 = 495,890.
    start, end = date(2024, 7, 1), date(2025, 6, 30)
    assert amount_in_year(1_000_000, start, end, 2024) == 504_110
    assert amount_in_year(1_000_000, start, end, 2025) == 495_890
    assert amount_in_year(1_000_000, start, end, 2023) == 0
    assert amount_in_year(1_000_000, start, end, 2026) == 0
    assert list(years_touched(start, end)) == [2024, 2025]
    assert split_by_year(1_000_000, start, end) == {2024: 504_110, 2025: 495_890}


def test_grant_years_always_add_up_to_the_amount() -> None:
    start, end = date(2023, 3, 17), date(2027, 2, 2)
    for amount in (1, 7, 999_999, 12_345_678):
        total = sum(amount_in_year(amount, start, end, y) for y in years_touched(start, end))
        assert total == amount
        assert sum(split_by_year(amount, start, end).values()) == amount


def test_each_year_is_within_a_krone_of_its_exact_share() -> None:
    start, end = date(2015, 1, 1), date(2018, 12, 31)  # 1,461 days
    years = split_by_year(8_000_000, start, end)
    assert years[2015] == round(8_000_000 * 365 / 1461)
    assert years[2016] == round(8_000_000 * 366 / 1461)


def test_a_terminated_grant_stops_on_its_termination_day() -> None:
    start, end = date(2015, 1, 1), date(2018, 12, 31)
    years = split_by_year(8_000_000, start, end, until=date(2016, 12, 31))
    assert sorted(years) == [2015, 2016]
    assert years == {y: v for y, v in split_by_year(8_000_000, start, end).items() if y <= 2016}
    assert split_by_year(8_000_000, start, end, until=date(2014, 12, 31)) == {}


def test_a_one_day_grant_and_a_backwards_grant() -> None:
    d = date(2025, 5, 5)
    assert amount_in_year(500, d, d, 2025) == 500
    with pytest.raises(ValueError):
        amount_in_year(500, d, date(2025, 5, 4), 2025)


def test_a_grant_is_in_force_within_its_period_up_to_its_termination() -> None:
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    assert grant_in_force(start, end, None, date(2025, 1, 1))
    assert grant_in_force(start, end, None, date(2025, 12, 31))
    assert not grant_in_force(start, end, None, date(2026, 1, 1))
    assert not grant_in_force(start, end, None, date(2024, 12, 31))
    # terminated: in force up to and including the termination day
    assert grant_in_force(start, end, date(2025, 6, 30), date(2025, 6, 30))
    assert not grant_in_force(start, end, date(2025, 6, 30), date(2025, 7, 1))
    # a termination day after the planned end does not extend the grant
    assert not grant_in_force(start, end, date(2026, 3, 1), date(2026, 1, 1))
    # terminated before it began: never in force
    assert not grant_in_force(start, end, date(2024, 12, 1), date(2025, 1, 1))
