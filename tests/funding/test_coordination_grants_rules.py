"""Issue 13's pure rules on the paper's cases: activities as one vocabulary (§3), founding
dates (§3), §1 coverage, base funding without competition (§3, §4.1), evaluation
recommendations (§4.3), societal tasks (§2), a call's opening day and budget (§4.1)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.funding.rules import coordination as f
from services.funding.rules.activities import activity_key, same_activity
from services.funding.rules.calls import check_can_open
from services.funding.rules.coordination_model import (
    COVERAGE,
    NO_COMPETITION,
    RECOMMENDATION,
    SOCIETAL_TASK,
    ClusterView,
    GrantView,
    RecommendationView,
)
from services.funding.rules.grants import check_base_basis, check_budget
from services.funding.rules.violations import RuleViolation

MIDT = "vaekstforum-midtjylland"
EMERGING = ClusterView(
    "c-net",
    "emerging",
    "active",
    ("energy",),
    (MIDT, "kommune-0657"),
    (),
    "emerging",
    datetime(2024, 1, 15, tzinfo=UTC),
    founded_on=date(2012, 5, 1),
    societal_tasks=(("energy", False), ("climate", True)),
    name="Netværket",
)


def grant(gid: str, funder: str, kind: str = "project", **extra: Any) -> GrantView:
    values: dict[str, Any] = {
        "cluster_id": "c-net",
        "amount_dkk": 1_000_000,
        "starts_on": date(2025, 1, 1),
        "ends_on": date(2026, 12, 31),
    } | extra
    return GrantView(gid, funder, kind=kind, **values)


def rules_of(found: list[Any]) -> list[str]:
    return [x.rule for x in found]


def test_activities_compare_as_one_vocabulary() -> None:
    assert same_activity("Matchmaking", "matchmaking")
    assert same_activity("match-making", " Match  making ")
    assert same_activity("Netværksmøder", "network meetings")
    assert same_activity("innovationsprojekter", "Innovationsprojekt")
    assert not same_activity("matchmaking", "internationalisering")
    assert activity_key("Eksportfremme") == activity_key("eksportfremme")
    # the overlap finding shows both wordings
    a = grant("g1", MIDT, activities=("Matchmaking",))
    b = grant("g2", "fivu-rti", activities=("match making",))
    [found] = f.overlapping_without_agreement(EMERGING, [a, b], [])
    assert found.evidence["wordings"] == [
        {"activity": "matchmaking", "g1": "Matchmaking", "g2": "match making"}
    ]
    assert "“match making” in g2" in found.summary and found.summary.startswith("§3")


def test_a_parallel_organisation_is_judged_by_founding_dates() -> None:
    # Bornholmsk Mad (2012) registered before Roskilde Kreative Erhverv (2020): the registry's
    # order says nothing; the founding dates say Roskilde is the newer one
    older_org = ClusterView(
        **{**EMERGING.__dict__, "registered_at": datetime(2024, 1, 16, tzinfo=UTC)}
    )
    newer = ClusterView(
        **{**EMERGING.__dict__, "id": "c-new", "founded_on": date(2020, 8, 1), "name": "Ny"}
    )
    money = grant("g1", MIDT, cluster_id="c-net", starts_on=date(2024, 1, 1))
    assert f.parallel_organisation(EMERGING, [money], [newer], f.CoordinationConfig()) == []
    early = grant("g2", MIDT, cluster_id="c-new", starts_on=date(2022, 1, 1))
    [found] = f.parallel_organisation(newer, [early], [older_org], f.CoordinationConfig())
    assert found.evidence["new_cluster"]["date_from"] == "founded_on"
    assert "founded 2020-08-01" in found.summary and "founded 2012-05-01" in found.summary
    late = grant("g3", MIDT, cluster_id="c-new", starts_on=date(2024, 1, 1))
    assert f.parallel_organisation(newer, [late], [older_org], f.CoordinationConfig()) == []


def test_coverage_needs_the_primary_party_to_fund_something() -> None:
    base = grant("g1", "fivu-rti", "base", exemption_reason="Pilot")
    found = f.evaluate(EMERGING, [base])
    assert COVERAGE in rules_of(found)
    [cov] = [x for x in found if x.rule == COVERAGE]
    assert cov.funder_ids == (MIDT, "kommune-0657", "fivu-rti") and cov.grant_ids == ("g1",)
    # a municipality among the primary parties funds, in the same period: covered
    assert COVERAGE not in rules_of(f.evaluate(EMERGING, [base, grant("g2", "kommune-0657")]))
    # ... but money in another period does not cover it
    before = grant("g3", MIDT, starts_on=date(2020, 1, 1), ends_on=date(2021, 12, 31))
    assert COVERAGE in rules_of(f.evaluate(EMERGING, [base, before]))
    # project money from others is not base funding: nothing to cover
    assert f.primary_not_funding(EMERGING, [grant("g4", "fivu-rti")]) == []


def test_base_funding_without_competition_is_shown_to_the_parties() -> None:
    exempt = grant("g1", MIDT, "base", exemption_reason="Eneste ansøger")
    [found] = f.base_without_competition(EMERGING, [exempt])
    assert found.rule == NO_COMPETITION and found.funder_ids == (MIDT, "kommune-0657")
    called = grant("g2", MIDT, "base", call_id="call-1")
    assert f.base_without_competition(EMERGING, [called]) == []
    ended = grant("g3", MIDT, "base", exemption_reason="x", status="terminated")
    assert f.base_without_competition(EMERGING, [ended]) == []


def test_recommendations_to_stop_or_phase_down_wait_for_the_funder() -> None:
    g = grant("g1", MIDT)

    def rec(recommendation: str, acted: str | None = None) -> RecommendationView:
        return RecommendationView(
            "rec-1", "g1", "evl-1", "mid_term", recommendation, date(2026, 1, 5), acted
        )

    [found] = f.recommendation_not_acted_on(EMERGING, [g], [rec("phase_down")])
    assert found.rule == RECOMMENDATION and "recommends phasing down" in found.summary
    assert f.recommendation_not_acted_on(EMERGING, [g], [rec("continue")]) == []
    assert f.recommendation_not_acted_on(EMERGING, [g], [rec("stop", "kept")]) == []
    stopped = grant("g1", MIDT, status="terminated")
    assert f.recommendation_not_acted_on(EMERGING, [stopped], [rec("stop")]) == []


def test_a_societal_task_not_supportable_warns_until_the_grant_ends() -> None:
    energy = grant("g1", MIDT, societal_task="energy")
    [found] = f.unsupportable_societal_task(EMERGING, [energy], date(2025, 6, 1))
    assert found.rule == SOCIETAL_TASK and found.evidence["carried"] is True
    assert f.unsupportable_societal_task(EMERGING, [energy], date(2027, 1, 1)) == []
    climate = grant("g2", MIDT, societal_task="climate")
    assert f.unsupportable_societal_task(EMERGING, [climate], date(2025, 6, 1)) == []
    dropped = grant("g3", MIDT, societal_task="transport")
    [gone] = f.unsupportable_societal_task(EMERGING, [dropped], None)
    assert "no longer carries" in gone.summary


def test_a_call_opens_on_its_day_and_its_grants_fit_its_budget() -> None:
    with pytest.raises(RuleViolation) as early:
        check_can_open(
            state="planned",
            criteria_published=True,
            dialogue=None,
            today=date(2025, 2, 28),
            opens_on=date(2025, 3, 1),
        )
    assert early.value.kind == "call-not-open-yet" and "2025-03-01" in early.value.detail
    check_can_open(
        state="planned",
        criteria_published=True,
        dialogue=None,
        today=date(2025, 3, 1),
        opens_on=date(2025, 3, 1),
    )
    check_budget(10_000_000, [6_000_000], 4_000_000)
    with pytest.raises(RuleViolation) as over:
        check_budget(10_000_000, [6_000_000], 4_000_001)
    assert over.value.extra["remaining_dkk"] == 4_000_000


@pytest.mark.parametrize(
    ("kind", "state", "reason", "error"),
    [
        ("base", None, None, "base-grant-without-call"),
        ("base", "closed", None, "call-not-decided"),
        ("base", "decided", "x", "call-and-exemption"),
        ("project", None, "x", "exemption-not-for-project"),
        ("base", "decided", None, None),
        ("base", None, "Eneste ansøger", None),
        ("project", None, None, None),
        ("project", "closed", None, None),
    ],
)
def test_what_a_grant_rests_on(
    kind: str, state: str | None, reason: str | None, error: str | None
) -> None:
    if error is None:
        check_base_basis(kind, state, reason)
        return
    with pytest.raises(RuleViolation) as refused:
        check_base_basis(kind, state, reason)
    assert refused.value.kind == error
