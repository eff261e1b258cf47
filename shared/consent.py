"""Consent of every party concerned: the one state machine behind the registry's §1
responsibility exceptions and funding's §3 coordinated-financing agreements. Pure.

§1 calls the paper's division of roles "vejledende og fleksibel": the parties may agree
another arrangement, and it binds only once every party it concerns has agreed. §3 asks the
funders to coordinate their financing by agreement (dividing the clusters between them, or
co-financing one). Both are kept the same way::

    proposed ──every party confirmed──▶ in_force ──a party withdraws──▶ withdrawn
       ├──a party declines──▶ declined
       └──a party withdraws──▶ withdrawn

- One party *proposes*; its own answer is a confirmation, every other party's is awaited
  (``pending``). With every party confirmed the arrangement is in force (a proposal naming
  only its proposer is in force at once).
- ``confirm`` and ``decline`` are open while the arrangement is proposed, ``withdraw`` while it
  is proposed or in force. Declined and withdrawn are final. A service may end an arrangement
  in a state of its own (the registry's ``superseded``); no step is open there.
- Each party's answer is recorded: ``pending``, ``confirmed``, ``declined``, ``withdrawn``, or
  ``migrated`` (in force before consent was recorded; counts as a confirmation).
- Someone who is not a party is refused (:class:`shared.refusal.Refusal`, 403) naming who may
  act; a step the state does not allow — or, where answers are final, a second answer — is a
  :class:`Conflict` (409). ``shared.errors`` answers both as problem+json.

A service describes its arrangement with :class:`Terms`: its noun, the rule names and problem
kinds its API has always used, and whether a party's answer is final while the proposal is
open (funding: a party answers once; registry: a party may confirm again, or decline after
confirming, until the exception is in force).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.refusal import Refusal

# --- states, answers, steps ---------------------------------------------------------------------

PROPOSED = "proposed"
IN_FORCE = "in_force"
DECLINED = "declined"
WITHDRAWN = "withdrawn"
STATES = (PROPOSED, IN_FORCE, DECLINED, WITHDRAWN)

PENDING = "pending"
CONFIRMED = "confirmed"
MIGRATED = "migrated"
#: A party's answer (``declined`` and ``withdrawn`` are named like the states they lead to).
ANSWERS = (PENDING, CONFIRMED, DECLINED, WITHDRAWN, MIGRATED)
#: Answers that count as consent.
AGREEING = frozenset({CONFIRMED, MIGRATED})

PROPOSE = "propose"
CONFIRM = "confirm"
DECLINE = "decline"
WITHDRAW = "withdraw"
STEPS = (PROPOSE, CONFIRM, DECLINE, WITHDRAW)
#: The answer a party records with each step.
ANSWER_OF = {CONFIRM: CONFIRMED, DECLINE: DECLINED, WITHDRAW: WITHDRAWN}
#: The states each step is open in.
OPEN_IN: dict[str, tuple[str, ...]] = {
    CONFIRM: (PROPOSED,),
    DECLINE: (PROPOSED,),
    WITHDRAW: (PROPOSED, IN_FORCE),
}
_DONE = {PROPOSE: "proposed", CONFIRM: "confirmed", DECLINE: "declined", WITHDRAW: "withdrawn"}

#: The problem kind of a refusal: the caller is not a party.
NOT_A_PARTY = "not-a-party"

#: Every party's answer by party id, in the order the parties are listed.
Answers = Mapping[str, str]


class Conflict(ValueError):
    """409: the step is not open in the arrangement's state, or the party has answered."""

    STATUS = 409

    def __init__(self, kind: str, detail: str, *, state: str, state_member: str = "state"):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.state = state
        self.state_member = state_member

    def problem_fields(self) -> dict[str, Any]:
        """The members of the problem+json body beyond type, title, status and detail."""
        return {self.state_member: self.state}


