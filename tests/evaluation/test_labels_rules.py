"""ESCA labels (bronze, silver, gold): expiring soon and expired."""

from __future__ import annotations

from datetime import date

from services.evaluation.rules.labels import (
    Label,
    current_label,
    expired,
    expiring_soon,
    label_state,
)

TODAY = date(2025, 6, 1)
GOLD = Label("c1", "gold", date(2025, 6, 1))  # last valid day is today: 0 days left
SILVER = Label("c2", "silver", date(2025, 8, 30))  # 30 (June) + 31 (July) + 29 = 90 days left
BRONZE = Label("c3", "bronze", date(2025, 8, 31))  # 91 days left
OLD = Label("c4", "bronze", date(2025, 5, 31))  # expired yesterday
OLDER = Label("c5", "silver", date(2023, 1, 1))


def test_states() -> None:
    assert [label_state(lb, TODAY) for lb in (GOLD, SILVER, BRONZE, OLD)] == [
        "expiring",
        "expiring",  # exactly 90 days: within
        "valid",  # 91 days
        "expired",
    ]
    assert (GOLD.days_left(TODAY), SILVER.days_left(TODAY), OLD.days_left(TODAY)) == (0, 90, -1)
    assert label_state(BRONZE, TODAY, within_days=91) == "expiring"


def test_expiring_soon_and_expired() -> None:
    labels = [BRONZE, OLDER, SILVER, OLD, GOLD]
    assert expiring_soon(labels, TODAY) == [GOLD, SILVER]  # soonest first
    assert expiring_soon(labels, TODAY, within_days=0) == [GOLD]
    assert expiring_soon(labels, TODAY, within_days=365) == [GOLD, SILVER, BRONZE]
    assert expired(labels, TODAY) == [OLD, OLDER]  # most recently expired first
    assert expired([], TODAY) == [] and expiring_soon([], TODAY) == []


def test_current_label() -> None:
    history = [
        Label("c1", "bronze", date(2026, 1, 1)),
        Label("c1", "gold", date(2025, 1, 1)),  # expired gold does not count
        Label("c1", "silver", date(2025, 9, 1)),
    ]
    assert current_label(history, TODAY) == Label("c1", "silver", date(2025, 9, 1))
    assert current_label(history, date(2025, 9, 2)) == Label("c1", "bronze", date(2026, 1, 1))
    assert current_label(history, date(2026, 1, 2)) is None
