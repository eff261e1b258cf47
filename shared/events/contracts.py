"""Payload models of every event type (the contracts between services)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.events.catalog import declare


@declare(
    "registry.organisation.registered",
    "An organisation (authority, growth forum, municipality, cluster organisation, growth "
    "house, …) was registered in the registry.",
)
class OrganisationRegistered(BaseModel):
    organisation_id: str
    name: str
    kind: str
    cvr: str | None = None
    code: str | None = Field(None, description="Official code: municipality or region code")
    municipality_code: str | None = None
    region_code: str | None = None
    parent_id: str | None = None


class ResponsibilityFacts(BaseModel):
    """Who carries a cluster's base funding (§1), as ids; names are in the registry."""

    primary: list[str]
    also: list[str]
    rule: str
    overridden: bool = False
    centre_of_gravity_forum: str | None = None


class ClusterFacts(BaseModel):
    cluster_id: str
    name: str
    cluster_kind: str
    league: str
    status: str
    home_municipality_code: str
    home_region_code: str
    municipalities_served: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)
    member_count: int = 0
    merged_into_id: str | None = None
    responsibility: ResponsibilityFacts | None = None
    # added for the annual account (§4.1); absent in events from before they existed
    members_by_kind: dict[str, int] = Field(
        default_factory=dict, description="Members by kind: firm, knowledge_institution, …"
    )
    sme_firms: int | None = Field(None, description="Member firms with under 50 employees")
    firms_size_unknown: int | None = Field(None, description="Member firms of unknown size")
    functions: list[str] = Field(default_factory=list)
    label_level: str | None = Field(None, description="ESCA label: bronze | silver | gold")
    label_valid_until: date | None = None


@declare(
    "registry.cluster.registered",
    "A cluster organisation's profile was registered, with its league and responsibility.",
)
class ClusterRegistered(ClusterFacts):
    pass


@declare(
    "registry.cluster.updated",
    "A cluster's profile or members changed (the facts as they are now).",
)
class ClusterUpdated(ClusterFacts):
    changed: list[str] = Field(default_factory=list, description="Names of the changed parts")


@declare(
    "registry.cluster.league_changed",
    "A funder (FIVU/RTI or a growth forum) moved a cluster to another league (§1).",
)
class ClusterLeagueChanged(BaseModel):
    cluster_id: str
    from_league: str | None
    to_league: str
    reason: str
    changed_by: str


@declare(
    "registry.cluster.responsibility_changed",
    "The parties responsible for a cluster's base funding changed (league, members, override).",
)
class ClusterResponsibilityChanged(BaseModel):
    cluster_id: str
    league: str
    previous: ResponsibilityFacts | None
    current: ResponsibilityFacts
    cause: str


@declare(
    "registry.cluster.status_changed",
    "A cluster became active, merged into another or dissolved.",
)
class ClusterStatusChanged(BaseModel):
    cluster_id: str
    from_status: str
    to_status: str
    merged_into_id: str | None = None
    reason: str


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


@declare(
    "funding.call.planned",
    "A funder planned a call; strategic and base-funding calls start a dialogue (§3).",
)
class CallPlanned(CallFacts):
    dialogue_parties: list[str] = Field(default_factory=list)
    dialogue_deadline: date | None = None


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
    "Funders recorded a coordinated-financing agreement (§3): a division of labour or the "
    "co-financing of a shared cluster.",
)
class AgreementConcluded(BaseModel):
    agreement_id: str
    kind: str = Field(description="division_of_labour | co_financing")
    created_by: str
    cluster_id: str | None = None
    parties: list[AgreementPartyFacts]


# --- evaluation (declared ahead of the service; funding consumes it) ---------------------------


@declare(
    "evaluation.cluster.flagged",
    "Evaluation flagged a cluster (e.g. long poor performance, §4.3); funders are told.",
)
class ClusterFlagged(BaseModel):
    cluster_id: str
    rule: str
    reason: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    account_year: int | None = None


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
    "A coordination check found a problem (§1, §3, §4.3): base funding outside the "
    "responsibility, overlapping funding without agreement, a parallel organisation, base "
    "funding not phasing down, a flagged cluster still funded.",
)
class FindingRaised(FindingFacts):
    pass


@declare(
    "funding.finding.resolved",
    "The cause of a coordination finding went away (grant ended, agreement, league change, …).",
)
class FindingResolved(FindingFacts):
    cause: str = Field(description="The event or action that resolved it")


# --- referrals (issue 5, §5) -------------------------------------------------------------------
# Referral events carry ids, states, places and fields: never the firm's contact person, the
# firm's name or the free-text need (personal data stays in the referrals service).


class ReferralFacts(BaseModel):
    referral_id: str
    sender_id: str
    sender_kind: str
    recipient_id: str
    recipient_kind: str
    service_id: str | None = None
    state: str
    firm_municipality_code: str
    firm_region_code: str
    sender_region_code: str | None = None
    recipient_municipality_code: str | None = None
    recipient_region_code: str | None = None
    cross_municipality: bool
    cross_region: bool
    fields: list[str] = Field(default_factory=list)
    firm_employees: int | None = None
    created_at: datetime
    due_at: datetime | None = Field(None, description="When the current state's owner must act")


