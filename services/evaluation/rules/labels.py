"""ESCA cluster-management quality labels (bronze, silver, gold): expiring and expired.

The European Secretariat for Cluster Analysis (ESCA, now EUCLES) awards the Cluster
Management Excellence labels; the registry records each cluster's level and valid-until date.
The labels are part of the evidence behind §4.1's systematic follow-up and §4.4's "build on what
works" (existing organisations of the necessary quality). The evaluation service announces a
label ahead of its expiry (``evaluation.label.expiring``).

Dates: a label is valid up to and including ``valid_until``; it has expired from the day after.
It is *expiring soon* as of a date when it is still valid and expires within ``within_days``
days: as_of ≤ valid_until ≤ as_of + within_days (default 90).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

LabelLevel = Literal["bronze", "silver", "gold"]
LabelState = Literal["valid", "expiring", "expired"]
LEVELS: tuple[LabelLevel, ...] = ("bronze", "silver", "gold")  # ascending
DEFAULT_WITHIN_DAYS = 90


@dataclass(frozen=True, slots=True)
class Label:
    cluster_id: str
    level: LabelLevel
    valid_until: date

    def days_left(self, as_of: date) -> int:
        """Days from ``as_of`` to ``valid_until`` (0 on the last valid day, negative after)."""
        return (self.valid_until - as_of).days


def label_state(label: Label, as_of: date, within_days: int = DEFAULT_WITHIN_DAYS) -> LabelState:
    days = label.days_left(as_of)
    if days < 0:
        return "expired"
    return "expiring" if days <= within_days else "valid"


def expiring_soon(
    labels: Iterable[Label], as_of: date, within_days: int = DEFAULT_WITHIN_DAYS
) -> list[Label]:
    """Valid labels that expire within ``within_days`` of ``as_of``, soonest first."""
    horizon = as_of + timedelta(days=within_days)
    return sorted(
        (lb for lb in labels if as_of <= lb.valid_until <= horizon),
        key=lambda lb: (lb.valid_until, lb.cluster_id),
    )


def expired(labels: Iterable[Label], as_of: date) -> list[Label]:
    """Labels whose last valid day is before ``as_of``, most recently expired first."""
    return sorted(
        (lb for lb in labels if lb.valid_until < as_of),
        key=lambda lb: (lb.valid_until, lb.cluster_id),
        reverse=True,
    )


def current_label(labels: Iterable[Label], as_of: date) -> Label | None:
    """A cluster's best valid label as of a date (gold > silver > bronze; then the latest
    valid-until), or None."""
    valid = [lb for lb in labels if lb.valid_until >= as_of]
    return max(valid, key=lambda lb: (LEVELS.index(lb.level), lb.valid_until), default=None)
