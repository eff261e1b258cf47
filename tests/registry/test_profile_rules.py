"""Members, SME share, triple helix and profile warnings (§2, §4.5): pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.rules.profile import (
    MemberFacts,
    ProfileThresholds,
    member_profile,
    obligations_declared,
    profile_warnings,
    task_gaps,
    task_supportable,
)

TODAY = date(2026, 6, 1)


def firm(employees: int | None, municipality: str | None = "0657") -> MemberFacts:
    return MemberFacts("firm", municipality, employees)


def codes(members: list[MemberFacts], **kwargs: object) -> list[str]:
    params: dict[str, object] = {
        "fields": ["energy"],
        "obligations_declared": True,
        "label_valid_until": None,
        "today": TODAY,
    }
    params.update(kwargs)
    return [w.code for w in profile_warnings(member_profile(members), **params)]  # type: ignore[arg-type]


def full_member_list() -> list[MemberFacts]:
    """15 members over all three helixes, firms with sizes: no warning at all."""
    return [
        *(firm(10 * i) for i in range(1, 13)),
        MemberFacts("knowledge_institution", "0751", None),
        MemberFacts("education_institution", "0751", None),
        MemberFacts("public_actor", "0657", None),
    ]


def test_sme_shares_count_only_firms_of_known_size() -> None:
    members = [
        firm(10),  # small and SME
        firm(49),  # small and SME
        firm(50),  # SME, not small
        firm(249),  # SME
        firm(250),  # large
        firm(None),  # size unknown: not counted
        MemberFacts("knowledge_institution", "0751", 3000),  # not a firm
    ]
    p = member_profile(members)
    assert p.total == 7
    assert p.firms_with_size == 5
    assert p.sme_share == pytest.approx(4 / 5)
    assert p.small_share == pytest.approx(2 / 5)
    assert p.by_kind == {
        "firm": 6,
        "knowledge_institution": 1,
        "education_institution": 0,
        "public_actor": 0,
    }


def test_no_sized_firm_leaves_the_shares_unknown() -> None:
    p = member_profile([firm(None), MemberFacts("public_actor", "0101", None)])
    assert p.sme_share is None
    assert p.small_share is None
    assert p.firms_with_size == 0


def test_helix_kinds_and_triple_helix() -> None:
    assert member_profile([]).helix_kinds == ()
    two = member_profile([firm(5), MemberFacts("education_institution", None, None)])
    assert two.helix_kinds == ("industry", "knowledge")
    assert not two.triple_helix
    # Knowledge and education institutions are one helix.
    same = member_profile(
        [
            MemberFacts("knowledge_institution", None, None),
            MemberFacts("education_institution", None, None),
        ]
    )
    assert same.helix_kinds == ("knowledge",)
    three = member_profile(full_member_list())
    assert three.helix_kinds == ("industry", "knowledge", "public")
    assert three.triple_helix


def test_top_region_and_its_share_of_located_members() -> None:
    members = [
        firm(5, "0657"),
        firm(5, "0751"),
        firm(5, "0101"),
        firm(5, "0400"),  # Bornholm is in Region Hovedstaden
        firm(5, "0461"),
        firm(5, None),  # ignored
    ]
    p = member_profile(members)
    # Midtjylland 2, Hovedstaden 2, Syddanmark 1: a tie resolved by the lower code.
    assert p.top_region_code == "1082"
    assert p.top_region_share == pytest.approx(2 / 5)
    p = member_profile([*members, firm(5, "0147")])
    assert p.top_region_code == "1084"
    assert p.top_region_share == pytest.approx(3 / 6)


def test_no_located_member_has_no_top_region() -> None:
    p = member_profile([firm(5, None)])
    assert p.top_region_code is None
    assert p.top_region_share is None


def test_a_complete_profile_has_no_warnings() -> None:
    assert codes(full_member_list()) == []


def test_fewer_than_15_members_warns() -> None:
    members = full_member_list()[1:]  # 14
    warnings = profile_warnings(
        member_profile(members),
        fields=["energy"],
        obligations_declared=True,
        label_valid_until=None,
        today=TODAY,
    )
    assert [w.code for w in warnings] == ["few_members"]
    assert "14 member(s)" in warnings[0].message
    assert "15" in warnings[0].message


def test_the_thresholds_are_configurable() -> None:
    members = full_member_list()[:3]  # 3 firms: one helix
    loose = ProfileThresholds(min_members=3, min_helix_kinds=1)
    assert codes(members, thresholds=loose) == []
    assert codes(members) == ["few_members", "narrow_helix"]


def test_fewer_than_two_helix_kinds_warns() -> None:
    only_firms = [firm(10) for _ in range(15)]
    assert codes(only_firms) == ["narrow_helix"]
    no_members = codes([])
    assert no_members[:2] == ["few_members", "narrow_helix"]


def test_firms_without_sizes_warn() -> None:
    members = [firm(None) for _ in range(14)] + [MemberFacts("public_actor", None, None)]
    assert codes(members) == ["firm_sizes_unknown"]


def test_no_field_warns() -> None:
    assert codes(full_member_list(), fields=[]) == ["no_fields"]


def test_label_expired_warns_from_the_day_after() -> None:
    assert codes(full_member_list(), label_valid_until=TODAY) == []
    expired = profile_warnings(
        member_profile(full_member_list()),
        fields=["energy"],
        obligations_declared=True,
        label_valid_until=date(2026, 5, 31),
        today=TODAY,
    )
    assert [w.code for w in expired] == ["label_expired"]
    assert "2026-05-31" in expired[0].message


def test_obligations_not_declared_warns() -> None:
    assert codes(full_member_list(), obligations_declared=False) == ["obligations_not_declared"]


def test_unsupportable_task_warns_once_per_task() -> None:
    warnings = profile_warnings(
        member_profile(full_member_list()),
        fields=["energy"],
        obligations_declared=True,
        label_valid_until=None,
        today=TODAY,
        unsupportable_tasks=["climate", "food"],
    )
    assert [w.code for w in warnings] == ["task_not_supportable", "task_not_supportable"]
    assert "'climate'" in warnings[0].message
    assert "'food'" in warnings[1].message


@pytest.mark.parametrize(
    ("backing", "added_value", "resources", "supportable"),
    [
        (True, True, True, True),
        (False, True, True, False),
        (True, False, True, False),
        (True, True, False, False),
        (False, False, False, False),
    ],
)
def test_a_task_is_supportable_only_when_all_three_preconditions_hold(
    backing: bool, added_value: bool, resources: bool, supportable: bool
) -> None:
    functions = ["bridge_builder"]
    assert task_supportable(backing, added_value, resources, functions) is supportable


@pytest.mark.parametrize(
    ("functions", "supportable"),
    [
        ([], False),
        (["bridge_builder"], True),
        (["regional_ecosystem"], True),
        (["bridge_builder", "regional_ecosystem"], True),
    ],
)
def test_a_task_is_supportable_only_beside_a_core_function(
    functions: list[str], supportable: bool
) -> None:
    """§2: societal tasks come "udover de to hovedfunktioner" and must be "forenelig med
    varetagelsen af de to kernefunktioner" — without a core function, none is supportable."""
    assert task_supportable(True, True, True, functions) is supportable
    assert ("core_function" in task_gaps(True, True, True, functions)) is not supportable


def test_the_gaps_name_every_missing_precondition_and_the_warning_says_them() -> None:
    gaps = task_gaps(False, True, False, [])
    assert gaps == ("backing_of_central_actors", "resources_without_crowding_out", "core_function")
    [warning] = profile_warnings(
        member_profile(full_member_list()),
        fields=["energy"],
        obligations_declared=True,
        label_valid_until=None,
        today=TODAY,
        unsupportable_tasks={"transport": ["core_function"]},
    )
    assert warning.code == "task_not_supportable"
    assert "'transport'" in warning.message and "no core function" in warning.message


def test_obligations_count_only_when_all_three_are_declared() -> None:
    all_three = {"neutral_platform": True, "open_access": True, "no_lobbying": True}
    assert obligations_declared(all_three)
    assert not obligations_declared(None)
    assert not obligations_declared({})
    assert not obligations_declared({**all_three, "no_lobbying": False})
    assert not obligations_declared({"neutral_platform": True, "open_access": True})
