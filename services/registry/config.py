"""Configuration objects of the registry's rules and use cases, built from ``RegistrySettings``
(``settings.py``): plain frozen values, so the rules stay pure and tests pass their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.registry.rules.mergers import MergerRule
from services.registry.rules.profile import ProfileThresholds
from services.registry.rules.responsibility import CentreOfGravityRule

if TYPE_CHECKING:
    from services.registry.settings import RegistrySettings


@dataclass(frozen=True)
class RuleConfig:
    """The configurable rules, taken from the registry's settings."""

    cog: CentreOfGravityRule = field(default_factory=CentreOfGravityRule)
    profile: ProfileThresholds = field(default_factory=ProfileThresholds)
    merger: MergerRule = field(default_factory=MergerRule)

    @classmethod
    def from_settings(cls, s: RegistrySettings) -> RuleConfig:
        return cls(
            CentreOfGravityRule(s.cog_threshold, s.cog_min_members),
            ProfileThresholds(s.profile_min_members, s.profile_min_helix_kinds),
            MergerRule(s.merger_small_members, s.merger_size_factor),
        )
