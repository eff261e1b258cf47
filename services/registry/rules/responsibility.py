"""Leagues, the regional centre of gravity and the responsibility matrix (§1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.reference import growth_forum_for_region, region_of_municipality

# --- Leagues and responsibility (§1; DOMAIN.md part 1) ------------------------------------

LEAGUES = ("world_class", "national", "emerging")


def forum_for_municipality(municipality_code: str) -> str:
    """The growth forum whose area holds a municipality (Bornholm has its own forum)."""
    return growth_forum_for_region(region_of_municipality(municipality_code), municipality_code).id


@dataclass(frozen=True)
class CentreOfGravityRule:
    """When does a cluster have a *regional centre of gravity* (§1 "særligt regionalt tyngdepunkt")?

    Count the members whose municipality is known, by growth-forum area (the five regions,
    with Bornholm as its own area, since it has its own growth forum). If at least
    ``min_members`` members are located and one area holds a share of them of at least
    ``threshold``, that area is the centre of gravity. Otherwise there is none — also when
    two areas tie for the largest share (a 50/50 split has no *particular* centre). Members
    without a municipality are ignored. Both numbers are settings
    (``REGISTRY_COG_THRESHOLD``, ``REGISTRY_COG_MIN_MEMBERS``).
    """

    threshold: float = 0.5
    min_members: int = 5


@dataclass(frozen=True)
class CentreOfGravity:
    forum_id: str | None
    share: float | None
    located_members: int
    counts: dict[str, int]
    threshold: float
    min_members: int
    reason: str


def centre_of_gravity(
    member_municipalities: Iterable[str | None], rule: CentreOfGravityRule
) -> CentreOfGravity:
    counts: dict[str, int] = {}
    for code in member_municipalities:
        if code:
            forum = forum_for_municipality(code)
            counts[forum] = counts.get(forum, 0) + 1
    located = sum(counts.values())
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    if located < rule.min_members:
        return CentreOfGravity(
            None,
            None,
            located,
            ordered,
            rule.threshold,
            rule.min_members,
            f"only {located} member(s) with a known municipality; at least "
            f"{rule.min_members} are needed to derive a centre of gravity",
        )
    top, top_count = next(iter(ordered.items()))
    share = top_count / located
    tied = sorted(f for f, n in ordered.items() if n == top_count)
    if len(tied) > 1:
        return CentreOfGravity(
            None,
            share,
            located,
            ordered,
            rule.threshold,
            rule.min_members,
            f"{' and '.join(tied)} tie with {top_count} of {located} located members each "
            f"({share:.0%}); no single area is the centre of gravity",
        )
    if share >= rule.threshold:
        return CentreOfGravity(
            top,
            share,
            located,
            ordered,
            rule.threshold,
            rule.min_members,
            f"{top_count} of {located} located members ({share:.0%}) are in {top}'s area, "
            f"at or above the threshold of {rule.threshold:.0%}",
        )
    return CentreOfGravity(
        None,
        share,
        located,
        ordered,
        rule.threshold,
        rule.min_members,
        f"the largest area ({top}) holds {share:.0%} of {located} located members, below "
        f"the threshold of {rule.threshold:.0%}",
    )


@dataclass(frozen=True)
class Responsibility:
    """Who carries a cluster's base funding, and why (§1: guiding and flexible)."""

    primary: tuple[str, ...]
    also: tuple[str, ...]
    rule: str
    basis: str


FIVU_RTI_ID = "fivu-rti"

#: Organisation kinds that may be named as responsible for a cluster's base funding (§1:
#: the state, the growth forums and regions, the municipalities and KL).
FUNDING_PARTY_KINDS = {
    "ministry",
    "growth_forum",
    "region",
    "municipality",
    "municipal_association",
}


def sets_leagues(organisation_id: str, organisation_kind: str) -> bool:
    """§1: leagues are set by FIVU/RTI or a regional growth forum."""
    return organisation_id == FIVU_RTI_ID or organisation_kind == "growth_forum"


def responsibility(
    league: str,
    cog: CentreOfGravity,
    *,
    home_municipality: str,
    municipalities_served: Iterable[str] = (),
) -> Responsibility:
    """The responsibility matrix of §1, row by row (DOMAIN.md part 1's table)."""
    home_forum = forum_for_municipality(home_municipality)
    if league == "world_class":
        if cog.forum_id is None:
            return Responsibility(
                (FIVU_RTI_ID,),
                (),
                "world_class_without_centre",
                "§1: FIVU/RTI has the primary responsibility for world-class clusters.",
            )
        return Responsibility(
            (FIVU_RTI_ID,),
            (cog.forum_id,),
            "world_class_with_centre",
            "§1: FIVU/RTI has the primary responsibility for world-class clusters; with a "
            "marked regional concentration the home region typically helps support the "
            "cluster, for the spill-over to the region's business support.",
        )
    if league == "national":
        if cog.forum_id is None:
            # The regions share it: the home region's forum and every area with members.
            forums = (home_forum, *(f for f in cog.counts if f != home_forum))
            return Responsibility(
                (FIVU_RTI_ID,),
                forums,
                "national_without_centre",
                "§1: strong, mature national and cross-regional clusters are a shared "
                "responsibility of FIVU/RTI and the regions/growth forums; FIVU/RTI has the "
                "primary responsibility for those without a particular regional centre of "
                "gravity.",
            )
        return Responsibility(
            (cog.forum_id,),
            (FIVU_RTI_ID,),
            "national_with_centre",
            "§1: strong, mature clusters are a shared responsibility; the region has a "
            "special responsibility when it hosts a cluster with a particular regional "
            "centre of gravity.",
        )
    if league == "emerging":
        served = sorted(set(municipalities_served) or {home_municipality})
        # FIVU/RTI or other national parties share it "only in special cases" (§1): such a
        # case is an agreed exception, recorded as an override with its reason, not a default.
        return Responsibility(
            (home_forum, *(f"kommune-{code}" for code in served)),
            (),
            "emerging",
            "§1: the regional growth forums/regions and the municipalities have the primary "
            "responsibility for local and emerging clusters; FIVU/RTI or other national "
            "parties share it only in special cases, recorded as an agreed exception.",
        )
    raise ValueError(f"unknown league: {league}")
