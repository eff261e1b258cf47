"""Calls (§3, §4.1): who publishes at which scope, who is consulted before a call, which
call is announced to Klyngeforum, the call's states, its dates and its published criteria.
Pure: the service layer turns a ``RuleViolation`` into problem+json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.funding.rules.violations import RuleViolation
from shared.reference import (
    FIVU_RTI,
    GROWTH_FORUMS,
    KL,
    SECTOR_MINISTRIES,
    growth_forum_for_region,
)

Scope = Literal["national", "regional"]
CallState = Literal["planned", "in_dialogue", "open", "closed", "decided", "cancelled"]

#: Organisation kinds that fund clusters, and the scope of their calls (§3): ministries call
#: nationally; growth forums, regions and municipalities regionally.
SCOPE_BY_FUNDER_KIND: dict[str, Scope] = {
    "ministry": "national",
    "growth_forum": "regional",
    "region": "regional",
    "municipality": "regional",
}

#: Allowed moves of a call: the action and the states it may start from.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "open": (frozenset({"planned", "in_dialogue"}), "open"),
    "close": (frozenset({"open"}), "closed"),
    "decide": (frozenset({"closed"}), "decided"),
    "cancel": (frozenset({"planned", "in_dialogue", "open", "closed"}), "cancelled"),
}

# --- scope and dialogue ------------------------------------------------------------------


def scope_for(funder_kind: str, requested: str | None = None) -> Scope:
    """§3: the scope of a call by this kind of funder; a contradicting ``requested`` is
    refused."""
    scope = SCOPE_BY_FUNDER_KIND.get(funder_kind)
    if scope is None:
        raise RuleViolation(
            "not-a-funder",
            f"Organisations of kind '{funder_kind}' do not publish cluster calls.",
        )
    if requested is not None and requested != scope:
        raise RuleViolation(
            "wrong-scope",
            f"A {funder_kind.replace('_', ' ')} publishes {scope} calls, not {requested} ones "
            "(ministries call nationally, growth forums, regions and municipalities regionally).",
        )
    return scope


def home_forum(
    organisation_id: str,
    kind: str,
    region_code: str | None,
    municipality_code: str | None = None,
) -> str | None:
    """§3: the growth forum whose area a regional funder belongs to (Bornholm has its own);
    a regional call does not consult it."""
    if kind == "growth_forum":
        return organisation_id
    if kind in ("region", "municipality") and region_code:
        try:
            return growth_forum_for_region(region_code, municipality_code).id
        except KeyError:
            return None
    return None


def needs_dialogue(*, strategic: bool, kind: str) -> bool:
    """§3 "dialog og åbenhed": strategic calls and base-funding calls are consulted on."""
    return strategic or kind == "base"


def dialogue_parties(scope: str, funder_id: str, funder_forum: str | None = None) -> list[str]:
    """Who is asked before a call is decided (§3).

    National call: every regional growth forum (six, Bornholm included) and KL.
    Regional call: FIVU/RTI and the *other* growth forums (not the funder's own area).
    The funder itself is never asked.
    """
    forums = [f.id for f in GROWTH_FORUMS]
    if scope == "national":
        parties = [*forums, KL.id]
    elif scope == "regional":
        parties = [FIVU_RTI.id, *(f for f in forums if f != funder_forum)]
    else:
        raise ValueError(f"unknown scope {scope!r}")
    return [p for p in parties if p != funder_id]


def strategy_parties() -> tuple[str, ...]:
    """The parties of the strategy (the paper's opening and footnote 2): FIVU/RTI and the
    sector ministries, the six regional growth forums (Bornholm's included), and KL."""
    return (
        FIVU_RTI.id,
        *(m.id for m in SECTOR_MINISTRIES),
        *(f.id for f in GROWTH_FORUMS),
        KL.id,
    )


def strategic_dialogue_parties(funder_id: str, funder_forum: str | None) -> list[str]:
    """§3 "informere og høre hinanden": a strategic call by any party consults every *other*
    party of the strategy — ministries (FIVU/RTI included), growth forums, KL — except the
    funder itself (a region's or municipality's own growth forum counts as itself, as for any
    regional call). The funder may omit a party only by recording why (``omit``)."""
    return [p for p in strategy_parties() if p not in (funder_id, funder_forum)]


def omit(consulted: Sequence[str], omitted: Sequence[str]) -> list[str]:
    """§3: the parties asked after the recorded omissions; only a party the call would consult
    can be omitted."""
    unknown = [p for p in omitted if p not in consulted]
    if unknown:
        raise RuleViolation(
            "not-a-consulted-party",
            f"Only a party this call consults can be omitted ({', '.join(consulted)}); "
            f"not {', '.join(unknown)}.",
            consulted=list(consulted),
        )
    return [p for p in consulted if p not in omitted]


def should_announce(*, strategic: bool, budget_dkk: int, threshold_dkk: int) -> bool:
    """§3: larger calls of special relevance to clusters are announced to Klyngeforum."""
    return strategic or budget_dkk >= threshold_dkk


# --- call states ---------------------------------------------------------------------------


def transition(state: str, action: str) -> str:
    """The state after ``action`` (``TRANSITIONS``); an illegal move names the current state."""
    try:
        allowed_from, target = TRANSITIONS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None
    if state not in allowed_from:
        raise RuleViolation(
            "illegal-transition",
            f"A call in state '{state}' cannot {action}; allowed from: "
            f"{', '.join(sorted(allowed_from))}.",
            current_state=state,
        )
    return target


@dataclass(frozen=True)
class DialogueStatus:
    """How far a call's §3 dialogue has come: who answered, who not, by when."""

    answered: tuple[str, ...]
    unanswered: tuple[str, ...]
    deadline: date | None

    def deadline_passed(self, today: date) -> bool:
        return self.deadline is not None and today > self.deadline

    def complete(self) -> bool:
        return not self.unanswered


def check_can_open(
    *,
    state: str,
    criteria_published: bool,
    dialogue: DialogueStatus | None,
    today: date,
    opens_on: date | None = None,
) -> None:
    """§4.1 clear published criteria and §3 dialogue before a call opens, and not before the
    day it announced it opens (§4.1 competition: every applicant gets the same time)."""
    transition(state, "open")
    if not criteria_published:
        raise RuleViolation(
            "criteria-not-published",
            "The call cannot open before its award criteria are published (§4.1: transparency, "
            "competition and clear criteria). POST …/criteria/publish first.",
        )
    if state == "in_dialogue" and dialogue is not None:
        if not dialogue.complete() and not dialogue.deadline_passed(today):
            raise RuleViolation(
                "dialogue-pending",
                f"The dialogue is still running: {', '.join(dialogue.unanswered)} "
                f"{'has' if len(dialogue.unanswered) == 1 else 'have'} not answered, and the "
                f"deadline {dialogue.deadline} has not passed.",
                unanswered=list(dialogue.unanswered),
                deadline=str(dialogue.deadline),
            )
    if opens_on is not None and today < opens_on:
        raise RuleViolation(
            "call-not-open-yet",
            f"The call opens on {opens_on} as it announced; it cannot open before that "
            f"(today is {today}).",
            opens_on=str(opens_on),
        )


# --- dates and criteria ---------------------------------------------------------------------


def check_call_dates(opens_on: date, closes_on: date, decision_on: date) -> None:
    """§4.1 competition: the call opens, closes, and only then is decided."""
    if closes_on < opens_on:
        raise RuleViolation(
            "invalid-dates", f"The call closes ({closes_on}) before it opens ({opens_on})."
        )
    if decision_on < closes_on:
        raise RuleViolation(
            "invalid-dates",
            f"The decision ({decision_on}) cannot come before the call closes ({closes_on}).",
        )


def check_deadline(deadline: date, today: date) -> None:
    """§3: the parties consulted get a deadline that has not passed yet."""
    if deadline < today:
        raise RuleViolation(
            "invalid-deadline", f"The dialogue deadline {deadline} is in the past ({today})."
        )


def check_criteria(weights: Sequence[float]) -> None:
    """§4.1 clear criteria: at least one, weights in percent adding up to 100."""
    if not weights:
        raise RuleViolation("no-criteria", "Publish at least one award criterion.")
    total = sum(weights)
    if abs(total - 100) > 1e-6:
        raise RuleViolation(
            "criteria-weights", f"The criteria's weights add up to {total:g}, not 100 (percent)."
        )
