"""§4.1: the indicator catalogue, the validation of a reported year."""

from __future__ import annotations

import math

from services.evaluation.rules.indicators import (
    FUNCTIONS,
    FUNDING_INDICATOR_BY_GRANT_KIND,
    INDICATORS,
    INDICATORS_BY_CODE,
    indicators_of,
    validate_report,
)


def kinds(values: dict[str, float | int | None], **kw: object) -> list[tuple[str, str]]:
    return [(e.kind, e.indicator) for e in validate_report(values, **kw)]  # type: ignore[arg-type]


# --- the catalogue --------------------------------------------------------------------------


def test_catalogue_has_the_danish_account_indicators() -> None:
    assert [i.code for i in INDICATORS] == [
        "participating_firms",
        "knowledge_institutions",
        "collaboration_projects",
        "international_partners",
        "firms_new_competences",
        "new_ideas",
        "new_products",
        "participating_firms_under_50",
        "dedicated_firms",
        "referrals_received",
        "referrals_given",
        "public_base_funding",
        "public_project_funding",
        "private_funding",
    ]
    assert len(INDICATORS_BY_CODE) == len(INDICATORS)  # codes are unique


def test_derived_indicators_and_their_sources() -> None:
    derived = {i.code: i.derived_from for i in INDICATORS if i.source == "derived"}
    assert set(derived) == {
        "participating_firms",
        "participating_firms_under_50",
        "knowledge_institutions",
        "public_base_funding",
        "public_project_funding",
        "referrals_received",
        "referrals_given",
    }
    assert all(derived.values())  # each says where it comes from
    assert "registry" in (derived["participating_firms"] or "")
    assert "funding.grant" in (derived["public_base_funding"] or "")
    assert "referrals" in (derived["referrals_given"] or "")
    reported = [i for i in INDICATORS if i.source == "reported"]
    assert all(i.derived_from is None for i in reported)


def test_units_functions_and_direction() -> None:
    assert {i.code for i in INDICATORS if i.unit == "dkk"} == {
        "public_base_funding",
        "public_project_funding",
        "private_funding",
    }
    # §4.3: base funding should phase down as a cluster matures → the only "lower is better"
    assert [i.code for i in INDICATORS if not i.higher_is_better] == ["public_base_funding"]
    assert [len(indicators_of(f)) for f in FUNCTIONS] == [7, 4, 3]
    assert all(i.name_da and i.name_en and i.description_en for i in INDICATORS)
    assert FUNDING_INDICATOR_BY_GRANT_KIND == {
        "base": "public_base_funding",
        "project": "public_project_funding",
    }


# --- validate_report ------------------------------------------------------------------------


def test_a_valid_report_and_missing_values() -> None:
    assert (
        validate_report(
            {
                "collaboration_projects": 12,
                "dedicated_firms": 40,
                "new_ideas": None,  # not reported: allowed, stays missing
                "private_funding": 1_250_000.5,  # dkk need not be whole
            }
        )
        == []
    )
    assert validate_report({}) == []


def test_unknown_and_derived_codes_are_refused() -> None:
    assert kinds({"nonsense": 1, "participating_firms": 10, "referrals_given": None}) == [
        ("unknown_indicator", "nonsense"),
        ("not_reportable", "participating_firms"),
        ("not_reportable", "referrals_given"),  # even as None: derived codes are not reported
    ]


def test_numbers_must_be_finite_non_negative_and_whole_for_counts() -> None:
    assert kinds(
        {
            "new_ideas": -1,
            "new_products": 2.5,
            "international_partners": math.nan,
            "collaboration_projects": True,  # a bool is not a number
            "private_funding": math.inf,
            "dedicated_firms": 3.0,  # whole, though a float: fine
        }
    ) == [
        ("negative_value", "new_ideas"),
        ("not_whole_number", "new_products"),
        ("not_a_number", "international_partners"),
        ("not_a_number", "collaboration_projects"),
        ("not_a_number", "private_funding"),
    ]


def test_dedicated_firms_cannot_exceed_participating_firms() -> None:
    # participating firms is derived from the registry: the cross-check takes it as context
    assert kinds({"dedicated_firms": 31}, derived={"participating_firms": 30}) == [
        ("exceeds_total", "dedicated_firms")
    ]
    assert kinds({"dedicated_firms": 30}, derived={"participating_firms": 30}) == []  # equal
    assert kinds({"dedicated_firms": 31}) == []  # whole unknown: nothing to compare with
    assert kinds({"dedicated_firms": 31}, derived={"participating_firms": None}) == []


def test_under_50_cannot_exceed_participating_firms() -> None:
    errors = validate_report(
        {}, derived={"participating_firms": 10, "participating_firms_under_50": 11}
    )
    assert [(e.kind, e.indicator) for e in errors] == [
        ("exceeds_total", "participating_firms_under_50")
    ]
    assert "(11) exceeds 'participating_firms' (10)" in errors[0].detail


def test_cross_checks_wait_for_clean_values() -> None:
    # a value error is reported alone; the part ≤ whole check only runs on clean values
    assert kinds({"dedicated_firms": -5}, derived={"participating_firms": -10}) == [
        ("negative_value", "dedicated_firms")
    ]
