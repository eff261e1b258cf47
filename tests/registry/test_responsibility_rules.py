"""§1: the regional centre of gravity and the responsibility matrix (DOMAIN.md part 1), row by row.

Pure rules, no I/O. Municipalities used: Herning 0657, Aarhus 0751, Randers 0730 (Region
Midtjylland); København 0101, Frederiksberg 0147 (Hovedstaden); Bornholm 0400 (Hovedstaden,
but its own growth forum); Odense 0461, Vejle 0630 (Syddanmark); Aalborg 0851 (Nordjylland);
Roskilde 0265 (Sjælland).
"""

from __future__ import annotations

import pytest

from services.registry.rules import responsibility as rules
from services.registry.rules.responsibility import (
    FIVU_RTI_ID,
    CentreOfGravity,
    CentreOfGravityRule,
    centre_of_gravity,
    responsibility,
)

MIDT = "vaekstforum-midtjylland"
HOVED = "vaekstforum-hovedstaden"
SYD = "vaekstforum-syddanmark"
NORD = "vaekstforum-nordjylland"
SJAEL = "vaekstforum-sjaelland"
BORNHOLM = "vaekstforum-bornholm"

RULE = CentreOfGravityRule(threshold=0.5, min_members=5)
NO_MEMBERS = centre_of_gravity([], RULE)


def cog(*codes: str | None, rule: CentreOfGravityRule = RULE) -> CentreOfGravity:
    return centre_of_gravity(codes, rule)


def midt_centre() -> CentreOfGravity:
    """4 of 6 located members in Midtjylland: a centre of gravity there."""
    c = cog("0657", "0751", "0730", "0657", "0101", "0461")
    assert c.forum_id == MIDT
    return c


def no_centre() -> CentreOfGravity:
    """Members spread over four areas, none with half: no centre of gravity."""
    c = cog("0657", "0751", "0101", "0147", "0461", "0851")
    assert c.forum_id is None
    return c


# --- centre of gravity -----------------------------------------------------------------------


def test_exactly_the_threshold_is_a_centre() -> None:
    c = cog("0657", "0751", "0730", "0101", "0461", "0851")  # 3 of 6 in Midtjylland
    assert c.forum_id == MIDT
    assert c.share == 0.5
    assert c.located_members == 6
    assert c.counts == {MIDT: 3, HOVED: 1, NORD: 1, SYD: 1}
    assert (c.threshold, c.min_members) == (0.5, 5)
    assert "at or above" in c.reason


def test_just_below_the_threshold_is_no_centre() -> None:
    # 4 of 9 = 44 % in Midtjylland.
    c = cog("0657", "0751", "0730", "0661", "0101", "0147", "0461", "0851", "0265")
    assert c.forum_id is None
    assert c.share == pytest.approx(4 / 9)
    assert "below the threshold" in c.reason


def test_just_below_a_configured_threshold() -> None:
    codes = ("0657", "0751", "0730", "0101", "0461")  # 3 of 5 = 60 % in Midtjylland
    assert cog(*codes, rule=CentreOfGravityRule(threshold=0.6, min_members=5)).forum_id == MIDT
    below = cog(*codes, rule=CentreOfGravityRule(threshold=0.61, min_members=5))
    assert below.forum_id is None
    assert below.threshold == 0.61


def test_fewer_located_members_than_the_minimum_give_no_centre() -> None:
    c = cog("0657", "0751", "0730", "0661")  # all four in Midtjylland, but only four
    assert c.forum_id is None
    assert c.share is None
    assert c.located_members == 4
    assert c.counts == {MIDT: 4}
    assert "at least 5" in c.reason
    # The minimum is a setting: with 4 it is a centre.
    assert cog("0657", "0751", "0730", "0661", rule=CentreOfGravityRule(0.5, 4)).forum_id == MIDT


def test_members_without_municipality_are_ignored() -> None:
    # 5 located (3 in Midtjylland = 60 %), 3 without a municipality.
    c = cog("0657", "0751", "0730", "0101", "0461", None, None, "")
    assert c.located_members == 5
    assert c.forum_id == MIDT
    assert c.share == pytest.approx(0.6)
    # Unlocated members do not make up for missing located ones.
    assert cog("0657", "0751", "0730", "0661", None, None).forum_id is None


def test_bornholm_is_its_own_growth_forum_area() -> None:
    # Bornholm lies in Region Hovedstaden but has its own growth forum: 3 Bornholm members
    # and 2 in København are two areas, not 5 in Hovedstaden.
    c = cog("0400", "0400", "0400", "0101", "0147", "0461")
    assert c.counts == {BORNHOLM: 3, HOVED: 2, SYD: 1}
    assert c.forum_id == BORNHOLM
    # 2 on Bornholm + 2 in København + 2 elsewhere: a tie, not a Hovedstaden centre of 4/6.
    assert cog("0400", "0400", "0101", "0147", "0461", "0851").forum_id is None
    assert rules.forum_for_municipality("0400") == BORNHOLM
    assert rules.forum_for_municipality("0101") == HOVED