@declare(
    "referrals.referral.sent",
    "An organisation referred a firm to another organisation (§5); addressed to the recipient.",
    addressed=True,
)
class ReferralSent(ReferralFacts):
    pass


@declare(
    "referrals.referral.accepted",
    "The receiving organisation accepted a referral; addressed to the sender.",
    addressed=True,
)
class ReferralAccepted(ReferralFacts):
    pass


@declare(
    "referrals.referral.rejected",
    "The receiving organisation rejected a referral; addressed to the sender. The reason is free "
    "text and so stays out of events: the sender reads it through the API.",
    addressed=True,
)
class ReferralRejected(ReferralFacts):
    pass


@declare(
    "referrals.referral.started",
    "The receiving organisation started work on a referral (in_progress); to the sender.",
    addressed=True,
)
class ReferralStarted(ReferralFacts):
    pass


@declare(
    "referrals.referral.completed",
    "A referral was completed with an outcome (the loop is closed); addressed to the sender.",
    addressed=True,
)
class ReferralCompleted(ReferralFacts):
    outcome_category: str | None = Field(
        None, description="Coarse outcome (no free text): e.g. advice_given, project_started"
    )


@declare(
    "referrals.referral.failed",
    "Work on an accepted referral failed; addressed to the sender.",
    addressed=True,
)
class ReferralFailed(ReferralFacts):
    pass


@declare(
    "referrals.referral.cancelled",
    "The sender withdrew a referral before it was answered; addressed to the recipient.",
    addressed=True,
)
class ReferralCancelled(ReferralFacts):
    pass


@declare(
    "referrals.referral.overdue",
    "A referral's current state was not acted on within the configured working days; "
    "addressed to the party that must act and, separately, to the other party.",
    addressed=True,
)
class ReferralOverdue(ReferralFacts):
    owner_id: str = Field(description="The organisation that must act")
    working_days: int


class ActivityFacts(BaseModel):
    activity_id: str
    organisation_id: str
    co_host_ids: list[str] = Field(default_factory=list)
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    municipality_code: str | None = None
    region_code: str | None = None
    online: bool = False
    target_groups: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)
    joint_event_id: str | None = None


@declare(
    "referrals.activity.announced",
    "An organisation announced a larger activity; one event to each organisation whose target "
    "groups or fields overlap (§5), addressed to it.",
    addressed=True,
)
class ActivityAnnounced(ActivityFacts):
    recipient_id: str
    overlap: list[str] = Field(
        default_factory=list, description="What overlaps: 'field:<code>' / 'target:<group>'"
    )


@declare(
    "referrals.joint_event.agreed",
    "Two organisations agreed a joint event for a shared SME target group (§5); it is "
    "announced as an activity with both hosts.",
)
class JointEventAgreed(BaseModel):
    joint_event_id: str
    proposer_id: str
    partner_id: str
    activity_id: str
    title: str
    starts_at: datetime
    target_groups: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)


# --- evaluation (issue 6, §4.1–§4.3) -----------------------------------------------------------


@declare(
    "evaluation.account.published",
    "FIVU/RTI published the joint annual performance account of a year (§4.1); it is frozen.",
)
class AccountPublished(BaseModel):
    year: int
    published_by: str
    clusters: int = Field(description="Clusters in the account")
    clusters_by_league: dict[str, int] = Field(default_factory=dict)
    indicators: int


class EvaluationFacts(BaseModel):
    evaluation_id: str
    grant_id: str
    cluster_id: str
    funder_id: str
    kind: str = Field(description="mid_term | final")
    due_on: date


@declare(
    "evaluation.evaluation.scheduled",
    "A grant's mid-term or final evaluation was scheduled (from funding.grant.awarded, §4.1).",
)
class EvaluationScheduled(EvaluationFacts):
    pass


@declare("evaluation.evaluation.due", "An evaluation fell due; the funder should carry it out.")
class EvaluationDue(EvaluationFacts):
    pass


@declare("evaluation.evaluation.overdue", "An evaluation was not completed by its due date.")
class EvaluationOverdue(EvaluationFacts):
    days_overdue: int


@declare(
    "evaluation.evaluation.completed",
    "An evaluation was completed with conclusions and a recommendation.",
)
class EvaluationCompleted(EvaluationFacts):
    recommendation: str = Field(description="continue | adjust | phase_down | stop")


@declare(
    "evaluation.evaluation.cancelled",
    "A scheduled evaluation was cancelled (e.g. the grant was terminated before it fell due).",
)
class EvaluationCancelled(EvaluationFacts):
    reason: str


@declare(
    "evaluation.label.expiring",
    "A cluster organisation's ESCA label runs out soon; addressed to the cluster organisation.",
    addressed=True,
)
class LabelExpiring(BaseModel):
    cluster_id: str
    level: str
    valid_until: date
    days_left: int
