"""§4.3: clusters that perform poorly over a longer period or are no longer relevant.

The paper (§4.3): "klynge og netværk, der over en længere periode performer dårligt eller ikke
længere har relevans, [bør] miste den offentlige støtte". The suite does not withdraw money;
it **flags** the cluster with its evidence and tells the funders (``evaluation.cluster.flagged``).

The rule (``FlagRule``, configurable):

- *Poor performance*: the cluster's composite — the overall composite by default, or one
  function's — is in the **bottom quartile of its league** in ``consecutive`` (default 3)
  consecutive **published** accounts, the latest of them being the account evaluated.
  Bottom quartile means: the composite's mean-rank percentile within the league (see
  ``account``) is ≤ 100 × ``quartile`` (25). With n clusters in a league that is about a
  quarter of them: 1 of 4, 2 of 8, the lower of 2, none in a league of 1 (it sits at 50).
- Consecutive means consecutive calendar years. A year without a published account, or one in
  which the cluster had no composite (missing data, not yet registered), **breaks the run**: a
  flag that may cost a cluster its public support rests only on unbroken evidence, and missing
  data is never read as poor (or good) performance.
- *No longer relevant*: any funder's standing mark is a second, independent reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from services.evaluation.rules.account import OVERALL, Account

FlagReason = Literal["poor_performance", "no_longer_relevant"]


@dataclass(frozen=True, slots=True)
class FlagRule:
    quartile: float = 0.25  # the bottom share of the league, 0–1
    consecutive: int = 3  # published years in a row
    function: str | None = None  # a function's composite; None = the overall composite

    def __post_init__(self) -> None:
        if not 0 < self.quartile < 1:
            raise ValueError("quartile must be between 0 and 1")
        if self.consecutive < 1:
            raise ValueError("consecutive must be at least 1")

    @property
    def composite(self) -> str:
        """The composite key the rule reads (a function or ``overall``)."""
        return self.function or OVERALL

    @property
    def name(self) -> str:
        """A stable id of the rule and its parameters, e.g. ``bottom_25pct_3y_overall``."""
        return f"bottom_{round(self.quartile * 100)}pct_{self.consecutive}y_{self.composite}"

    def describe(self) -> str:
        return (
            f"{self.composite.replace('_', ' ')} composite in the bottom "
            f"{round(self.quartile * 100)} % of its league (percentile ≤ "
            f"{self.quartile * 100:g}) in {self.consecutive} consecutive published accounts"
        )


@dataclass(frozen=True, slots=True)
class Standing:
    """One published account's view of one cluster, for the rule's composite."""

    composite: float | None  # the composite (mean of percentiles); None when missing
    percentile: float | None  # the composite's mean-rank percentile within the league
    league: str | None = None
    league_cut: float | None = None  # highest composite of the league in the bottom share

    def in_bottom(self, rule: FlagRule) -> bool:
        return self.percentile is not None and self.percentile <= rule.quartile * 100


@dataclass(frozen=True, slots=True)
class RelevanceMark:
    """A funder's standing statement that the cluster is no longer relevant (§4.3)."""

    funder_id: str
    marked_on: date
    reason: str


@dataclass(frozen=True, slots=True)
class FlagDecision:
    flagged: bool
    reasons: tuple[FlagReason, ...]
    #: ``FlagRule.name`` when poor performance is a reason, else ``"no_longer_relevant"``.
    rule: str
    account_year: int | None  # the latest published year evaluated
    run_length: int  # bottom-share years in a row ending at ``account_year``
    evidence: dict[str, Any]  # JSON-ready: the window's years, composites and league cuts

    @property
    def newly_flagged(self) -> bool:
        """True in the year the run first reaches the rule's length (emit the event once)."""
        return "poor_performance" in self.reasons and self.run_length == self.evidence.get(
            "consecutive"
        )

    @property
    def reason_text(self) -> str:
        parts = []
        if "poor_performance" in self.reasons:
            parts.append(f"{self.evidence['rule_text']} (to {self.account_year})")
        if "no_longer_relevant" in self.reasons:
            funders = ", ".join(m["funder_id"] for m in self.evidence["no_longer_relevant"])
            parts.append(f"marked no longer relevant by {funders}")
        return "; ".join(parts) if parts else "not flagged"


