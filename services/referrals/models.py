"""Referral exchange tables (§5).

- ``directory_organisations`` (shared.directory) and ``referral_clusters``: who exists, from
  registry events; clusters with their fields and the municipalities they serve.
- ``offered_services`` and ``activities``: what each organisation offers (Open Referral HSDS
  shape) and the larger activities it runs; ``search_terms`` holds the stemmed words matching
  searches, ``change_seq`` lets every replica refresh its match index incrementally.
- ``referrals`` and ``referral_transitions``: the closed loop. Contact data (``contact_*``,
  ``consent_given_by``) is personal data: never in events or logs, erased after the retention
  period (``contact_erased_at``) while the anonymous facts used by the flow statistics stay.
- ``joint_events``: a proposal from one organisation to another, announced as an activity with
  both hosts once accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import make_base
from shared.directory import directory_table
from shared.events.tables import messaging_tables
from shared.idempotency import idempotency_table
from shared.sequences import sequences_table

Base = make_base()
messaging = messaging_tables(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)
directory = directory_table(Base.metadata)
sequences = sequences_table(Base.metadata)

#: The ``sequences`` row numbering changes to services and activities (``change_seq``): taking
#: the next number locks the row until commit, so changes become visible in ``change_seq``
#: order and a replica's match index that has read up to N never misses a later commit with
#: a smaller number (shared.sequences).
DIRECTORY_CHANGES = "directory_changes"


class ReferralCluster(Base):
    """A cluster organisation as the registry announced it (its id is its organisation's id)."""

    __tablename__ = "referral_clusters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    cluster_kind: Mapped[str] = mapped_column(String(30), default="")
    league: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    home_municipality_code: Mapped[str] = mapped_column(String(4), default="")
    home_region_code: Mapped[str] = mapped_column(String(4), default="")
    municipalities_served: Mapped[list[str]] = mapped_column(JSON, default=list)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OfferedService(Base):
    """A service an organisation offers firms (HSDS ``service`` with its ``service_area``)."""

    __tablename__ = "offered_services"
    __table_args__ = (Index("ix_offered_services_change_seq", "change_seq"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: national | regions | municipalities
    area_kind: Mapped[str] = mapped_column(String(20), default="national")
    #: region codes or municipality codes, by ``area_kind`` (empty for national)
    area_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: HSDS status: active | inactive | defunct | temporarily closed
    status: Mapped[str] = mapped_column(String(30), default="active", index=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: The organisation's contact point for this service (a function mailbox, not a person).
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    fees_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Stemmed words of name, description and fields, space separated (the match index).
    search_terms: Mapped[str] = mapped_column(Text, default="")
    #: Increases with every change across services and activities (index refresh).
    change_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Activity(Base):
    """A larger activity: conference, workshop, matchmaking, project, course, network meeting."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_change_seq", "change_seq"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    #: Further hosts (a joint event has two).
    co_host_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(String(300), nullable=True)
    municipality_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: announced | cancelled
    status: Mapped[str] = mapped_column(String(20), default="announced", index=True)
    joint_event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Organisations told by ``referrals.activity.announced`` (overlapping targets or fields).
    announced_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    search_terms: Mapped[str] = mapped_column(Text, default="")
    change_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Referral(Base):
    """A firm referred from one organisation to another, with its closed-loop state.

    Cross-border is judged from where the firm is to where the receiving organisation is:
    ``cross_municipality`` / ``cross_region`` (stored when the referral is made).
    """

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_state_due", "state", "due_at"),
        Index("ix_referrals_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(64), index=True)
    sender_kind: Mapped[str] = mapped_column(String(40))
    sender_municipality_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    sender_region_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    recipient_id: Mapped[str] = mapped_column(String(64), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(40))
    recipient_municipality_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    recipient_region_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    service_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the firm (a business; erased on request by CVR)
    firm_cvr: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    firm_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    firm_municipality_code: Mapped[str] = mapped_column(String(4))
    firm_region_code: Mapped[str] = mapped_column(String(4))
    firm_employees: Mapped[int | None] = mapped_column(Integer, nullable=True)
    need: Mapped[str | None] = mapped_column(Text, nullable=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the contact person (personal data)
    contact_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # recorded consent
    consent_given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consent_given_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    consent_purpose: Mapped[str] = mapped_column(String(500))
    contact_erased_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    #: retention | request
    erased_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # the closed loop
    state: Mapped[str] = mapped_column(String(20), default="requested")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Coarse outcome of a completed referral (no free text; the flow statistics may count it):
    #: advice_given | project_started | joined_cluster | referred_on | other
    outcome_category: Mapped[str | None] = mapped_column(String(30), nullable=True)
    cross_municipality: Mapped[bool] = mapped_column(Boolean, default=False)
    cross_region: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    state_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: When the owner of the current state must have acted (None in a final state).
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Set once ``referrals.referral.overdue`` was sent for the current state.
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ReferralTransition(Base):
    """One step of a referral's history (the sender sees every change)."""

    __tablename__ = "referral_transitions"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    referral_id: Mapped[str] = mapped_column(String(64), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str] = mapped_column(String(20))
    #: The organisation that made the change (None: the system, e.g. overdue).
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JointEvent(Base):
    """A joint event for a shared SME target group, proposed by one organisation to another."""

    __tablename__ = "joint_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    proposer_id: Mapped[str] = mapped_column(String(64), index=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(String(300), nullable=True)
    municipality_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    #: proposed | accepted | declined | withdrawn
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    decline_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    activity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


def json_list(value: Any) -> list[str]:
    """A JSON list column as a list of strings (None → [])."""
    return [str(v) for v in (value or [])]
