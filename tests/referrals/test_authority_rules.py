"""Who may write what in the referral exchange, as pure rules (§5, ``rules/authority.py``):
the parties act in their own name; a referral is answered and closed by its recipient and
cancelled by its sender; a service is changed by its provider, an activity by its host; a joint
event is answered by its partner and withdrawn by its proposer."""

from __future__ import annotations

import pytest

from services.referrals.rules import authority
from services.referrals.rules.referrals import ACTIONS, TRANSITIONS
from shared.kinds import ORG_KINDS
from shared.refusal import Refusal

HOUSE = "erhvervshus-nordjylland"
CLUSTER = "energiklyngen"


@pytest.mark.parametrize("kind", ORG_KINDS)
def test_only_the_parties_of_section_5_take_part(kind: str) -> None:
    parties = {"cluster_organisation", "growth_house", "business_service", "municipality"}
    if kind in parties:
        authority.check_party(HOUSE, kind, "refer a firm")
        return
    with pytest.raises(Refusal) as refused:
        authority.check_party("fivu-rti", kind, "refer a firm")
    r = refused.value
    assert (r.kind, r.rule, r.paragraph) == ("not-a-party", authority.PARTY_RULE, "§5")
    assert kind in r.detail and "growth_house" in r.detail


def test_a_party_acts_in_its_own_name() -> None:
    assert authority.check_own_name(HOUSE, None, "offer a service") == HOUSE
    assert authority.check_own_name(HOUSE, HOUSE, "offer a service") == HOUSE
    with pytest.raises(Refusal) as refused:
        authority.check_own_name(HOUSE, CLUSTER, "offer a service")
    r = refused.value
    assert (r.kind, r.rule, r.may_act) == (
        "not-your-organisation",
        authority.OWN_NAME_RULE,
        (CLUSTER,),
    )
    assert r.problem_fields() == {
        "rule": authority.OWN_NAME_RULE,
        "may_act": [CLUSTER],
        "paragraph": "§5",
    }


@pytest.mark.parametrize("action", ACTIONS)
def test_the_recipient_answers_and_closes_the_sender_cancels(action: str) -> None:
    by = TRANSITIONS[action].by
    other = "sender" if by == "recipient" else "recipient"
    authority.check_referral_step(action, by, HOUSE, CLUSTER)
    with pytest.raises(Refusal) as refused:
        authority.check_referral_step(action, other, HOUSE, CLUSTER)  # type: ignore[arg-type]
    r = refused.value
    assert r.kind == "wrong-party" and r.paragraph == "§5"
    if by == "recipient":
        assert (r.rule, r.may_act) == (authority.RECIPIENT_RULE, (CLUSTER,))
        assert "you may cancel" in r.detail
    else:
        assert (r.rule, r.may_act) == (authority.SENDER_RULE, (HOUSE,))
        assert "accept, reject, start, complete or fail" in r.detail


def test_a_service_by_its_provider_an_activity_by_its_host() -> None:
    authority.check_provider(HOUSE, HOUSE, "svc-1")
    authority.check_host(HOUSE, HOUSE, "act-1")
    with pytest.raises(Refusal) as refused:
        authority.check_provider(CLUSTER, HOUSE, "svc-1")
    assert (refused.value.rule, refused.value.may_act) == (authority.PROVIDER_RULE, (HOUSE,))
    with pytest.raises(Refusal) as refused:
        authority.check_host(CLUSTER, HOUSE, "act-1")
    assert (refused.value.rule, refused.value.may_act) == (authority.HOST_RULE, (HOUSE,))
    assert refused.value.kind == "not-your-activity"


def test_a_joint_event_is_answered_by_its_partner_and_withdrawn_by_its_proposer() -> None:
    authority.check_joint_event_step(CLUSTER, HOUSE, CLUSTER, "partner", "jev-1", "accepted")
    authority.check_joint_event_step(HOUSE, HOUSE, CLUSTER, "proposer", "jev-1", "withdrawn")
    with pytest.raises(Refusal) as refused:
        authority.check_joint_event_step(HOUSE, HOUSE, CLUSTER, "partner", "jev-1", "accepted")
    r = refused.value
    assert (r.kind, r.rule, r.may_act) == ("not-the-partner", authority.PARTNER_RULE, (CLUSTER,))
    with pytest.raises(Refusal) as refused:
        authority.check_joint_event_step(CLUSTER, HOUSE, CLUSTER, "proposer", "jev-1", "withdrawn")
    r = refused.value
    assert (r.kind, r.rule, r.may_act) == ("not-the-proposer", authority.PROPOSER_RULE, (HOUSE,))