def test_a_tie_for_the_largest_share_is_no_centre() -> None:
    # 3 in Midtjylland and 3 in Hovedstaden: both reach 50 %, neither is *the* centre.
    c = cog("0657", "0751", "0730", "0101", "0147", "0101")
    assert c.forum_id is None
    assert c.share == 0.5
    assert "tie" in c.reason


# --- the matrix, row by row ------------------------------------------------------------------


def test_world_class_without_centre() -> None:
    r = responsibility("world_class", no_centre(), home_municipality="0657")
    assert r.primary == (FIVU_RTI_ID,)
    assert r.also == ()
    assert r.rule == "world_class_without_centre"
    assert "§1" in r.basis


def test_world_class_with_centre() -> None:
    r = responsibility("world_class", midt_centre(), home_municipality="0101")
    assert r.primary == (FIVU_RTI_ID,)
    assert r.also == (MIDT,)  # the centre's forum co-supports, wherever the home is
    assert r.rule == "world_class_with_centre"
    assert "§1" in r.basis


def test_national_without_centre_is_fivu_rti_shared_with_the_regions() -> None:
    r = responsibility("national", no_centre(), home_municipality="0657")
    assert r.primary == (FIVU_RTI_ID,)
    # The home region's forum first, then every area where members are.
    assert r.also == (MIDT, HOVED, NORD, SYD)
    assert r.rule == "national_without_centre"
    assert "§1" in r.basis


def test_national_without_members_shares_with_the_home_region() -> None:
    r = responsibility("national", NO_MEMBERS, home_municipality="0851")
    assert r.primary == (FIVU_RTI_ID,)
    assert r.also == (NORD,)


def test_national_without_centre_keeps_the_home_region_when_members_are_elsewhere() -> None:
    few = cog("0101", "0147")  # two members, both in Hovedstaden: below the minimum
    r = responsibility("national", few, home_municipality="0657")
    assert r.also == (MIDT, HOVED)


def test_national_with_centre_is_the_regions_special_responsibility() -> None:
    r = responsibility("national", midt_centre(), home_municipality="0657")
    assert r.primary == (MIDT,)
    assert r.also == (FIVU_RTI_ID,)
    assert r.rule == "national_with_centre"
    assert "special responsibility" in r.basis


def test_national_with_centre_on_bornholm() -> None:
    c = cog("0400", "0400", "0400", "0400", "0101")
    r = responsibility("national", c, home_municipality="0400")
    assert r.primary == (BORNHOLM,)
    assert r.also == (FIVU_RTI_ID,)


def test_emerging_with_municipalities_served() -> None:
    # The centre of gravity does not matter for emerging clusters ("—" in the table).
    for c in (midt_centre(), no_centre(), NO_MEMBERS):
        r = responsibility(
            "emerging", c, home_municipality="0630", municipalities_served=["0461", "0630", "0461"]
        )
        assert r.primary == (SYD, "kommune-0461", "kommune-0630")
        # FIVU/RTI only in special cases, i.e. as a recorded agreed exception — not by default.
        assert r.also == ()
        assert r.rule == "emerging"
        assert "special cases" in r.basis


def test_emerging_without_municipalities_served_falls_back_to_the_home() -> None:
    r = responsibility("emerging", NO_MEMBERS, home_municipality="0400")
    assert r.primary == (BORNHOLM, "kommune-0400")
    assert r.also == ()


def test_emerging_is_the_home_regions_forum_even_when_served_elsewhere() -> None:
    r = responsibility(
        "emerging", NO_MEMBERS, home_municipality="0851", municipalities_served=["0101"]
    )
    assert r.primary == (NORD, "kommune-0101")


def test_a_league_change_moves_responsibility() -> None:
    centre = midt_centre()
    by_league = {
        league: responsibility(
            league, centre, home_municipality="0657", municipalities_served=["0657"]
        )
        for league in rules.LEAGUES
    }
    assert by_league["world_class"].primary == (FIVU_RTI_ID,)
    assert by_league["world_class"].also == (MIDT,)
    assert by_league["national"].primary == (MIDT,)
    assert by_league["national"].also == (FIVU_RTI_ID,)
    assert by_league["emerging"].primary == (MIDT, "kommune-0657")
    assert by_league["emerging"].also == ()
    assert len({r.rule for r in by_league.values()}) == 3


def test_unknown_league_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown league"):
        responsibility("premier", NO_MEMBERS, home_municipality="0657")
