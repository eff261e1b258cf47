"""The pure funding rules (§3 dialogue, §4.1 criteria, call states, dates, 360Giving ids)."""

from __future__ import annotations

from datetime import date

import pytest

from services.funding.rules import calls, grants, periods
from services.funding.rules.calls import DialogueStatus
from services.funding.rules.violations import RuleViolation

FORUMS = [
    "vaekstforum-nordjylland",
    "vaekstforum-midtjylland",
    "vaekstforum-syddanmark",
    "vaekstforum-hovedstaden",
    "vaekstforum-sjaelland",
    "vaekstforum-bornholm",
]


def test_a_national_call_consults_all_six_growth_forums_and_kl() -> None:
    parties = calls.dialogue_parties("national", "fivu-rti")
    assert parties == [*FORUMS, "kl"]


def test_a_regional_call_consults_fivu_rti_and_the_other_forums() -> None:
    parties = calls.dialogue_parties(
        "regional", "vaekstforum-midtjylland", "vaekstforum-midtjylland"
    )
    assert parties == ["fivu-rti", *(f for f in FORUMS if f != "vaekstforum-midtjylland")]
    assert len(parties) == 6


def test_a_region_or_municipality_belongs_to_its_growth_forum_bornholm_its_own() -> None:
    assert calls.home_forum("region-1081", "region", "1081") == "vaekstforum-nordjylland"
    assert calls.home_forum("kommune-0400", "municipality", "1084", "0400") == (
        "vaekstforum-bornholm"
    )
    assert calls.home_forum("kommune-0101", "municipality", "1084", "0101") == (
        "vaekstforum-hovedstaden"
    )
    assert calls.home_forum("vaekstforum-sjaelland", "growth_forum", "1085") == (
        "vaekstforum-sjaelland"
    )
    assert calls.home_forum("fivu-rti", "ministry", None) is None
    # Bornholm's forum's own regional call asks Hovedstaden's forum too
    parties = calls.dialogue_parties("regional", "region-1084", "vaekstforum-hovedstaden")
    assert "vaekstforum-bornholm" in parties and "vaekstforum-hovedstaden" not in parties


def test_scope_follows_the_funder_kind() -> None:
    assert calls.scope_for("ministry") == "national"
    assert calls.scope_for("growth_forum") == "regional"
    assert calls.scope_for("region", "regional") == "regional"
    with pytest.raises(RuleViolation) as exc:
        calls.scope_for("region", "national")
    assert exc.value.kind == "wrong-scope"
    with pytest.raises(RuleViolation):
        calls.scope_for("growth_house")


def test_dialogue_for_strategic_and_base_calls_only() -> None:
    assert calls.needs_dialogue(strategic=True, kind="project")
    assert calls.needs_dialogue(strategic=False, kind="base")
    assert not calls.needs_dialogue(strategic=False, kind="project")


def test_announcement_to_klyngeforum_when_strategic_or_large() -> None:
    assert calls.should_announce(strategic=True, budget_dkk=1, threshold_dkk=10)
    assert calls.should_announce(strategic=False, budget_dkk=10, threshold_dkk=10)
    assert not calls.should_announce(strategic=False, budget_dkk=9, threshold_dkk=10)


@pytest.mark.parametrize(
    ("state", "action", "target"),
    [
        ("planned", "open", "open"),
        ("in_dialogue", "open", "open"),
        ("open", "close", "closed"),
        ("closed", "decide", "decided"),
        ("planned", "cancel", "cancelled"),
        ("closed", "cancel", "cancelled"),
    ],
)
def test_legal_transitions(state: str, action: str, target: str) -> None:
    assert calls.transition(state, action) == target


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("planned", "close"),
        ("open", "open"),
        ("open", "decide"),
        ("decided", "cancel"),
        ("cancelled", "open"),
        ("decided", "open"),
    ],
)
def test_illegal_transitions_name_the_current_state(state: str, action: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        calls.transition(state, action)
    assert exc.value.kind == "illegal-transition"
    assert exc.value.extra["current_state"] == state


def test_opening_needs_published_criteria() -> None:
    with pytest.raises(RuleViolation) as exc:
        calls.check_can_open(
            state="planned", criteria_published=False, dialogue=None, today=date(2014, 1, 1)
        )
    assert exc.value.kind == "criteria-not-published"
    calls.check_can_open(
        state="planned", criteria_published=True, dialogue=None, today=date(2014, 1, 1)
    )


def test_opening_waits_for_answers_or_the_deadline() -> None:
    pending = DialogueStatus(
        answered=("kl",), unanswered=("vaekstforum-bornholm",), deadline=date(2014, 3, 1)
    )
    with pytest.raises(RuleViolation) as exc:
        calls.check_can_open(
            state="in_dialogue", criteria_published=True, dialogue=pending, today=date(2014, 3, 1)
        )
    assert exc.value.kind == "dialogue-pending"
    assert exc.value.extra["unanswered"] == ["vaekstforum-bornholm"]
    assert "2014-03-01" in exc.value.detail
    # the day after the deadline it may open
    calls.check_can_open(
        state="in_dialogue", criteria_published=True, dialogue=pending, today=date(2014, 3, 2)
    )
    done = DialogueStatus(answered=("kl",), unanswered=(), deadline=date(2014, 3, 1))
    calls.check_can_open(
        state="in_dialogue", criteria_published=True, dialogue=done, today=date(2014, 1, 1)
    )


def test_dates() -> None:
    periods.check_period(date(2014, 1, 1), date(2014, 1, 1))
    with pytest.raises(RuleViolation):
        periods.check_period(date(2014, 1, 2), date(2014, 1, 1))
    calls.check_call_dates(date(2014, 1, 1), date(2014, 2, 1), date(2014, 2, 1))
    with pytest.raises(RuleViolation, match="closes"):
        calls.check_call_dates(date(2014, 2, 1), date(2014, 1, 1), date(2014, 3, 1))
    with pytest.raises(RuleViolation, match="decision"):
        calls.check_call_dates(date(2014, 1, 1), date(2014, 2, 1), date(2014, 1, 15))
    calls.check_deadline(date(2014, 1, 1), date(2014, 1, 1))
    with pytest.raises(RuleViolation):
        calls.check_deadline(date(2013, 12, 31), date(2014, 1, 1))


def test_criteria_weights_add_up_to_100() -> None:
    calls.check_criteria([60, 40])
    with pytest.raises(RuleViolation) as exc:
        calls.check_criteria([60, 30])
    assert exc.value.kind == "criteria-weights"
    with pytest.raises(RuleViolation):
        calls.check_criteria([])


def test_360giving_identifiers() -> None:
    assert grants.org_identifier("x", "12345678") == "DK-CVR-12345678"
    assert grants.org_identifier("fivu-rti", None) == "360G-klyngeforum-org-fivu-rti"
    assert grants.grant_identifier("grt-1") == "360G-klyngeforum-grt-1"