@dataclass(frozen=True)
class Terms:
    """How a service words the consent it keeps; rule names and problem kinds are part of its
    API, so each service keeps its own."""

    #: "agreement", "exception"
    noun: str
    #: Who the parties are, for a refusal: "the named parties".
    parties: str
    #: The rule a refusal names, per step.
    rules: Mapping[str, str]
    #: The 409 problem kind, per answering step (confirm, decline, withdraw).
    conflicts: Mapping[str, str]
    #: The paragraph of the paper a refusal cites.
    paragraph: str | None = None
    #: The problem member that names the current state in a 409.
    state_member: str = "state"
    #: A party answers a proposal once (it may still withdraw); otherwise it may confirm again,
    #: or decline after confirming, while the proposal is open.
    answers_final: bool = True


@dataclass(frozen=True)
class Outcome:
    """What a step leaves: the state and every party's answer after it."""

    #: The state before the step (``None`` for a proposal).
    before: str | None
    state: str
    answers: dict[str, str]
    party: str
    #: The answer ``party`` holds now.
    answer: str
    #: False when the party only repeated the answer it had given.
    changed: bool

    @property
    def waiting_for(self) -> list[str]:
        return waiting_for(self.answers)

    @property
    def came_into_force(self) -> bool:
        return self.state == IN_FORCE and self.before != IN_FORCE


# --- the rule -----------------------------------------------------------------------------------


def waiting_for(answers: Answers) -> list[str]:
    """The parties whose answer is still awaited."""
    return [p for p, a in answers.items() if a == PENDING]


def confirmed_by(answers: Answers) -> list[str]:
    """The parties that consented (confirmed, or in force before consent was recorded)."""
    return [p for p, a in answers.items() if a in AGREEING]


def state_after(answers: Answers) -> str:
    """Declined if any party declined, withdrawn if any withdrew, in force once every party
    consented, else still proposed."""
    given = set(answers.values())
    if DECLINED in given:
        return DECLINED
    if WITHDRAWN in given:
        return WITHDRAWN
    if given <= AGREEING:
        return IN_FORCE
    return PROPOSED


def may_act(answers: Answers, step: str, terms: Terms) -> list[str]:
    """Who may take ``step``: every party; for confirm and decline, where answers are final,
    only the parties still awaited."""
    if terms.answers_final and step in (CONFIRM, DECLINE):
        return waiting_for(answers)
    return list(answers)


def require_party(answers: Answers, party: str, step: str, terms: Terms) -> None:
    """Refuse (403) ``party`` unless it is one of the parties."""
    if party in answers:
        return
    who = may_act(answers, step, terms)
    raise Refusal(
        NOT_A_PARTY,
        terms.rules[step],
        f"Only {terms.parties} may {step} this {terms.noun}: {', '.join(answers)}. You act "
        f"as {party}.",
        may_act=who,
        paragraph=terms.paragraph,
    )


def propose(parties: Iterable[str], proposer: str, terms: Terms) -> Outcome:
    """The proposer (one of the parties) confirms; every other party is awaited."""
    named = list(dict.fromkeys(parties))
    require_party(dict.fromkeys(named, PENDING), proposer, PROPOSE, terms)
    answers = {p: CONFIRMED if p == proposer else PENDING for p in named}
    return Outcome(None, state_after(answers), answers, proposer, CONFIRMED, True)


def answer(state: str, answers: Answers, party: str, step: str, terms: Terms) -> Outcome:
    """``party`` confirms, declines or withdraws an arrangement in ``state``: the state and
    answers after it. Refusal (403) when it is not a party; Conflict (409) when the step is
    not open in ``state`` or, where answers are final, the party has answered already."""
    require_party(answers, party, step, terms)
    given = answers[party]
    open_in = OPEN_IN[step]
    if state not in open_in:
        raise Conflict(
            terms.conflicts[step],
            f"The {terms.noun} is {state}; it is {_DONE[step]} only while {' or '.join(open_in)}.",
            state=state,
            state_member=terms.state_member,
        )
    if terms.answers_final and step != WITHDRAW and given != PENDING:
        raise Conflict(
            terms.conflicts[step],
            f"The {terms.noun} is {state} and your answer is {given}; only a party whose "
            "answer is pending confirms or declines.",
            state=state,
            state_member=terms.state_member,
        )
    new = ANSWER_OF[step]
    after = {**answers, party: new}
    if step == CONFIRM:
        now = state_after(after)
    else:
        now = DECLINED if step == DECLINE else WITHDRAWN
    return Outcome(state, now, after, party, new, given != new)
