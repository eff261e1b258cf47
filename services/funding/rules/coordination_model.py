"""What the coordination checks (§1, §2, §3, §4.1, §4.3) look at and what they find. Pure.

The service layer (``service/coordination_findings.py``) builds these views from funding's
tables and read models; ``rules/coordination.py`` and ``rules/coordination_grants.py`` turn
them into :class:`Finding` values, upserted by their stable ``key``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.funding.rules.activities import activity_key

OUTSIDE = "base_funding_outside_responsibility"
OVERLAP = "overlapping_activity_without_agreement"
PARALLEL = "parallel_organisation"
PHASE_DOWN = "base_funding_not_phasing_down"
FLAGGED = "flagged_cluster_still_funded"
COVERAGE = "primary_party_not_funding"
NO_COMPETITION = "base_funding_without_competition"
RECOMMENDATION = "evaluation_recommendation_not_acted_on"
SOCIETAL_TASK = "unsupportable_societal_task"

#: The paper's section each rule comes from.
SECTIONS: dict[str, str] = {
    OUTSIDE: "§1, §3",
    OVERLAP: "§3",
    PARALLEL: "§3",
    PHASE_DOWN: "§4.3",
    FLAGGED: "§4.3",
    COVERAGE: "§1",
    NO_COMPETITION: "§3, §4.1",
    RECOMMENDATION: "§4.3",
    SOCIETAL_TASK: "§2",
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
    #: the registry's founding date; ``registered_at`` stands in only where it is not known
    founded_on: date | None = None
    #: §2 societal tasks: ((task, supportable), ...)
    societal_tasks: tuple[tuple[str, bool], ...] = ()
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id

    def founded(self) -> tuple[date, str] | None:
        """When the organisation began and where that date comes from (§3): its founding
        date, else the day the registry registered it."""
        if self.founded_on is not None:
            return self.founded_on, "founded_on"
        if self.registered_at is not None:
            return self.registered_at.date(), "registered_at"
        return None

    def older_than(self, other: ClusterView) -> bool:
        """Began before ``other`` (§3): by founding date (the registration day where none is
        given); on the same day, the one the registry registered first."""
        mine, theirs = self.founded(), other.founded()
        if mine is None or theirs is None:
            return False
        if mine[0] != theirs[0]:
            return mine[0] < theirs[0]
        return (
            self.registered_at is not None
            and other.registered_at is not None
            and self.registered_at < other.registered_at
        )


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
    call_id: str | None = None
    exemption_reason: str | None = None
    societal_task: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


def normalise_activity(activity: str) -> str:
    """What an activity compares as (``rules/activities.py``): case, spacing, Danish stems and
    the shipped synonyms ("Match  making" is "matchmaking")."""
    return activity_key(activity)


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
        parties named include each overlapping activity (as one vocabulary)."""
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
class RecommendationView:
    """An evaluation's recommendation on a grant (§4.3) and whether the funder acted on it
    (``acted``: terminated, amended or kept with a recorded reason)."""

    id: str
    grant_id: str
    evaluation_id: str
    evaluation_kind: str
    recommendation: str
    completed_on: date
    acted: str | None = None


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


def grant_evidence(g: GrantView) -> dict[str, Any]:
    return {
        "grant_id": g.id,
        "funder_id": g.funder_id,
        "kind": g.kind,
        "amount_dkk": g.amount_dkk,
        "starts_on": g.starts_on.isoformat(),
        "ends_on": g.ends_on.isoformat(),
        "activities": list(g.activities),
    }


def responsibility_evidence(c: ClusterView) -> dict[str, Any]:
    return {
        "league": c.league,
        "primary": list(c.primary),
        "also": list(c.also),
        "rule": c.responsibility_rule,
    }
