"""§4.4 merger and partnership hints: pure rules."""

from __future__ import annotations

from services.registry.rules.mergers import ClusterSketch, MergerRule, merger_suggestions

MIDT, HOVED, SYD = "1082", "1084", "1083"


def sketch(
    id: str,
    league: str,
    members: int,
    fields: tuple[str, ...] = ("energy",),
    region: str = MIDT,
) -> ClusterSketch:
    return ClusterSketch(id, id.title(), league, region, fields, members)


def pairs(clusters: list[ClusterSketch], rule: MergerRule = MergerRule()) -> list[tuple[str, str]]:
    return [(s.small.id, s.larger.id) for s in merger_suggestions(clusters, rule)]


def test_small_emerging_and_larger_in_a_shared_field_is_suggested_with_evidence() -> None:
    small = sketch("lokal", "emerging", 12, ("energy", "maritime"))
    larger = sketch("stor", "national", 180, ("energy", "maritime", "production"))
    [s] = merger_suggestions([small, larger])
    assert (s.small, s.larger) == (small, larger)
    assert s.shared_fields == ("energy", "maritime")
    assert s.same_region
    for fact in ("Lokal", "12 members", "energy, maritime", "Stor", "national", "180", "§4.4"):
        assert fact in s.evidence
    assert "same region" in s.evidence


def test_no_shared_field_no_suggestion() -> None:
    assert (
        pairs([sketch("lokal", "emerging", 12), sketch("stor", "national", 180, ("food_bio",))])
        == []
    )


def test_not_when_the_other_is_smaller_and_in_the_same_league() -> None:
    # Both small and emerging: only the smaller is pointed to the one twice its size.
    assert pairs([sketch("a", "emerging", 20), sketch("b", "emerging", 8)]) == [("b", "a")]
    # Neither is twice the other's size: no hint either way.
    assert pairs([sketch("a", "emerging", 12), sketch("b", "emerging", 20)]) == []


def test_a_higher_league_counts_as_larger_whatever_its_member_count() -> None:
    assert pairs([sketch("lokal", "emerging", 12), sketch("elite", "world_class", 10)]) == [
        ("lokal", "elite")
    ]


def test_only_small_emerging_clusters_are_pointed_to_a_merger() -> None:
    # A national cluster with few members, next to a world-class one: not emerging, no hint.
    assert pairs([sketch("n", "national", 10), sketch("w", "world_class", 300)]) == []
    # An emerging one at the size limit is not small.
    assert pairs([sketch("e", "emerging", 30), sketch("w", "world_class", 300)]) == []
    assert pairs([sketch("e", "emerging", 29), sketch("w", "world_class", 300)]) == [("e", "w")]


def test_the_rule_is_configurable() -> None:
    clusters = [sketch("e", "emerging", 40), sketch("n", "emerging", 100)]
    assert pairs(clusters) == []  # 40 members is not small by default
    assert pairs(clusters, MergerRule(small_members=50, size_factor=2.0)) == [("e", "n")]
    assert pairs(clusters, MergerRule(small_members=50, size_factor=3.0)) == []


def test_same_region_is_ranked_first() -> None:
    small = sketch("lokal", "emerging", 10, ("energy",), MIDT)
    far = sketch("fjern", "national", 500, ("energy",), HOVED)
    near = sketch("naer", "national", 100, ("energy",), MIDT)
    ranked = merger_suggestions([small, far, near])
    assert [(s.larger.id, s.same_region) for s in ranked] == [("naer", True), ("fjern", False)]
    assert "same region" not in ranked[1].evidence


def test_more_shared_fields_rank_before_fewer_within_a_region() -> None:
    small = sketch("lokal", "emerging", 10, ("energy", "maritime"), SYD)
    one = sketch("en", "national", 900, ("energy",), SYD)
    two = sketch("to", "national", 100, ("energy", "maritime"), SYD)
    assert pairs([small, one, two]) == [("lokal", "to"), ("lokal", "en")]


def test_each_pair_once_even_with_several_shared_fields() -> None:
    small = sketch("lokal", "emerging", 10, ("energy", "maritime", "transport"))
    larger = sketch("stor", "national", 100, ("energy", "maritime", "transport"))
    assert pairs([small, larger]) == [("lokal", "stor")]
