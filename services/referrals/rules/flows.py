"""Flow statistics of the referral exchange: the arithmetic behind §5's "parterne monitorerer"
(the parties must be able to see that referring across borders works). Pure: no I/O.

The database does the counting (GROUP BY, see ``service/flows.py``); this module turns the
grouped counts and the timestamps into rates, shares, medians and the shapes the API returns.

Definitions (the API documents the same):

- A referral belongs to a period when it was **created** in ``[from, to)``.
- **Answered** = the recipient has answered: ``accepted``, ``rejected``, ``in_progress``,
  ``completed``, ``failed``. Not answered: ``requested`` (still waiting) and ``cancelled``
  (the sender withdrew it before an answer) — both are left out of the acceptance rate.
- **Acceptance rate** = accepted-or-later (``accepted``, ``in_progress``, ``completed``,
  ``failed``) / answered.
- **Completion rate** = ``completed`` / (``completed`` + ``failed``): of the referrals the
  recipient took on and closed, the share that was completed.
- **Cross-border shares** = referrals marked ``cross_municipality`` (``cross_region``) / all
  referrals of the period. Cross-border is judged from the firm's place to the receiving
  organisation's place (stored on the referral when it is made).
- **Time to answer** = ``answered_at − created_at`` of answered referrals; **time to close** =
  ``closed_at − created_at`` of completed and failed ones. Medians in hours and calendar days
  (hours / 24). A referral created late in the period may not be answered yet: it is simply
  not in the median (no censoring correction).
- No small-cell suppression: the parties are organisations and no personal data is counted;
  a cell of 1 between two small municipalities is shown as 1.
"""

from __future__ import annotations

import calendar
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.clock import as_utc

#: Every state of the closed loop, in the order the statistics list them.
STATES: tuple[str, ...] = (
    "requested",
    "accepted",
    "rejected",
    "cancelled",
    "in_progress",
    "completed",
    "failed",
)
#: The recipient has answered (cancelled and requested are not answers).
ANSWERED: frozenset[str] = frozenset({"accepted", "rejected", "in_progress", "completed", "failed"})
#: The recipient said yes (and may have gone on).
ACCEPTED_OR_LATER: frozenset[str] = frozenset({"accepted", "in_progress", "completed", "failed"})
#: Closed after acceptance: the states ``closed_at`` is measured for.
CLOSED: frozenset[str] = frozenset({"completed", "failed"})

#: The default period: the last 12 months up to and including today.
DEFAULT_PERIOD_MONTHS = 12
#: The longest period one request may ask for.
MAX_PERIOD_MONTHS = 120

RATE_DIGITS = 4
DURATION_DIGITS = 2


# --- period ---------------------------------------------------------------------------------


