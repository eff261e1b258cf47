"""The closed loop of a referral as pure rules (§5): every allowed and refused transition,
who owns each state, the clocks and the borders."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.referrals.rules.authority import check_referral_step
from services.referrals.rules.referrals import (
    ACTIONS,
    FINAL_STATES,
    OPEN_STATES,
    STATES,
    TRANSITIONS,
    ClockDays,
    TransitionRefused,
    allowed_actions,
    check_state,
    crosses,
    due_at,
    is_overdue,
    owner,
    role_of,
    times_after,
)
from shared.refusal import Refusal

#: (action, from, to, who) — the whole state machine, written out once more by hand.
ALLOWED = {
    ("accept", "requested", "accepted", "recipient"),
    ("reject", "requested", "rejected", "recipient"),
    ("cancel", "requested", "cancelled", "sender"),
    ("start", "accepted", "in_progress", "recipient"),
    ("complete", "in_progress", "completed", "recipient"),
    ("fail", "in_progress", "failed", "recipient"),
}
DAYS = ClockDays(answer=5, start=10, close=60)


def test_the_transition_table_is_the_closed_loop() -> None:
    assert {(t.action, t.from_state, t.to_state, t.by) for t in TRANSITIONS.values()} == ALLOWED
    assert set(STATES) == OPEN_STATES | FINAL_STATES
    assert OPEN_STATES == {"requested", "accepted", "in_progress"}
    assert FINAL_STATES == {"rejected", "cancelled", "completed", "failed"}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ["sender", "recipient"])
def test_every_action_from_every_state_by_either_party(state: str, action: str, role: str) -> None:
    t = TRANSITIONS[action]
    expected = next(((a, f, to, by) for a, f, to, by in ALLOWED if a == action), None)
    assert expected is not None
    _, from_state, to_state, by = expected
    if by != role:
        # the other party's action is refused whatever the state (rules/authority.py, §5)
        with pytest.raises(Refusal) as refusal:
            check_referral_step(action, role, "afsender", "modtager")  # type: ignore[arg-type]
        assert refusal.value.kind == "wrong-party"
        assert f"Only the {by}" in refusal.value.detail
        assert refusal.value.may_act == ("afsender" if by == "sender" else "modtager",)
    elif state != from_state:
        check_referral_step(action, role, "afsender", "modtager")  # type: ignore[arg-type]
        with pytest.raises(TransitionRefused) as refused:
            check_state(action, state)
        assert refused.value.status == 409
        assert refused.value.kind == "transition-not-allowed"
        # it says what the current state allows
        assert refused.value.allowed == allowed_actions(state)
        for a in refused.value.allowed:
            assert a in refused.value.detail
        if state in FINAL_STATES:
            assert "closed" in refused.value.detail
    else:
        check_referral_step(action, role, "afsender", "modtager")  # type: ignore[arg-type]
        assert check_state(action, state) is t
        assert t.to_state == to_state


def test_unknown_action() -> None:
    with pytest.raises(TransitionRefused) as refused:
        check_state("approve", "requested")
    assert refused.value.status == 404


def test_allowed_actions_per_state_and_role() -> None:
    assert allowed_actions("requested") == ["accept", "reject", "cancel"]
    assert allowed_actions("requested", "recipient") == ["accept", "reject"]
    assert allowed_actions("requested", "sender") == ["cancel"]
    assert allowed_actions("accepted", "recipient") == ["start"]
    assert allowed_actions("accepted", "sender") == []
    assert allowed_actions("in_progress", "recipient") == ["complete", "fail"]
    for final in FINAL_STATES:
        assert allowed_actions(final) == []


def test_owners() -> None:
    for state in ("requested", "accepted", "in_progress"):
        assert owner(state) == "recipient"
    for state in FINAL_STATES:
        assert owner(state) is None


def test_events_go_to_the_other_party() -> None:
    for action, t in TRANSITIONS.items():
        assert t.event == f"referrals.referral.{t.to_state.replace('in_progress', 'started')}"
        assert t.notify == ("recipient" if action == "cancel" else "sender")
        assert t.notify != t.by
    assert TRANSITIONS["reject"].needs == "reason"
    assert TRANSITIONS["fail"].needs == "reason"
    assert TRANSITIONS["complete"].needs == "outcome"
    assert TRANSITIONS["accept"].needs is None


def test_role_of() -> None:
    assert role_of("a", "a", "b") == "sender"
    assert role_of("b", "a", "b") == "recipient"
    assert role_of("c", "a", "b") is None


def test_clocks_per_state() -> None:
    # Monday 9 March 2026, 10:00 Danish time
    monday = datetime(2026, 3, 9, 9, tzinfo=UTC)
    assert due_at("requested", monday, DAYS) == datetime(2026, 3, 16, 9, tzinfo=UTC)  # 5 wd
    assert due_at("accepted", monday, DAYS) == datetime(2026, 3, 23, 9, tzinfo=UTC)  # 10 wd
    # 60 working days from Monday 9 March 2026: 60 weekdays end on Monday 1 June; five
    # holidays fall on weekdays in between (2, 3, 6 April, 14 May, 25 May), so five more:
    # 2, 3, 4, 5 (grundlovsdag counts) and 8 June. Summer time: 10:00 CEST = 08:00 UTC
    assert due_at("in_progress", monday, DAYS) == datetime(2026, 6, 8, 8, tzinfo=UTC)
    for final in FINAL_STATES:
        assert due_at(final, monday, DAYS) is None


def test_times_after_each_step() -> None:
    t0 = datetime(2026, 3, 9, 9, tzinfo=UTC)
    t1 = datetime(2026, 3, 10, 9, tzinfo=UTC)
    accepted = times_after("accepted", t0, None, DAYS)
    assert accepted.answered_at == t0
    assert accepted.closed_at is None
    assert accepted.due_at == due_at("accepted", t0, DAYS)
    # the first answer stays the answer
    started = times_after("in_progress", t1, t0, DAYS)
    assert started.answered_at == t0
    assert started.state_changed_at == t1
    done = times_after("completed", t1, t0, DAYS)
    assert done.closed_at == t1
    assert done.due_at is None
    rejected = times_after("rejected", t1, None, DAYS)
    assert rejected.answered_at == t1 and rejected.closed_at == t1
    # a cancellation is not an answer from the recipient
    cancelled = times_after("cancelled", t1, None, DAYS)
    assert cancelled.answered_at is None and cancelled.closed_at == t1


def test_overdue() -> None:
    due = datetime(2026, 3, 16, 9, tzinfo=UTC)
    assert not is_overdue("requested", due, due)
    assert is_overdue("requested", due, datetime(2026, 3, 16, 9, 1, tzinfo=UTC))
    assert not is_overdue("completed", due, datetime(2027, 1, 1, tzinfo=UTC))
    assert not is_overdue("requested", None, datetime(2027, 1, 1, tzinfo=UTC))


def test_crossing_borders_is_judged_from_the_firm_to_the_recipient() -> None:
    # a firm in Aalborg (Nordjylland) referred to a cluster in Odense (Syddanmark)
    assert crosses("0851", "1081", "0461", "1083") == (True, True)
    # a firm in Aarhus to an organisation in Silkeborg: same region, other municipality
    assert crosses("0751", "1082", "0740", "1082") == (True, False)
    assert crosses("0751", "1082", "0751", "1082") == (False, False)
    # the recipient's place unknown: not counted as crossing
    assert crosses("0751", "1082", None, None) == (False, False)
