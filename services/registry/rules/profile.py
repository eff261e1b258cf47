"""Members, triple helix, SME share and profile warnings (§2, §4.5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.reference import region_of_municipality

# --- Members, profile and warnings (§2 triple helix; ECCP-style profile checks) -----------

MEMBER_KINDS = ("firm", "knowledge_institution", "education_institution", "public_actor")
#: Which helix of the triple helix each member kind belongs to.
HELIX_OF_KIND = {
    "firm": "industry",
    "knowledge_institution": "knowledge",
    "education_institution": "knowledge",
    "public_actor": "public",
}
SME_LIMIT = 250
SMALL_LIMIT = 50


@dataclass(frozen=True)
class MemberFacts:
    kind: str
    municipality_code: str | None
    employees: int | None


@dataclass(frozen=True)
class MemberProfile:
    total: int
    by_kind: dict[str, int]
    firms_with_size: int
    sme_share: float | None  # firms with < 250 employees, of firms whose size is known
    small_share: float | None  # firms with < 50 employees, of firms whose size is known
    helix_kinds: tuple[str, ...]
    triple_helix: bool
    top_region_code: str | None
    top_region_share: float | None


def member_profile(members: Iterable[MemberFacts]) -> MemberProfile:
    by_kind = dict.fromkeys(MEMBER_KINDS, 0)
    sizes: list[int] = []
    regions: dict[str, int] = {}
    total = 0
    for m in members:
        total += 1
        by_kind[m.kind] = by_kind.get(m.kind, 0) + 1
        if m.kind == "firm" and m.employees is not None:
            sizes.append(m.employees)
        if m.municipality_code:
            region = region_of_municipality(m.municipality_code)
            regions[region] = regions.get(region, 0) + 1
    helix = tuple(
        sorted({HELIX_OF_KIND[k] for k, n in by_kind.items() if n and k in HELIX_OF_KIND})
    )
    located = sum(regions.values())
    top = min(regions.items(), key=lambda kv: (-kv[1], kv[0])) if regions else None
    return MemberProfile(
        total=total,
        by_kind=by_kind,
        firms_with_size=len(sizes),
        sme_share=sum(1 for s in sizes if s < SME_LIMIT) / len(sizes) if sizes else None,
        small_share=sum(1 for s in sizes if s < SMALL_LIMIT) / len(sizes) if sizes else None,
        helix_kinds=helix,
        triple_helix=len(helix) == 3,
        top_region_code=top[0] if top else None,
        top_region_share=top[1] / located if top else None,
    )


@dataclass(frozen=True)
class ProfileWarning:
    code: str
    message: str


@dataclass(frozen=True)
class ProfileThresholds:
    min_members: int = 15
    min_helix_kinds: int = 2


def profile_warnings(
    profile: MemberProfile,
    *,
    fields: Iterable[str],
    obligations_declared: bool,
    label_valid_until: date | None,
    today: date,
    unsupportable_tasks: Iterable[str] = (),
    thresholds: ProfileThresholds = ProfileThresholds(),
) -> list[ProfileWarning]:
    """Completeness warnings in the spirit of the ECCP profile checks — never refusals."""
    out: list[ProfileWarning] = []
    if profile.total < thresholds.min_members:
        out.append(
            ProfileWarning(
                "few_members",
                f"{profile.total} member(s) registered; a cluster profile is expected to show at "
                f"least {thresholds.min_members}.",
            )
        )
    if len(profile.helix_kinds) < thresholds.min_helix_kinds:
        have = ", ".join(profile.helix_kinds) or "none"
        out.append(
            ProfileWarning(
                "narrow_helix",
                f"members cover {len(profile.helix_kinds)} helix kind(s) ({have}); at least "
                f"{thresholds.min_helix_kinds} of industry, knowledge and public are expected.",
            )
        )
    if profile.by_kind.get("firm") and profile.firms_with_size == 0:
        out.append(
            ProfileWarning(
                "firm_sizes_unknown",
                "no member firm has its number of employees; SME share unknown.",
            )
        )
    if not list(fields):
        out.append(ProfileWarning("no_fields", "no field of strength is recorded."))
    if not obligations_declared:
        out.append(
            ProfileWarning(
                "obligations_not_declared",
                "the §4.5 obligations (neutral platform, open access, no lobbying) are "
                "not declared.",
            )
        )
    if label_valid_until is not None and label_valid_until < today:
        out.append(
            ProfileWarning("label_expired", f"the quality label expired on {label_valid_until}.")
        )
    for task in unsupportable_tasks:
        out.append(
            ProfileWarning(
                "task_not_supportable",
                f"societal task '{task}' lacks a §2 precondition and cannot be supported.",
            )
        )
    return out


def task_supportable(
    backing_of_central_actors: bool,
    added_value_in_coordination: bool,
    resources_without_crowding_out: bool,
) -> bool:
    """§2: a societal task is supported only when all three preconditions hold."""
    return (
        backing_of_central_actors and added_value_in_coordination and resources_without_crowding_out
    )


def obligations_declared(obligations: dict[str, bool] | None) -> bool:
    """§4.5: all three obligations must be declared to count."""
    keys = ("neutral_platform", "open_access", "no_lobbying")
    return bool(obligations) and all(obligations.get(k) is True for k in keys)  # type: ignore[union-attr]
