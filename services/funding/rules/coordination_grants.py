"""The coordination checks on who funds a cluster and on what single grants rest. Pure.

- §1 coverage: the parties the responsibility matrix makes primarily responsible for a
  cluster's base funding fund nothing for it while another party carries its base funding.
- §3, §4.1 competition: base funding given without a decided call, on a recorded exemption.
- §4.3 evaluation: a completed evaluation recommends stopping or phasing down a grant, and its
  funder has not acted (terminated, amended, or recorded why not).
- §2 societal tasks: a grant supports a societal task the registry does not find supportable.

Views and rule names: ``rules/coordination_model.py``; ``rules/coordination.py`` ``evaluate``
runs these with the other checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.funding.rules.coordination_model import (
    COVERAGE,
    NO_COMPETITION,
    RECOMMENDATION,
    SOCIETAL_TASK,
    ClusterView,
    Finding,
    GrantView,
    RecommendationView,
    grant_evidence,
    responsibility_evidence,
)

#: Recommendations a funder must answer (§4.3: lose public support, phase it down).
ACT_ON = frozenset({"stop", "phase_down"})


def _overlaps(a: GrantView, b: GrantView) -> bool:
    return a.starts_on <= b.ends_on and b.starts_on <= a.ends_on


def primary_not_funding(c: ClusterView, grants: Sequence[GrantView]) -> list[Finding]:
    """§1: the primary responsibility for a cluster's base funding lies with ``primary``. A
    finding, addressed to the primary parties and to those who carry the base funding, when
    another party gives the cluster base funding while no primary party funds anything for it
    (base or project money) in that period. It resolves when a primary party funds."""
    if not c.primary:
        return []
    live = [g for g in grants if g.active]
    carried = [g for g in live if g.kind == "base" and g.funder_id not in c.primary]
    if not carried:
        return []
    own = [g for g in live if g.funder_id in c.primary]
    if any(_overlaps(p, g) for p in own for g in carried):
        return []
    carriers = sorted({g.funder_id for g in carried})
    carried = sorted(carried, key=lambda g: g.id)
    return [
        Finding(
            COVERAGE,
            c.id,
            tuple(c.primary),
            tuple(dict.fromkeys([*c.primary, *carriers])),
            tuple(g.id for g in carried),
            f"§1: the primary responsibility for {c.label}'s base funding lies with "
            f"{', '.join(c.primary)}, which fund{'s' if len(c.primary) == 1 else ''} nothing "
            f"for it while {', '.join(carriers)} carr{'ies' if len(carriers) == 1 else 'y'} "
            "its base funding ("
            + "; ".join(f"{g.id}: {g.starts_on}–{g.ends_on}" for g in carried)
            + ").",
            {
                "responsibility": responsibility_evidence(c),
                "base_funding": [grant_evidence(g) for g in carried],
                "primary_grants": [grant_evidence(g) for g in sorted(own, key=lambda g: g.id)],
            },
        )
    ]


def base_without_competition(c: ClusterView, grants: Sequence[GrantView]) -> list[Finding]:
    """§3, §4.1: base funding goes through a call (competition, clear criteria); a base grant
    given on a recorded exemption instead is shown to its funder and the cluster's responsible
    parties while it is active."""
    parties = [*c.primary, *c.also]
    return [
        Finding(
            NO_COMPETITION,
            c.id,
            (g.id,),
            tuple(dict.fromkeys([g.funder_id, *parties])),
            (g.id,),
            f"§3, §4.1: {g.funder_id} gives base funding to {c.label} ({g.amount_dkk:,} DKK, "
            f"{g.starts_on}–{g.ends_on}) without a call, on an exemption: "
            f"“{g.exemption_reason}”.",
            {
                "grant": grant_evidence(g),
                "exemption_reason": g.exemption_reason,
                "responsibility": responsibility_evidence(c),
            },
        )
        for g in sorted(grants, key=lambda g: g.id)
        if g.active and g.kind == "base" and g.exemption_reason and not g.call_id
    ]


def recommendation_not_acted_on(
    c: ClusterView, grants: Sequence[GrantView], recommendations: Sequence[RecommendationView]
) -> list[Finding]:
    """§4.3: an evaluation recommended stopping or phasing down a grant; the finding stays
    open, for the grant's funder, until it terminates or amends the grant or records why it
    does not follow the recommendation."""
    by_id = {g.id: g for g in grants}
    out = []
    for r in sorted(recommendations, key=lambda r: r.evaluation_id):
        g = by_id.get(r.grant_id)
        if g is None or not g.active or r.acted or r.recommendation not in ACT_ON:
            continue
        advice = "stopping" if r.recommendation == "stop" else "phasing down"
        out.append(
            Finding(
                RECOMMENDATION,
                c.id,
                (r.evaluation_id,),
                (g.funder_id,),
                (g.id,),
                f"§4.3: the {r.evaluation_kind.replace('_', '-')} evaluation {r.evaluation_id} "
                f"of grant {g.id} to {c.label}, completed {r.completed_on}, recommends "
                f"{advice} it; {g.funder_id} has not terminated or amended the grant nor "
                "recorded why not.",
                {
                    "grant": grant_evidence(g),
                    "recommendation": {
                        "recommendation_id": r.id,
                        "evaluation_id": r.evaluation_id,
                        "kind": r.evaluation_kind,
                        "recommendation": r.recommendation,
                        "completed_on": r.completed_on.isoformat(),
                    },
                },
            )
        )
    return out


def unsupportable_societal_task(
    c: ClusterView, grants: Sequence[GrantView], today: date | None = None
) -> list[Finding]:
    """§2: a societal task may only be supported when its preconditions hold (the registry
    judges it: backing, added value, resources that do not crowd out the core functions). A
    grant that names a task the cluster carries but that is not supportable — or one it no
    longer carries — is a warning until the task becomes supportable or the grant ends
    (terminated, or its period over by ``today``)."""
    tasks = dict(c.societal_tasks)
    out = []
    for g in sorted(grants, key=lambda g: g.id):
        if not g.active or not g.societal_task or tasks.get(g.societal_task):
            continue
        if today is not None and g.ends_on < today:
            continue
        carried = g.societal_task in tasks
        why = (
            "which the registry does not find supportable (its preconditions are not all met)"
            if carried
            else "which the cluster no longer carries"
        )
        out.append(
            Finding(
                SOCIETAL_TASK,
                c.id,
                (g.id,),
                (g.funder_id,),
                (g.id,),
                f"§2: {g.funder_id}'s grant {g.id} to {c.label} ({g.starts_on}–{g.ends_on}) "
                f"supports the societal task '{g.societal_task}', {why}.",
                {
                    "grant": grant_evidence(g),
                    "societal_task": g.societal_task,
                    "carried": carried,
                    "cluster_tasks": [{"task": t, "supportable": s} for t, s in c.societal_tasks],
                },
            )
        )
    return out
