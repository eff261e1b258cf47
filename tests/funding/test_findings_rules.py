"""The five pure coordination checks (§1, §3, §4.3) on the paper's cases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.funding.config import CoordinationConfig as Config
from services.funding.rules import coordination as f
from services.funding.rules.coordination_model import (
    COVERAGE,
    AgreementView,
    ClusterView,
    FlagView,
    GrantView,
)

MIDT = "vaekstforum-midtjylland"
SYD = "vaekstforum-syddanmark"

#: A national cluster with its centre of gravity in Midtjylland: Midt primary, FIVU/RTI also.
NATIONAL_MIDT = ClusterView(
    "c-energy",
    "national",
    "active",
    ("energy",),
    (MIDT,),
    ("fivu-rti",),
    "national_with_centre",
    datetime(2010, 1, 1, tzinfo=UTC),
)


def grant(gid: str, funder: str, kind: str = "base", **extra: Any) -> GrantView:
    values: dict[str, Any] = {
        "cluster_id": "c-energy",
        "amount_dkk": 8_000_000,
        "starts_on": date(2015, 1, 1),
        "ends_on": date(2018, 12, 31),
        "activities": ("matchmaking",),
    } | extra
    return GrantView(gid, funder, kind=kind, **values)


def rules_of(found: list[f.Finding]) -> list[str]:
    return [x.rule for x in found]


def test_base_funding_follows_the_matrix_until_the_league_changes() -> None:
    g = grant("g1", MIDT)
    assert f.evaluate(NATIONAL_MIDT, [g]) == []
    # the registry moves it to the emerging league: Midt primary with the municipalities
    emerging = NATIONAL_MIDT.__class__(
        **{**NATIONAL_MIDT.__dict__, "league": "emerging", "primary": (MIDT,), "also": ()}
    )
    assert f.evaluate(emerging, [g]) == []
    fivu = grant("g2", "fivu-rti")
    # FIVU/RTI (also) may give it base funding; that its primary party (Midt) funds nothing
    # for it is the §1 coverage finding (issue 13)
    assert rules_of(f.evaluate(NATIONAL_MIDT, [fivu])) == [COVERAGE]
    found = f.evaluate(emerging, [fivu])
    assert rules_of(found) == [f.OUTSIDE, COVERAGE]
    assert found[0].section == "§1, §3"
    assert found[0].evidence["responsibility"]["primary"] == [MIDT]
    assert found[0].key == f"{f.OUTSIDE}:c-energy:g2"
    # project money is not base funding; a terminated grant no longer counts
    assert f.evaluate(emerging, [grant("g3", "fivu-rti", "project")]) == []
    assert f.evaluate(emerging, [grant("g4", "fivu-rti", status="terminated")]) == []


def test_two_funders_paying_the_same_activity_need_an_agreement() -> None:
    a = grant("g1", MIDT, "project", activities=("matchmaking", "secretariat"))
    b = grant("g2", SYD, "project", starts_on=date(2018, 6, 1), ends_on=date(2019, 12, 31))
    found = f.evaluate(NATIONAL_MIDT, [a, b])
    assert rules_of(found) == [f.OVERLAP]
    assert found[0].evidence["activities"] == ["matchmaking"]
    assert found[0].evidence["overlap"] == {"starts_on": "2018-06-01", "ends_on": "2018-12-31"}
    # shifted in time: no overlap
    later = grant("g2", SYD, "project", starts_on=date(2019, 1, 1), ends_on=date(2019, 12, 31))
    assert f.evaluate(NATIONAL_MIDT, [a, later]) == []
    # different activities: fine
    other = grant("g2", SYD, "project", activities=("internationalisation",))
    assert f.evaluate(NATIONAL_MIDT, [a, other]) == []
    # a co-financing agreement of both on this cluster covers it; one of only one party doesn't
    # (issue 12: and only if its parties' activities include the overlapping one)
    paid = ((MIDT, ("Matchmaking ",)), (SYD, ("netværk",)))
    both = AgreementView("agr-1", "co_financing", (MIDT, SYD), "c-energy", (), paid)
    only = AgreementView("agr-2", "co_financing", (MIDT, "fivu-rti"), "c-energy", (), paid)
    assert f.evaluate(NATIONAL_MIDT, [a, b], agreements=[both]) == []
    assert rules_of(f.evaluate(NATIONAL_MIDT, [a, b], agreements=[only])) == [f.OVERLAP]


def test_an_agreement_clears_an_overlap_only_if_it_covers_the_activity() -> None:
    """Issue 12: activities compare case-insensitively, whitespace normalised."""
    a = grant("g1", MIDT, "project", activities=("Match  making",))
    b = grant("g2", SYD, "project", activities=("match making",))
    assert rules_of(f.evaluate(NATIONAL_MIDT, [a, b])) == [f.OVERLAP]
    other = ((MIDT, ("internationalisering",)), (SYD, ("sekretariat",)))
    covering = ((MIDT, ("MATCH MAKING",)), (SYD, ()))
    elsewhere = AgreementView("agr-1", "co_financing", (MIDT, SYD), "c-energy", (), other)
    good = AgreementView("agr-2", "co_financing", (MIDT, SYD), "c-energy", (), covering)
    assert rules_of(f.evaluate(NATIONAL_MIDT, [a, b], agreements=[elsewhere])) == [f.OVERLAP]
    assert f.evaluate(NATIONAL_MIDT, [a, b], agreements=[good]) == []
    # a division of labour naming no activities covers none
    division = AgreementView("agr-3", "division_of_labour", (MIDT, SYD), None, ("c-energy",))
    assert rules_of(f.evaluate(NATIONAL_MIDT, [a, b], agreements=[division])) == [f.OVERLAP]


def test_project_money_to_a_new_organisation_in_a_covered_field() -> None:
    new = ClusterView(
        "c-new",
        "emerging",
        "active",
        ("energy",),
        (MIDT,),
        (),
        "emerging",
        datetime(2014, 5, 1, tzinfo=UTC),
    )
    g = grant("g1", SYD, "project", cluster_id="c-new")
    found = f.evaluate(new, [g], others=[NATIONAL_MIDT, new])
    assert rules_of(found) == [f.PARALLEL]
    assert found[0].evidence["existing_clusters"] == [
        {
            "cluster_id": "c-energy",
            "name": "",
            "fields": ["energy"],
            "founded_on": "2010-01-01",
            "date_from": "registered_at",
        }
    ]
    assert "the registry gives no founding date" in found[0].summary
    # no older cluster in the field, or the older one dissolved: nothing
    food = ClusterView(**{**NATIONAL_MIDT.__dict__, "fields": ("food",)})
    assert f.evaluate(new, [g], others=[food]) == []
    gone = ClusterView(**{**NATIONAL_MIDT.__dict__, "status": "dissolved"})
    assert f.evaluate(new, [g], others=[gone]) == []
    # money long after registration: no longer a new organisation
    late = grant("g1", SYD, "project", cluster_id="c-new", starts_on=date(2018, 1, 1))
    assert f.evaluate(new, [late], others=[NATIONAL_MIDT], config=Config(parallel_years=3)) == []


def test_base_funding_must_decrease_after_the_first_years() -> None:
    first = grant("g1", MIDT)  # 2 M a year 2015–2018
    flat = grant(
        "g2", MIDT, amount_dkk=2_000_000, starts_on=date(2019, 1, 1), ends_on=date(2019, 12, 31)
    )
    found = f.evaluate(NATIONAL_MIDT, [first, flat])
    assert rules_of(found) == [f.PHASE_DOWN]
    assert found[0].evidence["year"] == 2019
    assert found[0].evidence["yearly_amounts_dkk"]["2019"] == 2_000_000
    assert found[0].section == "§4.3"
    lower = grant(
        "g2", MIDT, amount_dkk=1_500_000, starts_on=date(2019, 1, 1), ends_on=date(2019, 12, 31)
    )
    assert f.evaluate(NATIONAL_MIDT, [first, lower]) == []
    # within the first four years a flat amount is fine (leap year 2016 included)
    assert f.evaluate(NATIONAL_MIDT, [first]) == []
    assert rules_of(f.evaluate(NATIONAL_MIDT, [first], config=Config(phase_down_years=2))) == [
        f.PHASE_DOWN
    ]


def test_a_flagged_cluster_with_base_funding() -> None:
    g = grant("g1", MIDT)
    flag = FlagView("poor_performance", "Lav effekt tre år i træk", 2017)
    found = f.evaluate(NATIONAL_MIDT, [g], flags=[flag])
    assert rules_of(found) == [f.FLAGGED]
    assert found[0].evidence["flags"][0]["rule"] == "poor_performance"
    assert f.evaluate(NATIONAL_MIDT, [grant("g1", MIDT, "project")], flags=[flag]) == []
    assert f.evaluate(NATIONAL_MIDT, [grant("g1", MIDT, status="terminated")], flags=[flag]) == []


def test_keys_are_stable_and_bounded() -> None:
    many = tuple(f"grt-{i:040d}" for i in range(20))
    finding = f.Finding(f.OVERLAP, "c", many, (), many, "x")
    assert len(finding.key) < 400
    assert finding.key == f.Finding(f.OVERLAP, "c", many[::-1], (), many, "x").key
