"""The registry's authority policy (rules/authority.py, §1 "vejledende og fleksibel"): pure
cases from the paper's division of roles."""

from __future__ import annotations

from services.registry.rules import authority as a

NORD, MIDT, SYD = "vaekstforum-nordjylland", "vaekstforum-midtjylland", "vaekstforum-syddanmark"


def test_registrars_follow_league_and_home_area() -> None:
    assert a.registrars("national", "0851") == ("fivu-rti", NORD, "klyngeforum")
    assert a.registrars("world_class", "0101") == (
        "fivu-rti",
        "vaekstforum-hovedstaden",
        "klyngeforum",
    )
    assert a.registrars("emerging", "0851") == (NORD, "klyngeforum")
    # Bornholm has its own forum, not Hovedstaden's.
    assert a.registrars("emerging", "0400") == ("vaekstforum-bornholm", "klyngeforum")


def test_leagues_are_set_by_fivu_rti_or_a_responsible_forum() -> None:
    assert a.league_setters(["fivu-rti", NORD]) == ("fivu-rti", NORD)
    assert a.league_setters([MIDT, "kommune-0657"]) == ("fivu-rti", MIDT)
    # An agreed exception naming another forum makes it a league setter.
    assert a.league_setters([SYD, "fivu-rti", "kommune-0561"]) == ("fivu-rti", SYD)
    assert a.status_setters("c1", [NORD]) == ("c1", "fivu-rti", NORD, "klyngeforum")


def test_exception_parties_are_named_computed_and_those_of_the_one_in_force() -> None:
    assert a.exception_parties(["kommune-0101"], ["fivu-rti", SYD], [SYD, "kommune-0561"]) == (
        "kommune-0101",
        "fivu-rti",
        SYD,
        "kommune-0561",
    )


def test_authorise_refuses_the_party_first_then_the_scope() -> None:
    refused = a.authorise(
        "change_league",
        MIDT,
        {"organisations:write"},
        ("fivu-rti", NORD),
        rule="change_league",
        kind="not-a-league-authority",
        what="x",
    )
    assert refused is not None
    assert (refused.kind, refused.rule, refused.may_act) == (
        "not-a-league-authority",
        "change_league",
        ("fivu-rti", NORD),
    )
    narrowed = a.authorise(
        "change_league",
        NORD,
        {"webhooks:write"},
        ("fivu-rti", NORD),
        rule="change_league",
        kind="not-a-league-authority",
        what="x",
    )
    assert narrowed is not None and narrowed.kind == "insufficient-scope"
    assert narrowed.scopes == ("organisations:write",)
    assert (
        a.authorise(
            "change_league",
            NORD,
            {"organisations:write"},
            ("fivu-rti", NORD),
            rule="change_league",
            kind="k",
            what="x",
        )
        is None
    )


def test_every_write_needs_a_scope_no_webhook_token_holds() -> None:
    for action in a.SCOPES:
        assert a.scope_refusal(action, {"webhooks:write"}) is not None, action


def test_labels_by_issuers_and_seats_by_the_ministry() -> None:
    assert a.label_issuers(["esca-b", "esca-a"]) == ("klyngeforum", "esca-a", "esca-b")
    assert a.seat_answerers("ministeriet-energi") == ("ministeriet-energi",)
    assert a.cluster_itself("c1") == ("c1", "klyngeforum")