def standing_from_account(
    account: Account, cluster_id: str, rule: FlagRule = FlagRule()
) -> Standing | None:
    """The cluster's standing in a computed account (None when it is not in the account)."""
    entry = account.clusters.get(cluster_id)
    if entry is None:
        return None
    comp = entry.composites.get(rule.composite)
    cut = account.leagues[entry.league].bottom_cut(rule.composite, rule.quartile)
    if comp is None:  # the account has no such composite (e.g. a function without indicators)
        return Standing(None, None, entry.league, cut)
    return Standing(comp.value, comp.percentile, entry.league, cut)


def evaluate_flag(
    history: Mapping[int, Standing | None],
    rule: FlagRule = FlagRule(),
    *,
    as_of_year: int | None = None,
    marks: Iterable[RelevanceMark] = (),
) -> FlagDecision:
    """Apply ``rule`` to a cluster's published history (year → standing).

    ``history`` holds the cluster's standing in each **published** account; a year that is
    absent or ``None`` is a year without evidence and breaks the run. The run is counted back
    from ``as_of_year`` (default: the latest year in ``history``). ``marks`` are the funders'
    current "no longer relevant" marks.
    """
    marks = tuple(marks)
    year = as_of_year if as_of_year is not None else max(history, default=None)
    run = 0
    if year is not None:
        while (s := history.get(year - run)) is not None and s.in_bottom(rule):
            run += 1
    poor = year is not None and run >= rule.consecutive
    reasons: tuple[FlagReason, ...] = (
        *(("poor_performance",) if poor else ()),
        *(("no_longer_relevant",) if marks else ()),
    )
    window = [] if year is None else list(range(year - rule.consecutive + 1, year + 1))
    evidence: dict[str, Any] = {
        "rule": rule.name,
        "rule_text": rule.describe(),
        "composite": rule.composite,
        "quartile": rule.quartile,
        "consecutive": rule.consecutive,
        "threshold_percentile": rule.quartile * 100,
        "years": [_year_evidence(y, history.get(y), rule) for y in window],
        "no_longer_relevant": [
            {"funder_id": m.funder_id, "marked_on": m.marked_on.isoformat(), "reason": m.reason}
            for m in sorted(marks, key=lambda m: (m.marked_on, m.funder_id))
        ],
    }
    return FlagDecision(
        flagged=bool(reasons),
        reasons=reasons,
        rule=rule.name if poor else ("no_longer_relevant" if marks else rule.name),
        account_year=year,
        run_length=run,
        evidence=evidence,
    )


def _year_evidence(year: int, s: Standing | None, rule: FlagRule) -> dict[str, Any]:
    if s is None:
        # no published account that year, or the cluster was not in it
        return {"year": year, "in_account": False, "in_bottom": False}
    return {
        "year": year,
        "in_account": True,
        "league": s.league,
        "composite": s.composite,
        "percentile": s.percentile,
        "league_cut": s.league_cut,
        "in_bottom": s.in_bottom(rule),
    }


# --- flags withdrawn (§4.3) ------------------------------------------------------------------
#
# A flag says the cluster *should* lose its public support; it stands only while a basis of it
# stands. A "no longer relevant" flag rests on the funders' marks that stood when it was raised:
# when every one of them is withdrawn, the flag is lifted. A poor-performance flag rests on the
# run of bottom-share years: a later published account in which the cluster has a composite
# outside the bottom share lifts it (a later year without evidence — no account, no composite —
# lifts nothing: missing data is never read as good performance either).


def relevance_basis_withdrawn(basis: Iterable[str], withdrawn: Iterable[str]) -> bool:
    """True when every mark a relevance flag rested on is withdrawn."""
    rest = set(basis)
    return bool(rest) and rest <= set(withdrawn)


def performance_basis_withdrawn(later: Standing | None, rule: FlagRule) -> bool:
    """True when a later published account shows the cluster outside the bottom share."""
    return later is not None and later.percentile is not None and not later.in_bottom(rule)
