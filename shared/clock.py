"""The one clock of the suite, and the one "stored time → aware UTC" helper.

Every service reads "now" and "today" through here, so a test (or a demonstration) fixes
time in one place: ``app.state.clock`` — a callable returning a ``datetime`` or a ``date`` —
wins; else the service's ``<SERVICE>_TODAY`` setting fixes the date; else the real time.
Pure: no framework, no database (the FastAPI dependencies are in ``shared.dependencies``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

#: Danish local time (summer time by the EU rule; the ``tzdata`` package ships the rules, so no
#: system time-zone database is needed).
DANISH_TIME = ZoneInfo("Europe/Copenhagen")


def utcnow() -> datetime:
    """The real time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(when: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones; all are UTC)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def danish_time(when: datetime) -> datetime:
    """``when`` (naive = UTC, as stored) in Danish local time."""
    return as_utc(when).astimezone(DANISH_TIME)


def real_today() -> date:
    """The real date, where no app (and so no test clock) is at hand: input validation that a
    date does not lie in the future, command-line tools."""
    return date.today()


def optional_utc(when: datetime | None) -> datetime | None:
    """``as_utc`` that lets ``None`` through (optional timestamps)."""
    return None if when is None else as_utc(when)


def _fixed(app: Any) -> datetime | date | None:
    clock = getattr(app.state, "clock", None)
    return clock() if clock is not None else None


def now_of(app: Any) -> datetime:
    """ "Now" for ``app`` (a FastAPI app, or anything with ``.state``): its clock, else the
    real time. A clock that gives a date means midnight UTC of that date."""
    fixed = _fixed(app)
    if isinstance(fixed, datetime):
        return as_utc(fixed)
    if isinstance(fixed, date):
        return datetime.combine(fixed, time.min, UTC)
    return utcnow()


def today_of(app: Any) -> date:
    """ "Today" for ``app``: its clock, else its settings' ``today`` (``<SERVICE>_TODAY``),
    else the real date."""
    fixed = _fixed(app)
    if isinstance(fixed, datetime):
        return fixed.date()
    if isinstance(fixed, date):
        return fixed
    settings = getattr(app.state, "settings", None)
    configured: date | None = getattr(settings, "today", None)
    return configured or real_today()
