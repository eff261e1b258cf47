"""Configuration objects of the evaluation use cases, built from ``EvaluationSettings``
(``settings.py``): plain frozen values, so tests pass their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AccountConfig:
    """The settings the account (``service.accounts``) and the §4.3 flag rule
    (``service.flags``) read (``EvaluationSettings``)."""

    min_coverage: float = 0.5
    flag_quartile: float = 0.25
    flag_consecutive_years: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> AccountConfig:
        return cls(
            min_coverage=settings.composite_min_coverage,
            flag_quartile=settings.flag_quartile,
            flag_consecutive_years=settings.flag_consecutive_years,
        )
