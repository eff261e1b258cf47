"""The coordination checks (§1, §2, §3, §4.1, §4.3): one cluster's grants against the read model.

Pure, no I/O: the service layer (``service/coordination_findings.py``) loads a
:class:`ClusterView`, its grants, the agreements, the evaluation flags, the recommendations
and the other clusters, calls :func:`evaluate`, and upserts the findings by their stable
``key`` (rule + cluster + what is involved). A grant counts while its status is ``active``
(terminated grants drop out); periods matter where a rule compares them. The views and the
rule names are in ``rules/coordination_model.py``; the rules on single grants (§1 coverage,
§3/§4.1 exemptions, §4.3 recommendations, §2 societal tasks) in ``rules/coordination_grants.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from services.funding.config import CoordinationConfig
from services.funding.rules.coordination_grants import (
    base_without_competition,
    primary_not_funding,
    recommendation_not_acted_on,
    unsupportable_societal_task,
)
from services.funding.rules.coordination_model import (
    FLAGGED,
    OUTSIDE,
    OVERLAP,
    PARALLEL,
    PHASE_DOWN,
    AgreementView,
    ClusterView,
    Finding,
    FlagView,
    GrantView,
    RecommendationView,
    grant_evidence,
    normalise_activity,
    responsibility_evidence,
)

# --- 1. base funding outside the responsibility matrix (§1, §3) ------------------------------


def outside_responsibility(c: ClusterView, grants: Sequence[GrantView]) -> list[Finding]:
    """§1, §3: base funding only from those the responsibility matrix names (primary or also)."""
    if not c.primary and not c.also:
        return []  # the registry has not computed one yet: nothing to check against
    allowed = set(c.primary) | set(c.also)
    return [
        Finding(
            OUTSIDE,
            c.id,
            (g.id,),
            (g.funder_id,),
            (g.id,),
            f"§1: {g.funder_id} gives base funding to {c.label}, but the responsibility for "
            f"this {c.league} cluster lies with {', '.join(c.primary)}"
            + (f" (also {', '.join(c.also)})" if c.also else "")
            + ".",
            {"grant": grant_evidence(g), "responsibility": responsibility_evidence(c)},
        )
        for g in grants
        if g.active and g.kind == "base" and g.funder_id not in allowed
    ]


# --- 2. two funders paying the same activity in overlapping periods (§3) ---------------------


def overlapping_without_agreement(
    c: ClusterView, grants: Sequence[GrantView], agreements: Sequence[AgreementView]
) -> list[Finding]:
    """§3: two funders paying the same activity of a cluster in overlapping periods need an
    agreement in force (co-financing or division of labour) that covers both funders and the
    overlapping activity (activities compared as one vocabulary: case, spacing, Danish stems,
    the shipped synonyms — ``rules/activities.py``; the finding shows both wordings)."""
    live = sorted((g for g in grants if g.active), key=lambda g: g.id)
    by_id = {a.id: a for a in agreements}
    out = []
    for i, a in enumerate(live):
        for b in live[i + 1 :]:
            if a.funder_id == b.funder_id:
                continue
            b_wordings = {normalise_activity(x): x for x in b.activities}
            wordings = [
                {"activity": key, a.id: x, b.id: b_wordings[key]}
                for x in sorted(a.activities)
                if (key := normalise_activity(x)) in b_wordings
            ]
            shared = [str(w[a.id]) for w in wordings]
            start, end = max(a.starts_on, b.starts_on), min(a.ends_on, b.ends_on)
            if not shared or end < start:
                continue
            funders = (a.funder_id, b.funder_id)
            candidates = list(agreements) + [
                by_id[x] for x in (a.agreement_id, b.agreement_id) if x in by_id
            ]
            if any(ag.covers(c.id, funders, shared) for ag in candidates):
                continue
            said = ", ".join(
                str(w[a.id]) if w[a.id] == w[b.id] else f"{w[a.id]} (“{w[b.id]}” in {b.id})"
                for w in wordings
            )
            out.append(
                Finding(
                    OVERLAP,
                    c.id,
                    (a.id, b.id),
                    tuple(sorted(funders)),
                    (a.id, b.id),
                    f"§3: {a.funder_id} and {b.funder_id} both pay {said} at {c.label} "
                    f"from {start} to {end} without an agreement in force that covers both.",
                    {
                        "grants": [grant_evidence(a), grant_evidence(b)],
                        "activities": shared,
                        "wordings": wordings,
                        "overlap": {"starts_on": start.isoformat(), "ends_on": end.isoformat()},
                    },
                )
            )
    return out


# --- 3. project money building a parallel organisation (§3) ----------------------------------


def _years_after(when: date, years: int) -> date:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when + timedelta(days=365 * years)


def parallel_organisation(
    c: ClusterView,
    grants: Sequence[GrantView],
    others: Sequence[ClusterView],
    config: CoordinationConfig,
) -> list[Finding]:
    """§3: project money to a cluster founded at most ``parallel_years`` before the grant
    starts, in a field an active cluster founded before it already covers.

    "Founded" is the registry's founding date; only where the registry gives none does the
    day it registered the cluster stand in, and the finding says so."""
    began = c.founded()
    if began is None or not c.fields:
        return []
    founded, source = began
    older = [
        (o, theirs)
        for o in others
        if o.id != c.id
        and o.status == "active"
        and (theirs := o.founded()) is not None
        and o.older_than(c)
        and set(o.fields) & set(c.fields)
    ]
    if not older:
        return []
    existing = [
        {
            "cluster_id": o.id,
            "name": o.name,
            "fields": sorted(set(o.fields) & set(c.fields)),
            "founded_on": when.isoformat(),
            "date_from": where,
        }
        for o, (when, where) in sorted(older, key=lambda x: x[0].id)
    ]
    said = (
        f"founded {founded}"
        if source == "founded_on"
        else f"registered {founded} (the registry gives no founding date)"
    )
    out = []
    for g in grants:
        if not (g.active and g.kind == "project"):
            continue
        if g.starts_on > _years_after(founded, config.parallel_years):
            continue  # no longer a new organisation when the money starts
        out.append(
            Finding(
                PARALLEL,
                c.id,
                (g.id,),
                (g.funder_id,),
                (g.id,),
                f"§3: {g.funder_id} gives project money from {g.starts_on} to {c.label}, "
                f"{said}, within {config.parallel_years} years of its start, in a field "
                "already covered by "
                + ", ".join(
                    f"{e['name'] or e['cluster_id']} (founded {e['founded_on']})" for e in existing
                )
                + ".",
                {
                    "grant": grant_evidence(g),
                    "new_cluster": {
                        "cluster_id": c.id,
                        "founded_on": founded.isoformat(),
                        "date_from": source,
                        "fields": list(c.fields),
                    },
                    "existing_clusters": existing,
                    "parallel_years": config.parallel_years,
                },
            )
        )
    return out


# --- 4. base funding not phasing down (§4.3) -------------------------------------------------


def yearly_amounts(grants: Iterable[GrantView]) -> dict[int, float]:
    """Each grant's amount spread over its days, summed per calendar year."""
    years: dict[int, float] = {}
    for g in grants:
        total_days = (g.ends_on - g.starts_on).days + 1
        for year in range(g.starts_on.year, g.ends_on.year + 1):
            start = max(g.starts_on, date(year, 1, 1))
            end = min(g.ends_on, date(year, 12, 31))
            share = g.amount_dkk * ((end - start).days + 1) / total_days
            years[year] = years.get(year, 0.0) + share
    return years


