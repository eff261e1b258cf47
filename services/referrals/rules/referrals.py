"""The closed loop of a referral (§5): states, who owns each, what may follow, the clocks.

A referral is a promise between two organisations about a firm. Business-support referrals
are a "black hole" today — the sender never learns what happened — so every state has an
**owner** who must act within a number of working days, and every change is reported back::

    requested ──accept──▶ accepted ──start──▶ in_progress ──complete(outcome)──▶ completed
        │                                          └────────fail(reason)───────▶ failed
        ├──reject(reason)──▶ rejected
        └──cancel (sender)──▶ cancelled

The recipient owns ``requested``, ``accepted`` and ``in_progress`` (it must answer, start and
close); the final states have no owner. Only the sender cancels, and only before an answer.
Which party may take a step is ``rules/authority.py`` (``check_referral_step``); this module
says which state allows it (``check_state``).

Pure: no I/O, no framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from services.referrals.rules.working_days import deadline

State = Literal[
    "requested", "accepted", "rejected", "cancelled", "in_progress", "completed", "failed"
]
STATES: tuple[str, ...] = get_args(State)
Action = Literal["accept", "reject", "cancel", "start", "complete", "fail"]
ACTIONS: tuple[str, ...] = get_args(Action)
Role = Literal["sender", "recipient"]

OPEN_STATES: frozenset[str] = frozenset({"requested", "accepted", "in_progress"})
FINAL_STATES: frozenset[str] = frozenset(STATES) - OPEN_STATES

#: Coarse outcome of a completed referral: counted, never free text (the event carries it).
OUTCOME_CATEGORIES: dict[str, tuple[str, str]] = {
    "advice_given": ("Rådgivning givet", "Advice given"),
    "project_started": ("Projekt startet", "Project started"),
    "joined_cluster": ("Optaget i klyngen", "Joined the cluster"),
    "referred_on": ("Henvist videre", "Referred on"),
    "other": ("Andet", "Other"),
}
OutcomeCategory = Literal[
    "advice_given", "project_started", "joined_cluster", "referred_on", "other"
]
assert set(get_args(OutcomeCategory)) == set(OUTCOME_CATEGORIES)


@dataclass(frozen=True)
class Transition:
    action: str
    from_state: str
    to_state: str
    #: who may take it
    by: Role
    #: the event it sends, and to whom it is addressed
    event: str
    notify: Role
    #: a reason (reject, fail) or an outcome (complete) must be given
    needs: Literal["reason", "outcome"] | None = None


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "accept", "requested", "accepted", "recipient", "referrals.referral.accepted", "sender"
        ),
        Transition(
            "reject",
            "requested",
            "rejected",
            "recipient",
            "referrals.referral.rejected",
            "sender",
            "reason",
        ),
        Transition(
            "cancel",
            "requested",
            "cancelled",
            "sender",
            "referrals.referral.cancelled",
            "recipient",
        ),
        Transition(
            "start", "accepted", "in_progress", "recipient", "referrals.referral.started", "sender"
        ),
        Transition(
            "complete",
            "in_progress",
            "completed",
            "recipient",
            "referrals.referral.completed",
            "sender",
            "outcome",
        ),
        Transition(
            "fail",
            "in_progress",
            "failed",
            "recipient",
            "referrals.referral.failed",
            "sender",
            "reason",
        ),
    )
}
assert set(TRANSITIONS) == set(ACTIONS)


def owner(state: str) -> Role | None:
    """Who must act in ``state``: the recipient while the referral is open, nobody after."""
    return "recipient" if state in OPEN_STATES else None


def allowed_actions(state: str, role: Role | None = None) -> list[str]:
    """The actions possible from ``state`` (for ``role`` only, if given), in a fixed order."""
    return [
        a
        for a, t in TRANSITIONS.items()
        if t.from_state == state and (role is None or t.by == role)
    ]


class TransitionRefused(Exception):
    """A change the rules do not allow; ``status`` is the HTTP answer it maps to."""

    def __init__(self, status: int, kind: str, detail: str, allowed: list[str]) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.allowed = allowed


def role_of(organisation_id: str, sender_id: str, recipient_id: str) -> Role | None:
    """The part ``organisation_id`` plays in a referral (None: it is not involved)."""
    if organisation_id == recipient_id:
        return "recipient"
    if organisation_id == sender_id:
        return "sender"
    return None


def transition_for(action: str) -> Transition:
    """The transition named ``action`` (404 ``unknown-action`` if there is none)."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionRefused(
            404, "unknown-action", f"No action '{action[:40]}'; actions: {', '.join(ACTIONS)}.", []
        )
    return t


def check_state(action: str, state: str) -> Transition:
    """409 ``transition-not-allowed`` when the current state does not allow ``action``,
    naming what the current state does allow (and by whom)."""
    t = transition_for(action)
    if t.from_state != state:
        allowed = allowed_actions(state)
        if allowed:
            now_allows = "it now allows " + ", ".join(
                f"{a} (by the {TRANSITIONS[a].by})" for a in allowed
            )
        else:
            now_allows = "it is closed and allows no further change"
        raise TransitionRefused(
            409,
            "transition-not-allowed",
            f"'{action}' is possible only while a referral is {t.from_state}; this one is "
            f"{state}, and {now_allows}.",
            allowed,
        )
    return t


@dataclass(frozen=True)
class ClockDays:
    """Working days the owner of each open state has (service settings)."""

    answer: int
    start: int
    close: int

    def for_state(self, state: str) -> int | None:
        return {"requested": self.answer, "accepted": self.start, "in_progress": self.close}.get(
            state
        )


def due_at(state: str, since: datetime, days: ClockDays) -> datetime | None:
    """When the owner of ``state``, entered at ``since``, must have acted (None: final)."""
    n = days.for_state(state)
    return None if n is None else deadline(since, n)


@dataclass(frozen=True)
class Times:
    state_changed_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None


def times_after(
    to_state: str, now: datetime, answered_at: datetime | None, days: ClockDays
) -> Times:
    """The referral's clock fields after entering ``to_state`` at ``now``: the first answer
    (accept or reject; a cancellation is no answer) sets ``answered_at``, a final state sets
    ``closed_at``, and ``due_at`` becomes the new state's deadline."""
    answered = answered_at
    if answered is None and to_state in ("accepted", "rejected"):
        answered = now
    return Times(
        state_changed_at=now,
        answered_at=answered,
        closed_at=now if to_state in FINAL_STATES else None,
        due_at=due_at(to_state, now, days),
    )


def is_overdue(state: str, due: datetime | None, now: datetime) -> bool:
    """The owner has not acted in time."""
    return state in OPEN_STATES and due is not None and due < now


def crosses(
    firm_municipality: str,
    firm_region: str,
    recipient_municipality: str | None,
    recipient_region: str | None,
) -> tuple[bool, bool]:
    """(cross_municipality, cross_region), judged from where the firm is to where the
    receiving organisation is (§5: refer across borders when the best offer is elsewhere).
    Where the recipient's place is unknown, the referral is not counted as crossing."""
    return (
        recipient_municipality is not None and firm_municipality != recipient_municipality,
        recipient_region is not None and firm_region != recipient_region,
    )
