"""Payloads of the funding service's events: programmes, calls and dialogue (§3), grants,
agreements and coordination findings."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from shared.events.spec import declare

# --- funding (issue 4) -----------------------------------------------------------------------


class CallFacts(BaseModel):
    call_id: str
    funder_id: str
    programme_id: str
    title: str
    kind: str = Field(description="base | project (from the programme)")
    scope: str = Field(description="national | regional")
    strategic: bool
    budget_dkk: int
    opens_on: date
    closes_on: date
    decision_on: date
    state: str


@declare(
    "funding.programme.created",
    "A funder set up a programme (base or project funding; national, regional, EU, …).",
)
class ProgrammeCreated(BaseModel):
    programme_id: str
    funder_id: str
    name: str
    kind: str
    source: str
    starts_on: date
    ends_on: date
    priority_fields: list[str] = Field(default_factory=list)


class DialogueOmission(BaseModel):
    party_id: str
    reason: str


@declare(
    "funding.call.planned",
    "A funder planned a call; strategic and base-funding calls start a dialogue (§3).",
)
class CallPlanned(CallFacts):
    dialogue_parties: list[str] = Field(default_factory=list)
    dialogue_deadline: date | None = None
    dialogue_omissions: list[DialogueOmission] = Field(
        default_factory=list,
        description="Parties of the strategy the funder did not consult, each with its reason",
    )


@declare(
    "funding.call.announced",
    "A larger cluster-relevant call is announced to Klyngeforum (§3); addressed to the "
    "Klyngeforum secretariat.",
    addressed=True,
)
class CallAnnounced(CallFacts):
    reason: str


class CallStateChanged(BaseModel):
    call_id: str
    funder_id: str
    from_state: str
    to_state: str


@declare("funding.call.opened", "A call opened for applications, its criteria published (§4.1).")
class CallOpened(CallStateChanged):
    criteria: list[dict[str, Any]] = Field(default_factory=list)


@declare("funding.call.closed", "A call closed for applications.")
class CallClosed(CallStateChanged):
    pass


@declare("funding.call.decided", "The funder decided a call.")
class CallDecided(CallStateChanged):
    pass


@declare("funding.call.cancelled", "A call was cancelled.")
class CallCancelled(CallStateChanged):
    reason: str | None = None


@declare(
    "funding.dialogue.requested",
    "A party is asked for its view on a planned call before it is decided (§3); addressed.",
    addressed=True,
)
class DialogueRequested(BaseModel):
    request_id: str
    call_id: str
    funder_id: str
    recipient_id: str
    deadline: date
    title: str
    scope: str
    strategic: bool
    budget_dkk: int


@declare(
    "funding.dialogue.answered",
    "A consulted party answered a dialogue request; addressed to the call's funder.",
    addressed=True,
)
class DialogueAnswered(BaseModel):
    request_id: str
    call_id: str
    party_id: str
    co_financing_dkk: int
    cluster_ids: list[str] = Field(default_factory=list)


@declare(
    "funding.dialogue.closed",
    "The dialogue on a call is over: everyone answered, the deadline passed, or it was cancelled.",
)
class DialogueClosed(BaseModel):
    call_id: str
    funder_id: str
    reason: str = Field(description="all_answered | deadline_passed | cancelled")
    answered: list[str] = Field(default_factory=list)
    unanswered: list[str] = Field(default_factory=list)


class GrantFacts(BaseModel):
    grant_id: str
    funder_id: str
    cluster_id: str
    programme_id: str
    call_id: str | None = None
    agreement_id: str | None = None
    kind: str
    amount_dkk: int
    starts_on: date
    ends_on: date
    activities: list[str] = Field(default_factory=list)
    status: str = "active"


@declare("funding.grant.awarded", "A funder awarded a grant to a cluster organisation.")
class GrantAwarded(GrantFacts):
    pass


@declare("funding.grant.amended", "A grant's amount, period, activities or agreement changed.")
class GrantAmended(GrantFacts):
    changed: list[str] = Field(default_factory=list)


@declare("funding.grant.terminated", "A grant was ended early.")
class GrantTerminated(GrantFacts):
    terminated_on: date
    reason: str


class AgreementPartyFacts(BaseModel):
    party_id: str
    cluster_ids: list[str] = Field(default_factory=list)
    activities: list[str] = Field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None


@declare(
    "funding.agreement.concluded",
    "A coordinated-financing agreement came into force (§3), every named party having "
    "confirmed: a division of labour or the co-financing of a shared cluster.",
)
class AgreementConcluded(BaseModel):
    agreement_id: str
    kind: str = Field(description="division_of_labour | co_financing")
    created_by: str
    cluster_id: str | None = None
    parties: list[AgreementPartyFacts]


class AgreementStep(BaseModel):
    """One step of an agreement's consent (§3: agreed between the parties), addressed to one
    named party; ``state`` is the agreement's state after the step."""

    agreement_id: str
    kind: str = Field(description="division_of_labour | co_financing")
    party_id: str = Field(description="The party that took the step")
    recipient_id: str = Field(description="The named party this event is addressed to")
    state: str = Field(description="proposed | in_force | declined | withdrawn")
    cluster_id: str | None = None
    party_ids: list[str] = Field(default_factory=list)
    waiting_for: list[str] = Field(default_factory=list, description="Parties yet to confirm")


@declare(
    "funding.agreement.proposed",
    "A party proposed an agreement (division of labour, co-financing, §3); it takes effect "
    "only when every named party has confirmed. Addressed to each named party.",
    addressed=True,
)
class AgreementProposed(AgreementStep):
    parties: list[AgreementPartyFacts] = Field(default_factory=list)


@declare(
    "funding.agreement.confirmed",
    "A named party confirmed a proposed agreement (§3). Addressed to each named party.",
    addressed=True,
)
class AgreementConfirmed(AgreementStep):
    pass


@declare(
    "funding.agreement.declined",
    "A named party declined a proposed agreement; it never takes effect (§3). Addressed to "
    "each named party.",
    addressed=True,
)
class AgreementDeclined(AgreementStep):
    reason: str | None = None


@declare(
    "funding.agreement.withdrawn",
    "A named party withdrew an agreement (proposed or in force); it no longer counts (§3). "
    "Addressed to each named party.",
    addressed=True,
)
class AgreementWithdrawn(AgreementStep):
    reason: str | None = None


# --- funding findings (issue 4) ----------------------------------------------------------------


class FindingFacts(BaseModel):
    finding_id: str
    key: str = Field(description="Stable: rule + cluster + the grants (or year) involved")
    rule: str
    section: str = Field(description="The paper's section, e.g. §4.3")
    cluster_id: str
    funder_ids: list[str] = Field(default_factory=list)
    grant_ids: list[str] = Field(default_factory=list)
    summary: str
    evidence: dict[str, Any] = Field(default_factory=dict)


@declare(
    "funding.finding.raised",
    "A coordination check found a problem (§1, §2, §3, §4.1, §4.3): base funding outside the "
    "responsibility, primary parties funding nothing while another carries the base funding, "
    "overlapping funding without agreement, a parallel organisation, base funding without "
    "competition, base funding not phasing down, a flagged cluster still funded, an "
    "evaluation recommendation not acted on, a grant for a societal task that is not "
    "supportable.",
)
class FindingRaised(FindingFacts):
    pass


@declare(
    "funding.finding.resolved",
    "The cause of a coordination finding went away (grant ended, agreement, league change, …).",
)
class FindingResolved(FindingFacts):
    cause: str = Field(description="The event or action that resolved it")