class PeriodError(ValueError):
    """The requested period is not valid (``kind`` names the problem)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, the day clamped to the month's end (31 Mar − 1 → 28/29
    Feb); clamped to ``date.min`` / ``date.max`` at the ends of the calendar."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period(today: date, start: date | None, end: date | None) -> tuple[date, date]:
    """The period ``[start, end)`` a request asks for. Defaults: ``end`` = tomorrow (today
    included), ``start`` = ``end`` − 12 months. ``end`` must be after ``start`` and the period
    at most 120 months long."""
    if end is None:
        end = today + timedelta(days=1) if today < date.max else date.max
    if start is None:
        start = add_months(end, -DEFAULT_PERIOD_MONTHS)
    if end <= start:
        raise PeriodError(
            "invalid-period", f"'to' ({end}) must be after 'from' ({start}); 'to' is exclusive."
        )
    if start < add_months(end, -MAX_PERIOD_MONTHS):
        raise PeriodError(
            "period-too-long",
            f"The period {start} – {end} is longer than {MAX_PERIOD_MONTHS // 12} years; "
            "ask for several shorter periods.",
        )
    return start, end


def day_start(day: date) -> datetime:
    """00:00 UTC of ``day`` (the period's bounds are UTC midnights)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# --- rates and medians ----------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 decimals; ``None`` when there is nothing to divide by."""
    return round(part / whole, RATE_DIGITS) if whole else None


def median(values: Sequence[float]) -> float | None:
    """The middle value; the mean of the two middle values for an even count; ``None`` if
    empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def hours_between(start: datetime, end: datetime) -> float:
    """Hours from ``start`` to ``end`` (naive datetimes are taken as UTC)."""
    return (as_utc(end) - as_utc(start)).total_seconds() / 3600


def median_summary(hours: Sequence[float]) -> dict[str, Any]:
    """``{"n", "median_hours", "median_days"}`` of durations in hours (days = hours / 24)."""
    mid = median(hours)
    return {
        "n": len(hours),
        "median_hours": None if mid is None else round(mid, DURATION_DIGITS),
        "median_days": None if mid is None else round(mid / 24, DURATION_DIGITS),
    }


# --- summaries: overall and per organisation kind -------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One row of the database's GROUP BY: how many referrals of the period share these
    facts."""

    sender_kind: str
    recipient_kind: str
    state: str
    cross_municipality: bool
    cross_region: bool
    outcome_category: str | None
    count: int


@dataclass
class _Durations:
    answer: array[float] = field(default_factory=lambda: array("d"))
    close: array[float] = field(default_factory=lambda: array("d"))


@dataclass
class Timings:
    """Durations collected row by row (the database streams the period's timestamps), kept
    per group in compact arrays: 8 bytes a value, so a million referrals fit easily."""

    overall: _Durations = field(default_factory=_Durations)
    by_sender_kind: dict[str, _Durations] = field(default_factory=dict)
    by_recipient_kind: dict[str, _Durations] = field(default_factory=dict)

    def add(
        self,
        sender_kind: str,
        recipient_kind: str,
        state: str,
        created_at: datetime,
        answered_at: datetime | None,
        closed_at: datetime | None,
    ) -> None:
        groups = (
            self.overall,
            self.by_sender_kind.setdefault(sender_kind, _Durations()),
            self.by_recipient_kind.setdefault(recipient_kind, _Durations()),
        )
        if state in ANSWERED and answered_at is not None:
            hours = hours_between(created_at, answered_at)
            for group in groups:
                group.answer.append(hours)
        if state in CLOSED and closed_at is not None:
            hours = hours_between(created_at, closed_at)
            for group in groups:
                group.close.append(hours)


def summary(cells: Iterable[Cell], durations: _Durations | None = None) -> dict[str, Any]:
    """Counts, rates, shares and medians of a set of referrals (see the module's
    definitions)."""
    by_state = dict.fromkeys(STATES, 0)
    outcome_categories: dict[str, int] = {}
    total = cross_municipality = cross_region = 0
    for cell in cells:
        total += cell.count
        by_state[cell.state] = by_state.get(cell.state, 0) + cell.count
        cross_municipality += cell.count if cell.cross_municipality else 0
        cross_region += cell.count if cell.cross_region else 0
        if cell.state == "completed" and cell.outcome_category:
            key = cell.outcome_category
            outcome_categories[key] = outcome_categories.get(key, 0) + cell.count
    answered = sum(n for state, n in by_state.items() if state in ANSWERED)
    accepted = sum(n for state, n in by_state.items() if state in ACCEPTED_OR_LATER)
    closed = sum(n for state, n in by_state.items() if state in CLOSED)
    durations = durations or _Durations()
    return {
        "referrals": total,
        "by_state": by_state,
        "answered": answered,
        "accepted": accepted,
        "acceptance_rate": rate(accepted, answered),
        "closed": closed,
        "completion_rate": rate(by_state["completed"], closed),
        "outcome_categories": dict(sorted(outcome_categories.items())),
        "cross_municipality": {
            "count": cross_municipality,
            "share": rate(cross_municipality, total),
        },
        "cross_region": {"count": cross_region, "share": rate(cross_region, total)},
        "time_to_answer": median_summary(durations.answer),
        "time_to_close": median_summary(durations.close),
    }


def summaries(cells: Sequence[Cell], timings: Timings, kinds: Iterable[str] = ()) -> dict[str, Any]:
    """The overall summary and one per sender kind and per recipient kind. ``kinds`` are
    always listed (zeros when absent); other kinds that occur are added. Sorted by kind."""
    sender_kinds = sorted({*kinds, *(c.sender_kind for c in cells)})
    recipient_kinds = sorted({*kinds, *(c.recipient_kind for c in cells)})
    return {
        "summary": summary(cells, timings.overall),
        "by_sender_kind": [
            {"kind": kind}
            | summary([c for c in cells if c.sender_kind == kind], timings.by_sender_kind.get(kind))
            for kind in sender_kinds
        ],
        "by_recipient_kind": [
            {"kind": kind}
            | summary(
                [c for c in cells if c.recipient_kind == kind],
                timings.by_recipient_kind.get(kind),
            )
            for kind in recipient_kinds
        ],
    }


# --- between places -------------------------------------------------------------------------


def region_matrix(
    cells: Iterable[tuple[str, str | None, int]], region_names: Mapping[str, str]
) -> dict[str, Any]:
    """Firm region (row) → recipient region (column) counts from ``(firm region, recipient
    region, count)`` cells. Columns and rows: every region of ``region_names`` by code, then any
    other code that occurs (name ``None``); a recipient without a known region is counted in
    the row's ``recipient_region_unknown``."""
    counts: dict[tuple[str, str | None], int] = {}
    for firm, recipient, n in cells:
        counts[(firm, recipient)] = counts.get((firm, recipient), 0) + n
    seen = {f for f, _ in counts} | {r for _, r in counts if r is not None}
    codes = sorted(region_names) + sorted(seen - set(region_names))
    regions = [{"code": code, "name": region_names.get(code)} for code in codes]
    rows = []
    for code, place in zip(codes, regions, strict=True):
        row = [counts.get((code, to), 0) for to in codes]
        unknown = counts.get((code, None), 0)
        rows.append(
            {
                "firm_region": place,
                "counts": row,
                "recipient_region_unknown": unknown,
                "total": sum(row) + unknown,
            }
        )
    return {"regions": regions, "rows": rows}


def municipality_pairs(
    cells: Iterable[tuple[str, str | None, int]],
    municipalities: Mapping[str, tuple[str, str]],
    region_names: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Firm municipality → recipient municipality pairs that have referrals, most first (ties
    by the two codes). ``municipalities`` maps a code to (name, region code); an unknown code
    keeps its code with ``None`` names; a recipient without a municipality is ``None``.
    ``cross_region`` is ``None`` when either region is unknown."""

    def place(code: str) -> dict[str, Any]:
        name, region = municipalities.get(code, (None, None))
        return {
            "code": code,
            "name": name,
            "region_code": region,
            "region_name": region_names.get(region) if region else None,
        }

    counts: dict[tuple[str, str | None], int] = {}
    for firm, recipient, n in cells:
        if n:
            counts[(firm, recipient)] = counts.get((firm, recipient), 0) + n
    pairs = []
    for (firm, recipient), n in sorted(
        counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or "\uffff")
    ):
        source = place(firm)
        target = place(recipient) if recipient is not None else None
        regions = (source["region_code"], target["region_code"] if target else None)
        pairs.append(
            {
                "firm": source,
                "recipient": target,
                "referrals": n,
                "cross_region": None if None in regions else regions[0] != regions[1],
            }
        )
    return pairs


CSV_HEADER: tuple[str, ...] = (
    "level",
    "firm_region_code",
    "firm_region_name",
    "firm_municipality_code",
    "firm_municipality_name",
    "recipient_region_code",
    "recipient_region_name",
    "recipient_municipality_code",
    "recipient_municipality_name",
    "referrals",
)


def csv_rows(matrix: Mapping[str, Any], pairs: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """One long table for a spreadsheet: every cell of the region matrix (``level`` =
    ``region``, zeros included; an unknown recipient region has empty codes), then every
    municipality pair (``level`` = ``municipality``). Names come from the reference data only,
    never from user input."""

    def s(value: object) -> str:
        return "" if value is None else str(value)

    rows = [list(CSV_HEADER)]
    for row in matrix["rows"]:
        firm = row["firm_region"]
        cells = [*zip(matrix["regions"], row["counts"], strict=True)]
        if row["recipient_region_unknown"]:
            cells.append(({"code": None, "name": None}, row["recipient_region_unknown"]))
        for to, n in cells:
            firm_cols = ["region", s(firm["code"]), s(firm["name"]), "", ""]
            rows.append([*firm_cols, s(to["code"]), s(to["name"]), "", "", str(n)])
    for pair in pairs:
        firm, to = pair["firm"], pair["recipient"] or {}
        rows.append(
            [
                "municipality",
                s(firm["region_code"]),
                s(firm["region_name"]),
                s(firm["code"]),
                s(firm["name"]),
                s(to.get("region_code")),
                s(to.get("region_name")),
                s(to.get("code")),
                s(to.get("name")),
                str(pair["referrals"]),
            ]
        )
    return rows
