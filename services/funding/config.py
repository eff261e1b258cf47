"""Configuration objects of the funding use cases and rules, built from ``FundingSettings``
(``settings.py``): plain frozen values, so the rules stay pure and tests pass their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.funding.settings import FundingSettings


@dataclass(frozen=True)
class CallConfig:
    """Planning a call (§3): the dialogue's default length and the announcement threshold."""

    dialogue_days: int
    announce_threshold_dkk: int

    @classmethod
    def from_settings(cls, settings: FundingSettings) -> CallConfig:
        return cls(
            dialogue_days=settings.dialogue_days,
            announce_threshold_dkk=settings.announce_threshold_dkk,
        )


@dataclass(frozen=True)
class CoordinationConfig:
    """The coordination checks' limits: §4.3 phase-down after N years of base funding, §3 a
    cluster registered at most N years before its project money is a new organisation."""

    phase_down_years: int = 4
    parallel_years: int = 3

    @classmethod
    def from_settings(cls, settings: FundingSettings) -> CoordinationConfig:
        return cls(
            phase_down_years=settings.phase_down_years, parallel_years=settings.parallel_years
        )
