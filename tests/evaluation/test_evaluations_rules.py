"""§4.1: mid-term and final evaluations scheduled from a grant's dates."""

from __future__ import annotations

from datetime import date

import pytest

from services.evaluation.rules.evaluations import (
    RECOMMENDATIONS,
    EvaluationPolicy,
    ScheduledEvaluation,
    complete,
    is_recommendation,
    midpoint,
    on_amendment,
    on_termination,
    schedule,
    status,
)

START, END = date(2024, 1, 1), date(2027, 12, 31)


def test_a_four_year_grant() -> None:
    # 2024-01-01..2027-12-31 spans 1,460 days (366 + 365 + 365 + 364); half is 730 days:
    # 2024-01-01 + 366 = 2025-01-01, + 364 more = 2025-12-31
    mid, final = schedule(START, END)
    assert mid == ScheduledEvaluation("mid_term", date(2025, 12, 31))
    assert final == ScheduledEvaluation("final", END)


def test_the_half_way_date_rounds_down() -> None:
    assert midpoint(date(2024, 1, 1), date(2024, 1, 4)) == date(2024, 1, 2)  # 3 days // 2 = 1
    assert midpoint(date(2024, 1, 1), date(2024, 1, 5)) == date(2024, 1, 3)  # 4 // 2 = 2
    assert midpoint(date(2024, 1, 1), date(2024, 1, 1)) == date(2024, 1, 1)  # one day
    with pytest.raises(ValueError):
        midpoint(date(2024, 1, 2), date(2024, 1, 1))


def test_every_grant_gets_both_and_the_final_may_have_grace() -> None:
    short = schedule(date(2025, 3, 1), date(2025, 5, 31))  # three months: still two
    assert [e.kind for e in short] == ["mid_term", "final"]
    # 91 days between: 91 // 2 = 45 → 2025-03-01 + 45 = 2025-04-15
    assert short[0].due_on == date(2025, 4, 15)
    graced = schedule(START, END, EvaluationPolicy(final_grace_days=90))
    assert graced[1].due_on == date(2028, 3, 30)  # 2027-12-31 + 90 (Jan 31, Feb 29, Mar 30)


def test_status_as_of_a_date() -> None:
    ev = ScheduledEvaluation("mid_term", date(2025, 12, 31))
    # the notice window opens 30 days before the due date: 2025-12-31 − 30 = 2025-12-01
    assert status(ev, date(2025, 11, 30)) == "scheduled"  # 31 days before
    assert status(ev, date(2025, 12, 1)) == "due"  # 30 days before: the window is inclusive
    assert status(ev, date(2025, 12, 1), EvaluationPolicy(notice_days=29)) == "scheduled"
    assert status(ev, date(2025, 12, 31)) == "due"  # on the due date
    assert status(ev, date(2026, 1, 1)) == "overdue"  # the day after
    assert status(ev, date(2025, 12, 31), EvaluationPolicy(notice_days=0)) == "due"
    assert status(ev, date(2025, 12, 30), EvaluationPolicy(notice_days=0)) == "scheduled"
    done = complete(ev, "continue")
    assert status(done, date(2030, 1, 1)) == "completed"


def test_termination_moves_the_final_and_cancels_a_mid_term_not_yet_due() -> None:
    evs = list(schedule(START, END))  # mid-term 2025-12-31, final 2027-12-31
    after = on_termination(evs, date(2025, 6, 30))
    assert after == [
        ScheduledEvaluation("mid_term", date(2025, 12, 31), "cancelled"),
        ScheduledEvaluation("final", date(2025, 6, 30)),
    ]
    # terminated after the mid-term was due: it stays pending (and is now overdue)
    late = on_termination(evs, date(2026, 6, 30), EvaluationPolicy(final_grace_days=60))
    assert late == [
        ScheduledEvaluation("mid_term", date(2025, 12, 31)),
        ScheduledEvaluation("final", date(2026, 8, 29)),  # 2026-06-30 + 60 days
    ]
    assert status(late[0], date(2026, 7, 1)) == "overdue"
    # terminated on the mid-term's due date: it is due, so it stays
    assert on_termination(evs, date(2025, 12, 31))[0].state == "pending"


def test_termination_leaves_completed_evaluations_alone() -> None:
    mid, final = schedule(START, END)
    done = complete(mid, "adjust")
    after = on_termination([done, final], date(2024, 6, 1))
    assert after[0] == done
    assert after[1].due_on == date(2024, 6, 1)


def test_amendment_moves_pending_evaluations() -> None:
    mid, final = schedule(START, END)
    done = complete(mid, "continue")
    after = on_amendment([done, final], START, date(2029, 12, 31))
    assert after == [done, ScheduledEvaluation("final", date(2029, 12, 31))]
    moved = on_amendment([mid, final], date(2024, 1, 1), date(2024, 12, 31))
    assert moved[0].due_on == date(2024, 7, 1)  # 365 days // 2 = 182 → 2024-07-01


def test_recommendations() -> None:
    assert list(RECOMMENDATIONS) == ["continue", "adjust", "phase_down", "stop"]
    assert is_recommendation("phase_down") and not is_recommendation("maybe")
    mid, _ = schedule(START, END)
    with pytest.raises(ValueError, match="recommendation"):
        complete(mid, "maybe")
    with pytest.raises(ValueError, match="completed"):
        complete(complete(mid, "stop"), "stop")
    cancelled = on_termination([mid], date(2024, 2, 1))[0]
    with pytest.raises(ValueError, match="cancelled"):
        complete(cancelled, "continue")
