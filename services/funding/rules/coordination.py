"""The five coordination checks (§1, §3, §4.3): one cluster's grants against the read model.

Pure, no I/O: the service layer (``service/coordination_findings.py``) loads a
:class:`ClusterView`, its grants, the agreements, the evaluation flags and the other clusters,
calls :func:`evaluate`, and upserts the findings by their stable ``key`` (rule + cluster +
what is involved). A grant counts while its status is
``active`` (terminated grants drop out); periods matter where a rule compares them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from services.funding.config import CoordinationConfig

OUTSIDE = "base_funding_outside_responsibility"
OVERLAP = "overlapping_activity_without_agreement"
PARALLEL = "parallel_organisation"
PHASE_DOWN = "base_funding_not_phasing_down"
FLAGGED = "flagged_cluster_still_funded"

#: The paper's section each rule comes from.
SECTIONS: dict[str, str] = {
    OUTSIDE: "§1, §3",
    OVERLAP: "§3",
    PARALLEL: "§3",
    PHASE_DOWN: "§4.3",
    FLAGGED: "§4.3",
}
RULES = tuple(SECTIONS)


@dataclass(frozen=True)
class ClusterView:
    id: str
    league: str
    status: str
    fields: tuple[str, ...] = ()
    primary: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    responsibility_rule: str | None = None
    registered_at: datetime | None = None


@dataclass(frozen=True)
class GrantView:
    id: str
    funder_id: str
    cluster_id: str
    kind: str
    amount_dkk: int
    starts_on: date
    ends_on: date
    activities: tuple[str, ...] = ()
    status: str = "active"
    agreement_id: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


def normalise_activity(activity: str) -> str:
    """Activities compare case-insensitively with whitespace normalised ("Match  making" is
    "match making")."""
    return " ".join(activity.split()).casefold()


@dataclass(frozen=True)
class AgreementView:
    """An agreement *in force* (every named party confirmed, §3); proposals never count."""

    id: str
    kind: str
    party_ids: tuple[str, ...]
    cluster_id: str | None = None
    #: cluster ids any party named (division of labour)
    party_cluster_ids: tuple[str, ...] = ()
    #: activities each party named: ((party_id, (activity, ...)), ...)
    party_activities: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def covers(
        self, cluster_id: str, funders: Iterable[str], activities: Iterable[str] = ()
    ) -> bool:
        """§3: the agreement is on this cluster, names every funder, and the activities its
        parties named include each overlapping activity (case and spacing aside)."""
        funders = tuple(funders)
        in_scope = self.cluster_id == cluster_id or cluster_id in self.party_cluster_ids
        if not in_scope or not all(f in self.party_ids for f in funders):
            return False
        agreed = {
            normalise_activity(a)
            for party, named in self.party_activities
            if party in funders
            for a in named
        }
        return all(normalise_activity(a) in agreed for a in activities)


@dataclass(frozen=True)
class FlagView:
    rule: str
    reason: str
    account_year: int | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    cluster_id: str
    involved: tuple[str, ...]
    funder_ids: tuple[str, ...]
    grant_ids: tuple[str, ...]
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def section(self) -> str:
        return SECTIONS[self.rule]

    @property
    def key(self) -> str:
        """Stable: rule + cluster + the ids involved (hashed only if very long)."""
        raw = ":".join([self.rule, self.cluster_id, *sorted(self.involved)])
        if len(raw) <= 300:
            return raw
        return f"{self.rule}:{self.cluster_id}:" + hashlib.sha256(raw.encode()).hexdigest()


def _grant_evidence(g: GrantView) -> dict[str, Any]:
    return {
        "grant_id": g.id,
        "funder_id": g.funder_id,
        "kind": g.kind,
        "amount_dkk": g.amount_dkk,
        "starts_on": g.starts_on.isoformat(),
        "ends_on": g.ends_on.isoformat(),
        "activities": list(g.activities),
    }


def _responsibility(c: ClusterView) -> dict[str, Any]:
    return {
        "league": c.league,
        "primary": list(c.primary),
        "also": list(c.also),
        "rule": c.responsibility_rule,
    }


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
            f"{g.funder_id} gives base funding to {c.id}, but the responsibility for a "
            f"{c.league} cluster lies with {', '.join(c.primary)}"
            + (f" (also {', '.join(c.also)})" if c.also else "")
            + ".",
            {"grant": _grant_evidence(g), "responsibility": _responsibility(c)},
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
    overlapping activity (activities compared case-insensitively, whitespace normalised)."""
    live = sorted((g for g in grants if g.active), key=lambda g: g.id)
    by_id = {a.id: a for a in agreements}
    out = []
    for i, a in enumerate(live):
        for b in live[i + 1 :]:
            if a.funder_id == b.funder_id:
                continue
            b_activities = {normalise_activity(x) for x in b.activities}
            shared = sorted(x for x in a.activities if normalise_activity(x) in b_activities)
            start, end = max(a.starts_on, b.starts_on), min(a.ends_on, b.ends_on)
            if not shared or end < start:
                continue
            funders = (a.funder_id, b.funder_id)
            candidates = list(agreements) + [
                by_id[x] for x in (a.agreement_id, b.agreement_id) if x in by_id
            ]
            if any(ag.covers(c.id, funders, shared) for ag in candidates):
                continue
            out.append(
                Finding(
                    OVERLAP,
                    c.id,
                    (a.id, b.id),
                    tuple(sorted(funders)),
                    (a.id, b.id),
                    f"{a.funder_id} and {b.funder_id} both pay {', '.join(shared)} at {c.id} "
                    f"from {start} to {end} without an agreement that covers both.",
                    {
                        "grants": [_grant_evidence(a), _grant_evidence(b)],
                        "activities": shared,
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
    """§3: project money to a cluster registered at most ``parallel_years`` before the grant
    starts, in a field an older active cluster already covers."""
    if c.registered_at is None or not c.fields:
        return []
    registered = c.registered_at.date()
    older = [
        o
        for o in others
        if o.id != c.id
        and o.status == "active"
        and o.registered_at is not None
        and o.registered_at < c.registered_at
        and set(o.fields) & set(c.fields)
    ]
    if not older:
        return []
    out = []
    for g in grants:
        if not (g.active and g.kind == "project"):
            continue
        if g.starts_on > _years_after(registered, config.parallel_years):
            continue  # no longer a new organisation when the money starts
        existing = [
            {"cluster_id": o.id, "fields": sorted(set(o.fields) & set(c.fields))}
            for o in sorted(older, key=lambda o: o.id)
        ]
        out.append(
            Finding(
                PARALLEL,
                c.id,
                (g.id,),
                (g.funder_id,),
                (g.id,),
                f"{g.funder_id} gives project money to {c.id}, registered "
                f"{registered}, in a field already covered by "
                f"{', '.join(str(e['cluster_id']) for e in existing)}.",
                {
                    "grant": _grant_evidence(g),
                    "new_cluster": {
                        "cluster_id": c.id,
                        "registered_on": registered.isoformat(),
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
                    f"Base funding for {c.id} does not decrease in {year} "
                    f"({round(now):,} DKK after {round(before):,} DKK in {year - 1}), "
                    f"{year - first + 1} years after it started in {first}.",
                    {
                        "year": year,
                        "first_year": first,
                        "phase_down_years": config.phase_down_years,
                        "yearly_amounts_dkk": {
                            str(y): round(a) for y, a in sorted(amounts.items())
                        },
                        "grants": [_grant_evidence(g) for g in involved],
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
            f"{c.id} was flagged by evaluation ({flags[-1].rule}) and still receives base "
            f"funding from {g.funder_id}.",
            {"grant": _grant_evidence(g), "flags": flag_evidence},
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
    config: CoordinationConfig = CoordinationConfig(),
) -> list[Finding]:
    """Every finding one cluster has now (the five rules, §1, §3, §4.3)."""
    own = [g for g in grants if g.cluster_id == cluster.id]
    return [
        *outside_responsibility(cluster, own),
        *overlapping_without_agreement(cluster, own, agreements),
        *parallel_organisation(cluster, own, others, config),
        *not_phasing_down(cluster, own, config),
        *flagged_still_funded(cluster, own, flags),
    ]
