"""A grant's money over calendar years — the one rule funding's timeline, the gateway's
dashboard and evaluation's annual account all use, so they agree to the krone — and the days
a grant is in force, the one definition funding's and evaluation's authority policies use
(a funder with a grant in force is concerned with the cluster: §1, §3, §4.3). Pure."""

from __future__ import annotations

from datetime import date


def amount_in_year(
    amount_dkk: int, starts_on: date, ends_on: date, year: int, *, until: date | None = None
) -> int:
    """The part of a grant that falls in ``year``, pro rata by days (both end dates included).

    Rounded to the nearest krone (half up) *cumulatively* at each year end, so each year is
    within a krone of its exact share and the years of a grant add up to exactly
    ``amount_dkk``: 1,000,000 over 2024-07-01..2025-06-30 (365 days, 184 in 2024; exactly
    504,109.59 and 495,890.41) gives 504,110 in 2024 and 495,890 in 2025.

    ``until``: a grant terminated early counts up to and including that day, still at the
    daily rate of its planned period; nothing after it.
    """
    if ends_on < starts_on:
        raise ValueError("a grant cannot end before it starts")
    total = (ends_on - starts_on).days + 1
    stop = ends_on if until is None else min(ends_on, until)

    def through(y: int) -> int:  # money allotted up to the end of year y
        last = min(stop, date(y, 12, 31))
        days = max(0, (last - starts_on).days + 1)
        return (2 * amount_dkk * days + total) // (2 * total)

    return through(year) - through(year - 1)


def grant_in_force(starts_on: date, ends_on: date, terminated_on: date | None, day: date) -> bool:
    """A grant is in force on ``day`` from its start to its end or its termination day,
    whichever is earlier (both included); never before it starts."""
    last = ends_on if terminated_on is None else min(ends_on, terminated_on)
    return starts_on <= day <= last


def years_touched(starts_on: date, ends_on: date) -> range:
    """The calendar years a grant's period touches."""
    return range(starts_on.year, ends_on.year + 1)


def split_by_year(
    amount_dkk: int, starts_on: date, ends_on: date, *, until: date | None = None
) -> dict[int, int]:
    """``amount_in_year`` for every year the grant runs in (up to ``until`` when it was
    terminated early; nothing when it was terminated before it began)."""
    stop = ends_on if until is None else min(ends_on, until)
    return {
        year: amount_in_year(amount_dkk, starts_on, ends_on, year, until=until)
        for year in range(starts_on.year, stop.year + 1)
    }
