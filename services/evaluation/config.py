"""Configuration objects of the evaluation use cases, built from ``EvaluationSettings``
(``settings.py``): plain frozen values, so tests pass their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class AccountConfig:
    """The settings the account (``service.accounts``) and the §4.3 flag rule
    (``service.flags``) read (``EvaluationSettings``)."""

    min_coverage: float = 0.5
    flag_quartile: float = 0.25
    flag_consecutive_years: int = 3
    #: The earliest day (month, day) of year Y + 1 on which Y's account may be published
    #: (``EVALUATION_ACCOUNT_PUBLISH_FROM``, default ``03-01``: 1 March).
    publish_from: tuple[int, int] = (3, 1)

    def __post_init__(self) -> None:
        month, day = self.publish_from
        date(2001, month, day)  # a real day of a common year (not 29 February): ValueError

    def earliest_publication(self, year: int) -> date:
        """The first day on which the account of ``year`` may be published (§4.1)."""
        month, day = self.publish_from
        return date(year + 1, month, day)

    @classmethod
    def from_settings(cls, settings: Any) -> AccountConfig:
        month, _, day = str(settings.account_publish_from).partition("-")
        return cls(
            min_coverage=settings.composite_min_coverage,
            flag_quartile=settings.flag_quartile,
            flag_consecutive_years=settings.flag_consecutive_years,
            publish_from=(int(month), int(day)),
        )
