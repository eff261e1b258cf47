"""Payloads of the referral exchange's events (§5): referrals, activities, joint events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.events.spec import declare

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
    "referrals.joint_event.proposed",
    "An organisation proposed a joint event for a shared SME target group (§5); addressed to "
    "the partner, who accepts or declines it through the API. Ids, kind, title, time, place "
    "and target groups only: the free-text description stays in the referrals service.",
    addressed=True,
)
class JointEventProposed(BaseModel):
    joint_event_id: str
    proposer_id: str
    partner_id: str = Field(description="The organisation asked (the event's recipient)")
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    municipality_code: str | None = None
    online: bool = False
    target_groups: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)


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
