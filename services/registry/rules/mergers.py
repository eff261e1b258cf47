"""Merger and partnership hints (§4.4)."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass

from services.registry.rules.responsibility import LEAGUES

# --- Merger hints (§4.4) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterSketch:
    id: str
    name: str
    league: str
    region_code: str
    fields: tuple[str, ...]
    members: int


@dataclass(frozen=True)
class MergerSuggestion:
    small: ClusterSketch
    larger: ClusterSketch
    shared_fields: tuple[str, ...]
    same_region: bool
    evidence: str


@dataclass(frozen=True)
class MergerRule:
    """§4.4: small emerging organisations in the same field as a larger one.

    "Small" = an ``emerging`` cluster with fewer than ``small_members`` members; "larger" =
    another active cluster in a shared field with at least ``size_factor`` times as many
    members, or in a higher league.
    """

    small_members: int = 30
    size_factor: float = 2.0


def merger_suggestions(
    clusters: Iterable[ClusterSketch],
    rule: MergerRule = MergerRule(),
    flagged: Set[str] = frozenset(),
) -> list[MergerSuggestion]:
    """The pairs (small, larger) of ``clusters`` — the active ones — by :class:`MergerRule`.

    §4.4 builds on existing cluster organisations "hvis den fornødne kvalitet er til stede":
    a pair in which either partner is ``flagged`` by evaluation (§4.3: long poor performance,
    no longer relevant) is not suggested; it is again once every flag is lifted.
    """
    clusters = [c for c in clusters if c.id not in flagged]
    by_field: dict[str, list[ClusterSketch]] = {}
    for c in clusters:
        for f in c.fields:
            by_field.setdefault(f, []).append(c)
    out: list[MergerSuggestion] = []
    for small in clusters:
        if small.league != "emerging" or small.members >= rule.small_members:
            continue
        candidates = {
            c.id: c for f in small.fields for c in by_field.get(f, ()) if c.id != small.id
        }
        for larger in candidates.values():
            bigger = larger.members >= max(1, small.members) * rule.size_factor
            higher = LEAGUES.index(larger.league) < LEAGUES.index(small.league)
            if not (bigger or higher):
                continue
            shared = tuple(sorted(set(small.fields) & set(larger.fields)))
            same_region = small.region_code == larger.region_code
            out.append(
                MergerSuggestion(
                    small,
                    larger,
                    shared,
                    same_region,
                    f"{small.name} (emerging, {small.members} members) shares "
                    f"{', '.join(shared)} with {larger.name} ({larger.league}, {larger.members} "
                    f"members){' in the same region' if same_region else ''}; §4.4 points such "
                    "organisations to a merger or a strategic partnership.",
                )
            )
    out.sort(
        key=lambda s: (not s.same_region, -len(s.shared_fields), s.small.name, -s.larger.members)
    )
    return out
