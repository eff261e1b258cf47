"""Members, triple helix, SME share and profile warnings (§2, §4.5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    unsupportable_tasks: Mapping[str, Sequence[str]] | Iterable[str] = (),
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
    gaps_of = unsupportable_tasks if isinstance(unsupportable_tasks, Mapping) else None
    for task in unsupportable_tasks:
        gaps = list(gaps_of[task]) if gaps_of is not None else []
        why = "; ".join(GAP_TEXT.get(g, g) for g in gaps) or "a §2 precondition does not hold"
        out.append(
            ProfileWarning(
                "task_not_supportable",
                f"societal task '{task}' cannot be supported (§2): {why}.",
            )
        )
    return out


# --- societal tasks (§2) ----------------------------------------------------------------------

#: §2 "de to kernefunktioner": bridge builder between firms and knowledge institutions, and
#: actor in the regional business ecosystem.
CORE_FUNCTIONS = ("bridge_builder", "regional_ecosystem")

#: What each gap of :func:`task_gaps` means, for messages.
GAP_TEXT = {
    "backing_of_central_actors": "no backing from the central actors",
    "added_value_in_coordination": "no added value in coordination with the central actors",
    "resources_without_crowding_out": "the resources would crowd out the core functions",
    "core_function": "the cluster carries no core function (bridge builder or regional "
    "ecosystem actor) beside which the task could be carried",
}


def task_gaps(
    backing_of_central_actors: bool,
    added_value_in_coordination: bool,
    resources_without_crowding_out: bool,
    functions: Iterable[str],
) -> tuple[str, ...]:
    """§2: what keeps a societal task from being supported, in the paper's order (empty: it
    may be supported).

    The paper lets clusters take on societal tasks "udover de to hovedfunktioner" and only
    when "klyngens indsats skal være forenelig med varetagelsen af de to kernefunktioner":
    backing from the central actors, added value in close coordination with them, resources
    that do not crowd out the core functions — and so a cluster that carries no core function
    at all has nothing for a societal task to be carried beside (``core_function``).
    """
    gaps: list[str] = []
    if not backing_of_central_actors:
        gaps.append("backing_of_central_actors")
    if not added_value_in_coordination:
        gaps.append("added_value_in_coordination")
    if not resources_without_crowding_out:
        gaps.append("resources_without_crowding_out")
    if not set(functions) & set(CORE_FUNCTIONS):
        gaps.append("core_function")
    return tuple(gaps)


def task_supportable(
    backing_of_central_actors: bool,
    added_value_in_coordination: bool,
    resources_without_crowding_out: bool,
    functions: Iterable[str],
) -> bool:
    """§2: a societal task is supported only when all three preconditions hold and the
    cluster carries at least one core function (:func:`task_gaps`)."""
    return not task_gaps(
        backing_of_central_actors,
        added_value_in_coordination,
        resources_without_crowding_out,
        functions,
    )


def obligations_declared(obligations: dict[str, bool] | None) -> bool:
    """§4.5: all three obligations must be declared to count."""
    keys = ("neutral_platform", "open_access", "no_lobbying")
    return bool(obligations) and all(obligations.get(k) is True for k in keys)  # type: ignore[union-attr]
