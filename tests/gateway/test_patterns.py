"""Event type patterns (services.gateway.rules.patterns): the grammar, matching and validation."""

from __future__ import annotations

import pytest

from services.gateway.rules.patterns import (
    MAX_PATTERNS,
    expand,
    matches,
    matches_one,
    split_patterns,
    validate_patterns,
)
from shared.events.catalog import CATALOG

TYPES = [
    "funding.call.planned",
    "funding.call.opened",
    "funding.dialogue.requested",
    "referrals.referral.sent",
    "referrals.joint_event.agreed",
]


@pytest.mark.parametrize(
    ("pattern", "type_", "expected"),
    [
        ("funding.call.planned", "funding.call.planned", True),
        ("funding.call.planned", "funding.call.opened", False),
        ("funding.call.planned", "funding.call.planned.extra", False),
        ("funding.call", "funding.call.planned", False),  # no implicit prefix match
        ("funding.*", "funding.call.planned", True),  # trailing * = the rest
        ("funding.>", "funding.call.planned", True),
        ("funding.*", "funding", False),  # the rest is one or more segments
        ("funding.*", "fundingx.call.planned", False),
        ("funding.*", "referrals.referral.sent", False),
        ("funding.call.*", "funding.call.planned", True),
        ("funding.call.*", "funding.dialogue.requested", False),
        ("*", "referrals.joint_event.agreed", True),
        (">", "registry.cluster.registered", True),
        ("*.dialogue.*", "funding.dialogue.requested", True),  # inner * = one segment
        ("*.*.requested", "funding.dialogue.requested", True),
        ("*.requested", "funding.dialogue.requested", False),
        ("*.*.requested", "funding.call.planned", False),
        ("*.*.*.*", "funding.call.planned", False),
    ],
)
def test_matches_one(pattern: str, type_: str, expected: bool) -> None:
    assert matches_one(pattern, type_) is expected


def test_a_list_matches_when_any_pattern_does_and_the_empty_list_matches_nothing() -> None:
    assert matches(["referrals.*", "funding.call.planned"], "funding.call.planned")
    assert not matches(["referrals.*", "funding.call.opened"], "funding.call.planned")
    assert not matches([], "funding.call.planned")
    # a bare string is one pattern, not a list of characters ("*" would match anything)
    assert matches("funding.*", "funding.call.planned")
    assert not matches("f*", "funding.call.planned")


def test_well_formed_patterns_over_the_catalog_have_no_problems() -> None:
    good = ["funding.call.planned", "funding.*", "funding.>", "*", ">", "*.dialogue.*"]
    assert validate_patterns(good) == []
    assert validate_patterns([]) == []
    assert validate_patterns("referrals.joint_event.*") == []


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("", "empty pattern"),
        ("funding..planned", "empty segment"),
        ("funding.", "empty segment"),
        (".funding", "empty segment"),
        ("funding.call*", "wildcard is a whole segment"),
        ("funding.>.planned", "'>' may only come last"),
        ("Funding.*", "lower case"),
        ("funding call", "spaces"),
        (" funding.*", "spaces"),
        ("funding.call-planned", "letters a–z"),
        ("x" * 121, "longer than 120"),
        ("fundng.*", "matches no event type"),
        ("funding.call.planned.*", "matches no event type"),
    ],
)
def test_bad_patterns_are_named_with_the_reason(pattern: str, says: str) -> None:
    problems = validate_patterns(["funding.*", pattern])
    assert len(problems) == 1, problems
    assert says in problems[0], problems


def test_a_near_miss_suggests_the_type() -> None:
    [problem] = validate_patterns(["funding.call.planed"])
    assert "Did you mean 'funding.call.planned'?" in problem


def test_too_many_patterns() -> None:
    problems = validate_patterns(["funding.*"] * (MAX_PATTERNS + 1))
    assert problems == [f"At most {MAX_PATTERNS} patterns, got {MAX_PATTERNS + 1}."]


def test_known_types_can_be_given() -> None:
    assert validate_patterns(["shop.order.*"], known_types=["shop.order.paid"]) == []
    assert validate_patterns(["funding.*"], known_types=["shop.order.paid"]) != []


def test_split_patterns_from_repeated_and_comma_separated_values() -> None:
    assert split_patterns(["funding.*, referrals.*", "registry.cluster.*", "funding.*", ""]) == [
        "funding.*",
        "referrals.*",
        "registry.cluster.*",
    ]
    assert split_patterns("a.b.c,,d.e.f") == ["a.b.c", "d.e.f"]
    assert split_patterns([]) == []


def test_expand_over_the_catalog() -> None:
    assert expand(["*"]) == set(CATALOG)
    assert expand(["funding.call.*"], TYPES) == {"funding.call.planned", "funding.call.opened"}
    assert expand(["*.*.requested", "referrals.referral.sent"], TYPES) == {
        "funding.dialogue.requested",
        "referrals.referral.sent",
    }
    assert expand([], TYPES) == set()


def test_a_misspelt_wildcard_pattern_suggests_the_right_prefix() -> None:
    [problem] = validate_patterns(["fundng.*"])
    assert "Did you mean 'funding.*'?" in problem
    [problem] = validate_patterns(["*.dialoge.*"])
    assert "Did you mean '*.dialogue.*'?" in problem
    [problem] = validate_patterns(["nothing.like.this.at_all"])
    assert "Did you mean" not in problem
