"""The indicator catalogue of the joint annual performance account (§4.1) and report validation.

§4.1 of the paper asks the parties to build "fælles måle- og evalueringsredskaber, herunder et
fælles årligt performanceregnskab" for all clusters in the three leagues. The indicators are
those Denmark's cluster accounts use, grouped by the function they speak to:

- ``bridge_builder`` (§2, function 1): bridge between firms and research, technology and
  education institutions, nationally and internationally;
- ``regional_ecosystem`` (§2, function 2 and §5): an actor in the regional business-promotion
  ecosystem, reaching SMEs and referring firms to and from the growth houses;
- ``resources``: the budget by source. ``public_base_funding`` counts *lower is better*: §4.3
  says public base funding should be phased down as a cluster matures, so the resources
  composite rewards private and project money, not base money.

Some indicators are **derived** from other services' events and may not be reported by the
cluster organisation (``validate_report`` refuses them); the rest are **reported**:

- registry members → ``participating_firms``, ``participating_firms_under_50``,
  ``knowledge_institutions``;
- funding grants (kind ``base`` / ``project``) → ``public_base_funding`` /
  ``public_project_funding``, spread over the grant's years pro rata by days
  (``shared.money.amount_in_year``);
- referrals completed → ``referrals_received`` / ``referrals_given``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "dkk", "share"]
Source = Literal["reported", "derived"]
Function = Literal["bridge_builder", "regional_ecosystem", "resources"]

#: The functions a composite is computed for, in display order (§2 and the budget).
FUNCTIONS: tuple[Function, ...] = ("bridge_builder", "regional_ecosystem", "resources")


@dataclass(frozen=True, slots=True)
class Indicator:
    """One line of the account. ``derived_from`` names the events a derived indicator is
    computed from (``None`` for reported ones)."""

    code: str
    name_da: str
    name_en: str
    unit: Unit
    source: Source
    function: Function
    higher_is_better: bool
    description_en: str
    derived_from: str | None = None


def _reported(code: str, da: str, en: str, unit: Unit, function: Function, desc: str) -> Indicator:
    return Indicator(code, da, en, unit, "reported", function, True, desc)


INDICATORS: tuple[Indicator, ...] = (
    # --- bridge builder (§2.1) ----------------------------------------------------------------
    Indicator(
        "participating_firms",
        "Deltagende virksomheder",
        "Participating firms",
        "count",
        "derived",
        "bridge_builder",
        True,
        "Firms that are members of or take part in the cluster during the year.",
        derived_from="registry members of kind 'firm'",
    ),
    Indicator(
        "knowledge_institutions",
        "Deltagende videninstitutioner",
        "Knowledge institutions",
        "count",
        "derived",
        "bridge_builder",
        True,
        "Research, technology and education institutions taking part in the cluster.",
        derived_from="registry members of kind 'knowledge_institution' or 'education_institution'",
    ),
    _reported(
        "collaboration_projects",
        "Samarbejdsprojekter mellem virksomheder og videninstitutioner",
        "Collaboration projects between firms and knowledge institutions",
        "count",
        "bridge_builder",
        "Projects active in the year with at least one firm and one knowledge institution.",
    ),
    _reported(
        "international_partners",
        "Internationale partnere",
        "International partners",
        "count",
        "bridge_builder",
        "Foreign clusters, firms and knowledge institutions the cluster works with (§2: "
        "the bridge-builder function nationally and internationally).",
    ),
    _reported(
        "firms_new_competences",
        "Virksomheder der har fået nye kompetencer eller værktøjer",
        "Firms that gained new competences or tools",
        "count",
        "bridge_builder",
        "Firms that report new knowledge, competences or tools from the cluster's activities.",
    ),
    _reported(
        "new_ideas",
        "Nye idéer",
        "New ideas",
        "count",
        "bridge_builder",
        "New ideas for products, services or processes matured through the cluster.",
    ),
    _reported(
        "new_products",
        "Nye produkter, services eller processer",
        "New products, services or processes",
        "count",
        "bridge_builder",
        "Products, services or processes brought to market or into use during the year.",
    ),
    # --- regional ecosystem (§2.2, §5) --------------------------------------------------------
    Indicator(
        "participating_firms_under_50",
        "Heraf virksomheder med under 50 ansatte",
        "Of which firms with fewer than 50 employees",
        "count",
        "derived",
        "regional_ecosystem",
        True,
        "Participating firms with fewer than 50 employees: the SMEs the cluster reaches.",
        derived_from="registry members of kind 'firm' with fewer than 50 employees",
    ),
    _reported(
        "dedicated_firms",
        "Dedikerede virksomheder (projekter eller kontingent)",
        "Dedicated firms (projects or fee)",
        "count",
        "regional_ecosystem",
        "Participating firms that take part in projects or pay a membership fee.",
    ),
    Indicator(
        "referrals_received",
        "Modtagne henvisninger",
        "Referrals received",
        "count",
        "derived",
        "regional_ecosystem",
        True,
        "Firms referred to the cluster by growth houses, local business service or other "
        "clusters, counted in the year the referral was completed (§5).",
        derived_from="referrals.referral.completed (the cluster received it)",
    ),
    Indicator(
        "referrals_given",
        "Afgivne henvisninger",
        "Referrals given",
        "count",
        "derived",
        "regional_ecosystem",
        True,
        "Firms the cluster referred to another organisation, counted in the year the "
        "referral was completed (§5).",
        derived_from="referrals.referral.completed (the cluster sent it)",
    ),
    # --- resources: budget by source ----------------------------------------------------------
    Indicator(
        "public_base_funding",
        "Offentlig grundfinansiering",
        "Public base funding",
        "dkk",
        "derived",
        "resources",
        False,
        "Public base funding of the organisation in the year. Lower is better: §4.3 asks "
        "for base funding to be phased down as the cluster matures.",
        derived_from="funding.grant.* of kind 'base', pro rata by days in the year",
    ),
    Indicator(
        "public_project_funding",
        "Offentlig projektfinansiering",
        "Public project funding",
        "dkk",
        "derived",
        "resources",
        True,
        "Public project money won in competition, in the year.",
        derived_from="funding.grant.* of kind 'project', pro rata by days in the year",
    ),
    _reported(
        "private_funding",
        "Privat finansiering",
        "Private funding",
        "dkk",
        "resources",
        "Fees, paid services and private co-financing in the year.",
    ),
)

INDICATORS_BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}

#: Which indicator a grant of each kind feeds (funding's ``GrantFacts.kind``).
FUNDING_INDICATOR_BY_GRANT_KIND: dict[str, str] = {
    "base": "public_base_funding",
    "project": "public_project_funding",
}

#: ``(part, whole)``: the part may not exceed the whole in one cluster's year.
PART_OF: tuple[tuple[str, str], ...] = (
    ("participating_firms_under_50", "participating_firms"),
    ("dedicated_firms", "participating_firms"),
)


def indicators_of(
    function: Function, indicators: tuple[Indicator, ...] = INDICATORS
) -> tuple[Indicator, ...]:
    return tuple(i for i in indicators if i.function == function)


# --- validation of a reported year ------------------------------------------------------------

ReportErrorKind = Literal[
    "unknown_indicator",
    "not_reportable",
    "not_a_number",
    "negative_value",
    "not_whole_number",
    "share_out_of_range",
    "exceeds_total",
]


@dataclass(frozen=True, slots=True)
class ReportError:
    """One problem with a reported year; ``kind`` is stable (problem+json ``errors[].kind``)."""

    kind: ReportErrorKind
    indicator: str
    detail: str


def validate_report(
    values: Mapping[str, float | int | None],
    *,
    derived: Mapping[str, float | int | None] | None = None,
) -> list[ReportError]:
    """The problems with a cluster organisation's reported year (empty: valid).

    ``values`` maps indicator codes to numbers; ``None`` means "not reported" and is always
    allowed (missing data stays missing). Checks, in order per code: known code; reportable
    (derived codes are computed from events, never reported); a finite number (not a bool);
    not negative; whole for ``count``; within 0–1 for ``share``. Then the part ≤ whole checks
    (``PART_OF``): fewer than 50 employees ≤ participating firms, dedicated ≤ participating.
    Derived values known for the same cluster and year may be passed as ``derived`` so the
    cross-checks can use them (participating firms is derived from the registry).
    """
    errors: list[ReportError] = []
    for code, value in values.items():
        ind = INDICATORS_BY_CODE.get(code)
        if ind is None:
            errors.append(ReportError("unknown_indicator", code, f"unknown indicator '{code}'."))
            continue
        if ind.source != "reported":
            errors.append(
                ReportError(
                    "not_reportable",
                    code,
                    f"'{code}' is derived from {ind.derived_from}; it cannot be reported.",
                )
            )
            continue
        if value is None:
            continue
        problem = _value_problem(ind, value)
        if problem is not None:
            errors.append(problem)
    if errors:
        return errors
    merged: dict[str, float | int | None] = dict(derived or {})
    merged.update(values)
    for part, whole in PART_OF:
        p, w = merged.get(part), merged.get(whole)
        if p is not None and w is not None and p > w:
            errors.append(
                ReportError(
                    "exceeds_total",
                    part,
                    f"'{part}' ({_num(p)}) exceeds '{whole}' ({_num(w)}).",
                )
            )
    return errors


def _value_problem(ind: Indicator, value: object) -> ReportError | None:
    code = ind.code
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ReportError("not_a_number", code, f"'{code}' must be a finite number.")
    if value < 0:
        return ReportError("negative_value", code, f"'{code}' cannot be negative ({_num(value)}).")
    if ind.unit == "count" and value != int(value):
        return ReportError(
            "not_whole_number", code, f"'{code}' is a count: {_num(value)} is not whole."
        )
    if ind.unit == "share" and value > 1:
        return ReportError(
            "share_out_of_range", code, f"'{code}' is a share between 0 and 1, not {value}."
        )
    return None


def _num(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
