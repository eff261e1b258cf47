"""Who hears about an activity (§5 "orientere hinanden om større aktiviteter"): rules.overlap."""

from __future__ import annotations

from services.referrals.rules.overlap import (
    Interests,
    Offer,
    Overlap,
    Topic,
    interests,
    overlap_with,
    who_to_tell,
)


def test_interests_are_the_union_over_an_organisations_offers() -> None:
    got = interests(
        [
            Offer("house", ["energy"], ["sme"]),
            Offer("house", ["digital"], ["entrepreneurs", "sme"]),
            Offer("cluster", ["maritime"]),  # a cluster's registered fields, no target groups
        ]
    )
    assert got["house"] == Interests(
        "house", frozenset({"energy", "digital"}), frozenset({"sme", "entrepreneurs"})
    )
    assert got["cluster"] == Interests("cluster", frozenset({"maritime"}), frozenset())
    assert interests([]) == {}


def test_overlap_names_fields_then_target_groups_in_the_activitys_order() -> None:
    org = Interests("o", frozenset({"energy", "food_bio"}), frozenset({"sme", "startups"}))
    topic = Topic(["food_bio", "digital", "energy"], ["startups", "investors", "sme"])
    assert overlap_with(topic, org) == (
        "field:food_bio",
        "field:energy",
        "target:startups",
        "target:sme",
    )
    assert overlap_with(Topic(["digital"], ["investors"]), org) == ()
    # a repeated code counts once
    assert overlap_with(Topic(["energy", "energy"], []), org) == ("field:energy",)


def test_every_overlapping_organisation_but_the_hosts_is_told_in_id_order() -> None:
    orgs = interests(
        [
            Offer("host", ["energy"], ["sme"]),
            Offer("co-host", ["energy"], ["sme"]),
            Offer("z-growth-house", [], ["sme"]),
            Offer("a-cluster", ["energy"]),
            Offer("m-unrelated", ["tourism"], ["large_firms"]),
            Offer("b-both", ["energy"], ["sme"]),
        ]
    ).values()
    told = who_to_tell(Topic(["energy"], ["sme"]), orgs, hosts=["host", "co-host"])
    assert told == [
        Overlap("a-cluster", ("field:energy",)),
        Overlap("b-both", ("field:energy", "target:sme")),
        Overlap("z-growth-house", ("target:sme",)),
    ]


def test_an_activity_without_fields_or_target_groups_tells_nobody() -> None:
    orgs = [Interests("o", frozenset({"energy"}), frozenset({"sme"}))]
    assert who_to_tell(Topic(), orgs, hosts=[]) == []
    # and an organisation with no published interests hears nothing
    assert who_to_tell(Topic(["energy"], ["sme"]), [Interests("empty")], hosts=[]) == []
