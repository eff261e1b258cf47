"""Danish working days for the referral clocks: Easter, the public holidays, summer time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.referrals.rules.working_days import (
    add_working_days,
    copenhagen_offset,
    deadline,
    easter_sunday,
    is_working_day,
    public_holidays,
    working_days_between,
)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2008, date(2008, 3, 23)),
        (2019, date(2019, 4, 21)),
        (2023, date(2023, 4, 9)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),  # as late as it gets
        (2285, date(2285, 3, 22)),  # as early as it gets
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_the_danish_public_holidays_of_2026() -> None:
    assert public_holidays(2026) == {
        date(2026, 1, 1): "nytårsdag",
        date(2026, 4, 2): "skærtorsdag",
        date(2026, 4, 3): "langfredag",
        date(2026, 4, 5): "påskedag",
        date(2026, 4, 6): "2. påskedag",
        date(2026, 5, 14): "Kristi himmelfartsdag",
        date(2026, 5, 24): "pinsedag",
        date(2026, 5, 25): "2. pinsedag",
        date(2026, 12, 25): "juledag",
        date(2026, 12, 26): "2. juledag",
    }


def test_store_bededag_is_a_holiday_until_2023_only() -> None:
    # 2023: Easter 9 April, store bededag the fourth Friday after it, 5 May
    assert public_holidays(2023)[date(2023, 5, 5)] == "store bededag"
    assert not is_working_day(date(2023, 5, 5))
    # 2024: Easter 31 March; the Friday 26 days later (26 April) is an ordinary working day
    assert "store bededag" not in public_holidays(2024).values()
    assert is_working_day(date(2024, 4, 26))


def test_grundlovsdag_and_christmas_eve_are_working_days() -> None:
    assert date(2026, 6, 5).weekday() == 4  # a Friday
    assert is_working_day(date(2026, 6, 5))
    assert is_working_day(date(2025, 12, 24))
    assert is_working_day(date(2025, 12, 31))


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 9))  # Monday


def test_adding_working_days_skips_weekends_and_easter() -> None:
    # Friday + 1 → Monday
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    # Wednesday before Easter 2026 + 1: skærtorsdag, langfredag, weekend, 2. påskedag skipped
    assert add_working_days(date(2026, 4, 1), 1) == date(2026, 4, 7)
    assert add_working_days(date(2026, 4, 1), 5) == date(2026, 4, 13)
    # Christmas 2026: 24 Dec (Thu) + 1 → 28 Dec (Mon), since 25/26 are holidays + weekend
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    # New Year 2027: 31 Dec (Thu) + 1 → 4 Jan (Mon): 1 Jan is nytårsdag, then a weekend
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    # 0 is the day itself; negative is refused
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 7), -1)


def test_working_days_between() -> None:
    assert working_days_between(date(2026, 4, 1), date(2026, 4, 13)) == 5
    assert working_days_between(date(2026, 4, 13), date(2026, 4, 1)) == 0


def test_copenhagen_summer_time() -> None:
    # 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC
    assert copenhagen_offset(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == timedelta(hours=1)
    assert copenhagen_offset(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == timedelta(hours=2)
    assert copenhagen_offset(datetime(2026, 10, 25, 0, 59, tzinfo=UTC)) == timedelta(hours=2)
    assert copenhagen_offset(datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == timedelta(hours=1)
    assert copenhagen_offset(datetime(2026, 1, 15, 12, tzinfo=UTC)) == timedelta(hours=1)


def test_deadline_keeps_the_danish_time_of_day() -> None:
    # Friday 6 March 2026 14:00 Danish time (13:00 UTC) + 1 working day → Monday 14:00
    assert deadline(datetime(2026, 3, 6, 13, tzinfo=UTC), 1) == datetime(2026, 3, 9, 13, tzinfo=UTC)
    # across the change to summer time: Friday 27 March 14:00 CET (13:00 UTC) + 1 → Monday
    # 30 March 14:00 CEST (12:00 UTC)
    assert deadline(datetime(2026, 3, 27, 13, tzinfo=UTC), 1) == datetime(
        2026, 3, 30, 12, tzinfo=UTC
    )
    # late evening UTC is already the next Danish day: Friday 23:30 UTC = Saturday 00:30 CET
    # → the first working day after Saturday is Monday, 00:30 CET
    assert deadline(datetime(2026, 3, 6, 23, 30, tzinfo=UTC), 1) == datetime(
        2026, 3, 8, 23, 30, tzinfo=UTC
    )
    # five working days over Easter 2026 from Wednesday 1 April 14:00 CEST
    assert deadline(datetime(2026, 4, 1, 12, tzinfo=UTC), 5) == datetime(
        2026, 4, 13, 12, tzinfo=UTC
    )
    # a deadline is always given in UTC, even for an aware start in another offset
    start = datetime(2026, 3, 6, 14, tzinfo=UTC).astimezone()
    assert deadline(start, 0) == datetime(2026, 3, 6, 14, tzinfo=UTC)
    assert deadline(start, 0).tzinfo == UTC