def _days(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def not_phasing_down(
    c: ClusterView, grants: Sequence[GrantView], config: CoordinationConfig
) -> list[Finding]:
    """§4.3: after the first ``phase_down_years`` years of base funding, each year's funding must
    be lower than the year before (compared per day, so leap years do not count)."""
    base = [g for g in grants if g.active and g.kind == "base"]
    amounts = yearly_amounts(base)
    if not amounts:
        return []
    first = min(amounts)
    for year in sorted(amounts):
        if year < first + config.phase_down_years:
            continue
        now, before = amounts[year], amounts.get(year - 1, 0.0)
        if now > 0 and now / _days(year) >= before / _days(year - 1):
            involved = sorted(
                (g for g in base if g.starts_on.year <= year <= g.ends_on.year),
                key=lambda g: g.id,
            )
            return [
                Finding(
                    PHASE_DOWN,
                    c.id,
                    (str(year),),
                    tuple(sorted({g.funder_id for g in involved})),
                    tuple(g.id for g in involved),
                    f"§4.3: base funding for {c.label} does not decrease in {year} "
                    f"({round(now):,} DKK after {round(before):,} DKK in {year - 1}), "
                    f"{year - first + 1} years after it started in {first}.",
                    {
                        "year": year,
                        "first_year": first,
                        "phase_down_years": config.phase_down_years,
                        "yearly_amounts_dkk": {
                            str(y): round(a) for y, a in sorted(amounts.items())
                        },
                        "grants": [grant_evidence(g) for g in involved],
                    },
                )
            ]
    return []


# --- 5. a flagged cluster that still receives base funding (§4.3) ----------------------------


def flagged_still_funded(
    c: ClusterView, grants: Sequence[GrantView], flags: Sequence[FlagView]
) -> list[Finding]:
    """§4.3: a cluster evaluation flagged (poor performance, no longer relevant) that still
    receives base funding."""
    if not flags:
        return []
    flag_evidence = [
        {"rule": f.rule, "reason": f.reason, "account_year": f.account_year} for f in flags
    ]
    return [
        Finding(
            FLAGGED,
            c.id,
            (g.id,),
            (g.funder_id,),
            (g.id,),
            f"§4.3: {c.label} was flagged by evaluation ({flags[-1].rule}) and still receives base "
            f"funding from {g.funder_id}.",
            {"grant": grant_evidence(g), "flags": flag_evidence},
        )
        for g in grants
        if g.active and g.kind == "base"
    ]


def evaluate(
    cluster: ClusterView,
    grants: Sequence[GrantView],
    *,
    agreements: Sequence[AgreementView] = (),
    flags: Sequence[FlagView] = (),
    others: Sequence[ClusterView] = (),
    recommendations: Sequence[RecommendationView] = (),
    today: date | None = None,
    config: CoordinationConfig = CoordinationConfig(),
) -> list[Finding]:
    """Every finding one cluster has now (the nine rules, §1, §2, §3, §4.1, §4.3)."""
    own = [g for g in grants if g.cluster_id == cluster.id]
    return [
        *outside_responsibility(cluster, own),
        *overlapping_without_agreement(cluster, own, agreements),
        *parallel_organisation(cluster, own, others, config),
        *not_phasing_down(cluster, own, config),
        *flagged_still_funded(cluster, own, flags),
        *primary_not_funding(cluster, own),
        *base_without_competition(cluster, own),
        *recommendation_not_acted_on(cluster, own, recommendations),
        *unsupportable_societal_task(cluster, own, today),
    ]
