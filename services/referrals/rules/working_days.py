"""Danish working days for the referral clocks (§5: "not answered within N working days").

A working day is a Monday–Friday that is not a Danish public holiday (helligdag). The
holidays are the ones in Danish law (helligdagsloven):

- nytårsdag (1 January), juledag (25 December), 2. juledag (26 December);
- from Easter Sunday (Gregorian computus): skærtorsdag (−3), langfredag (−2), påskedag,
  2. påskedag (+1), Kristi himmelfartsdag (+39), pinsedag (+49), 2. pinsedag (+50);
- store bededag (+26, the fourth Friday after Easter) **until 2023 only**: it was abolished
  as a public holiday from 2024 (lov nr. 154 af 28. februar 2023).

Choices, said out loud:

- **Grundlovsdag (5 June) counts as a working day.** It is not a helligdag; many workplaces
  give the afternoon or the day off by agreement, but not all, so the law is the rule here.
- Juleaftensdag (24 December) and nytårsaftensdag (31 December) count as working days for
  the same reason.
- A deadline is "the same time of day, N working days later" in Danish local time: a
  referral sent on Friday at 14:00 with one working day to answer is due on Monday at 14:00.
  Danish local time follows the EU summer-time rule (CEST, UTC+2, from the last Sunday of
  March 01:00 UTC to the last Sunday of October 01:00 UTC; otherwise CET, UTC+1), computed
  here so the rule needs no time-zone database.

Pure: no I/O, no framework.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

from shared.clock import DANISH_TIME, danish_time

#: The last year store bededag was a public holiday.
LAST_STORE_BEDEDAG = 2023


def easter_sunday(year: int) -> date:
    """Easter Sunday of ``year`` in the Gregorian calendar (anonymous Gregorian algorithm,
    Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(year: int) -> dict[date, str]:
    """The Danish public holidays of ``year`` (date → Danish name)."""
    easter = easter_sunday(year)
    holidays = {
        date(year, 1, 1): "nytårsdag",
        easter - timedelta(days=3): "skærtorsdag",
        easter - timedelta(days=2): "langfredag",
        easter: "påskedag",
        easter + timedelta(days=1): "2. påskedag",
        easter + timedelta(days=39): "Kristi himmelfartsdag",
        easter + timedelta(days=49): "pinsedag",
        easter + timedelta(days=50): "2. pinsedag",
        date(year, 12, 25): "juledag",
        date(year, 12, 26): "2. juledag",
    }
    if year <= LAST_STORE_BEDEDAG:
        holidays[easter + timedelta(days=26)] = "store bededag"
    return holidays


def is_working_day(day: date) -> bool:
    """Monday–Friday and not a Danish public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``day`` itself never counts; n ≥ 0;
    n = 0 gives ``day``)."""
    if n < 0:
        raise ValueError("n must be 0 or more")
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end ≤ start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


# --- Danish local time ------------------------------------------------------------------------


def copenhagen_offset(moment: datetime) -> timedelta:
    """The UTC offset of Danish local time at ``moment`` (an aware datetime): +2 h in
    summer time (EU rule), else +1 h."""
    offset = danish_time(moment).utcoffset()
    assert offset is not None
    return offset


def to_local(moment: datetime) -> datetime:
    """``moment`` (aware) as naive Danish local time."""
    return danish_time(moment).replace(tzinfo=None)


def from_local(local: datetime) -> datetime:
    """Naive Danish local time on a working day as an aware UTC datetime. (Summer time
    changes on Sundays, so a working day has one offset all day.)"""
    return local.replace(tzinfo=DANISH_TIME).astimezone(UTC)


def deadline(start: datetime, n: int) -> datetime:
    """``start`` (aware) plus ``n`` working days, at the same Danish local time of day
    (UTC). ``n`` = 0 gives ``start``."""
    if n == 0:
        return start.astimezone(UTC)
    local = to_local(start)
    day = add_working_days(local.date(), n)
    return from_local(datetime.combine(day, local.time()))
