"""The one clock of the suite, and the one "stored time → aware UTC" helper.

Every service reads "now" and "today" through here, so a test (or a demonstration) fixes
time in one place: ``app.state.clock`` — a callable returning a ``datetime`` or a ``date`` —
wins; else the service's ``<SERVICE>_TODAY`` setting fixes the date; else the real time.
Pure: no framework, no database (the FastAPI dependencies are in ``shared.dependencies``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

#: Danish local time (summer time by the EU rule; the ``tzdata`` package ships the rules, so no
#: system time-zone database is needed).
DANISH_TIME = ZoneInfo("Europe/Copenhagen")


class _History:
    """The instant a demo's past is written at; each reading is a microsecond later, so the
    writes keep their order."""

    def __init__(self, moment: datetime) -> None:
        self.next = as_utc(moment)

    def read(self) -> datetime:
        now, self.next = self.next, self.next + timedelta(microseconds=1)
        return now


_history: ContextVar[_History | None] = ContextVar("kf_history", default=None)


def utcnow() -> datetime:
    """The real time, aware, in UTC (inside ``history_as_of``: that past moment)."""
    history = _history.get()
    return history.read() if history is not None else datetime.now(UTC)


@contextmanager
def history_as_of(moment: datetime) -> Iterator[None]:
    """Within the block, ``utcnow`` reads ``moment`` (one microsecond later at each reading):
    the demo loaders write the demo's past — clusters registered two years ago, a league
    changed last year — as it would have been written then, events and all, so accounts of
    past years have something to hold (§4.1). Only demo loaders use it; a context variable,
    so nothing outside the block (another request, another task) sees the past."""
    token = _history.set(_History(moment))
    try:
        yield
    finally:
        _history.reset(token)


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
