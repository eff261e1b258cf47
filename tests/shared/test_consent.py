"""Consent of every party concerned (shared.consent, §1 "vejledende og fleksibel", §3): the one
state machine of the registry's responsibility exceptions and funding's agreements."""

from __future__ import annotations

import pytest

from shared import consent
from shared.consent import (
    CONFIRM,
    DECLINE,
    IN_FORCE,
    PROPOSED,
    WITHDRAW,
    Conflict,
    Terms,
)
from shared.refusal import Refusal

STEPS = dict.fromkeys(consent.STEPS, "by-a-party")
#: A party answers once (funding's agreements).
ONCE = Terms(
    noun="agreement",
    parties="the named parties",
    rules=STEPS | {WITHDRAW: "withdrawn-by-a-party"},
    conflicts={CONFIRM: "not-pending", DECLINE: "not-pending", WITHDRAW: "not-withdrawable"},
    state_member="current_state",
)
#: A party may confirm again, or decline after confirming (the registry's exceptions).
OPEN = Terms(
    noun="exception",
    parties="a concerned party",
    rules=STEPS,
    conflicts=dict.fromkeys(consent.STEPS, "exception-not-open"),
    paragraph="§1",
    answers_final=False,
)


def test_a_proposal_is_in_force_once_every_party_confirmed() -> None:
    proposal = consent.propose(["a", "b", "c", "a"], "a", ONCE)
    assert proposal.state == PROPOSED and proposal.before is None
    assert proposal.answers == {"a": "confirmed", "b": "pending", "c": "pending"}
    assert proposal.waiting_for == ["b", "c"] and not proposal.came_into_force

    b = consent.answer(PROPOSED, proposal.answers, "b", CONFIRM, ONCE)
    assert (b.state, b.answer, b.changed, b.waiting_for) == (PROPOSED, "confirmed", True, ["c"])
    c = consent.answer(b.state, b.answers, "c", CONFIRM, ONCE)
    assert c.state == IN_FORCE and c.came_into_force and c.waiting_for == []
    assert consent.confirmed_by(c.answers) == ["a", "b", "c"]

    # any party withdraws it; it stays withdrawn
    ended = consent.answer(IN_FORCE, c.answers, "b", WITHDRAW, ONCE)
    assert (ended.before, ended.state, ended.answers["b"]) == (IN_FORCE, "withdrawn", "withdrawn")
    assert not ended.came_into_force


def test_a_proposal_naming_only_its_proposer_is_in_force_at_once() -> None:
    alone = consent.propose(["a"], "a", OPEN)
    assert alone.state == IN_FORCE and alone.came_into_force


def test_one_decline_ends_a_proposal() -> None:
    answers = consent.propose(["a", "b", "c"], "a", ONCE).answers
    declined = consent.answer(PROPOSED, answers, "c", DECLINE, ONCE)
    assert declined.state == "declined" and declined.waiting_for == ["b"]
    with pytest.raises(Conflict) as late:
        consent.answer("declined", declined.answers, "b", CONFIRM, ONCE)
    assert late.value.kind == "not-pending"
    assert late.value.problem_fields() == {"current_state": "declined"}


def test_someone_not_named_is_refused_naming_who_may_act() -> None:
    answers = {"a": "confirmed", "b": "pending", "c": "pending"}
    with pytest.raises(Refusal) as refused:
        consent.answer(PROPOSED, answers, "x", CONFIRM, ONCE)
    assert (refused.value.kind, refused.value.rule) == ("not-a-party", "by-a-party")
    assert refused.value.may_act == ("b", "c")  # answers are final: only those awaited
    with pytest.raises(Refusal) as withdraw:
        consent.answer(PROPOSED, answers, "x", WITHDRAW, ONCE)
    assert withdraw.value.rule == "withdrawn-by-a-party"
    assert withdraw.value.may_act == ("a", "b", "c")
    with pytest.raises(Refusal) as propose:
        consent.propose(["a", "b"], "x", OPEN)
    assert propose.value.may_act == ("a", "b") and propose.value.paragraph == "§1"
    with pytest.raises(Refusal) as open_refusal:
        consent.answer(PROPOSED, answers, "x", DECLINE, OPEN)
    assert open_refusal.value.may_act == ("a", "b", "c")  # answers may change: everyone


def test_where_answers_are_final_a_party_answers_once() -> None:
    answers = {"a": "confirmed", "b": "pending"}
    for step in (CONFIRM, DECLINE):
        with pytest.raises(Conflict) as again:
            consent.answer(PROPOSED, answers, "a", step, ONCE)
        assert again.value.kind == "not-pending" and again.value.state == PROPOSED
    # it may still withdraw its own proposal
    assert consent.answer(PROPOSED, answers, "a", WITHDRAW, ONCE).state == "withdrawn"


def test_where_answers_may_change_a_party_confirms_again_or_declines_after_confirming() -> None:
    answers = {"a": "confirmed", "b": "pending"}
    again = consent.answer(PROPOSED, answers, "a", CONFIRM, OPEN)
    assert (again.changed, again.state, again.answers) == (False, PROPOSED, answers)
    declined = consent.answer(PROPOSED, answers, "a", DECLINE, OPEN)
    assert declined.changed and declined.state == "declined"


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (IN_FORCE, CONFIRM),
        (IN_FORCE, DECLINE),
        ("declined", WITHDRAW),
        ("withdrawn", WITHDRAW),
        ("withdrawn", CONFIRM),
        ("superseded", WITHDRAW),  # a service's own end state: no step is open there
    ],
)
def test_a_step_its_state_does_not_allow_is_a_conflict(state: str, step: str) -> None:
    answers = {"a": "confirmed", "b": "confirmed"}
    with pytest.raises(Conflict) as conflict:
        consent.answer(state, answers, "a", step, OPEN)
    assert conflict.value.kind == "exception-not-open"
    assert conflict.value.problem_fields() == {"state": state}
    assert state in conflict.value.detail


def test_the_state_after_the_answers() -> None:
    assert consent.state_after({"a": "confirmed", "b": "migrated"}) == IN_FORCE
    assert consent.state_after({"a": "confirmed", "b": "pending"}) == PROPOSED
    assert consent.state_after({"a": "declined", "b": "withdrawn"}) == "declined"
    assert consent.state_after({"a": "withdrawn", "b": "confirmed"}) == "withdrawn"
    assert consent.waiting_for({"a": "pending", "b": "migrated", "c": "pending"}) == ["a", "c"]
    assert consent.confirmed_by({"a": "pending", "b": "migrated", "c": "confirmed"}) == ["b", "c"]
