"""Grants (§3, §4.1): when they may be recorded against a call, what a call's budget allows,
on what a base grant rests, and their 360Giving identifiers. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from services.funding.rules.violations import RuleViolation

#: Call states in which grants may be recorded against the call: applications are in
#: (closed) or the decision is made (decided). Not while the competition runs (§4.1).
GRANTABLE_CALL_STATES = frozenset({"closed", "decided"})


def check_base_basis(kind: str, call_state: str | None, exemption_reason: str | None) -> None:
    """§3, §4.1: base funding is awarded in competition — a base grant names a decided call,
    or records why it is exempt (the exemption is shown as a finding to the parties). A
    project grant needs neither, and an exemption from competition is a base grant's."""
    if kind != "base":
        if exemption_reason:
            raise RuleViolation(
                "exemption-not-for-project",
                "An exemption from competition is recorded for base funding only; project "
                "money needs none.",
            )
        return
    if call_state is None and not exemption_reason:
        raise RuleViolation(
            "base-grant-without-call",
            "Base funding is awarded in competition (§3, §4.1): name the decided call "
            "(call_id) it was awarded under, or record why it is exempt (exemption_reason).",
        )
    if call_state is not None and exemption_reason:
        raise RuleViolation(
            "call-and-exemption",
            "A base grant under a call is not exempt from competition: send call_id or "
            "exemption_reason, not both.",
        )
    if call_state is not None and call_state != "decided":
        raise RuleViolation(
            "call-not-decided",
            f"Base funding is recorded under a call once it is decided (it is {call_state}).",
            current_state=call_state,
        )


def check_budget(budget_dkk: int, granted_dkk: Iterable[int], amount_dkk: int) -> None:
    """§4.1: the grants under a call never add up to more than its published budget."""
    used = sum(granted_dkk)
    remainder = budget_dkk - used
    if amount_dkk > remainder:
        raise RuleViolation(
            "over-budget",
            f"The call's budget is {budget_dkk:,} DKK; its grants already take {used:,} DKK, "
            f"so {max(remainder, 0):,} DKK remain, less than {amount_dkk:,} DKK.",
            budget_dkk=budget_dkk,
            granted_dkk=used,
            remaining_dkk=max(remainder, 0),
        )


# --- 360Giving identifiers -------------------------------------------------------------------

GRANT_PREFIX = "360G-klyngeforum"


def org_identifier(organisation_id: str, cvr: str | None) -> str:
    """org-id.guide style: ``DK-CVR-<cvr>`` where the CVR is known, else a stable local id."""
    if cvr:
        return f"DK-CVR-{cvr}"
    return f"{GRANT_PREFIX}-org-{organisation_id}"


def grant_identifier(grant_id: str) -> str:
    """A grant's 360Giving identifier: the Klyngeforum prefix and the grant's id."""
    return f"{GRANT_PREFIX}-{grant_id}"
