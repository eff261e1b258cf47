"""Evaluation tables (§4.1–§4.3).

- ``eval_clusters`` and ``member_snapshots``: clusters as the registry announces them (with
  their §1 responsibility); the member summary of each cluster as it stood at the end of each
  year (the last event that year).
- ``league_history``: each cluster's league from the time of the event that set it (§4.1: an
  account of a past year uses the league as it was then).
- ``indicator_values``: one row per cluster × year × indicator — reported by the cluster
  organisation (``source='reported'``, with its ``reports`` row) or derived from events
  (``source='derived'``: members, funding by source, referrals). A missing row is missing data.
- ``eval_grants`` and ``referral_records``: what funding and referrals announced, kept so the
  derived values can be recomputed from them.
- ``accounts``: the joint annual performance account per year: ``draft`` while data comes in,
  ``published`` (frozen: ``snapshot`` holds the computed account as published).
- ``evaluations``: mid-term and final evaluations scheduled from grants.
- ``flags`` and ``relevance_marks``: §4.3 flags raised and funders' "no longer relevant" marks.
- ``employment_stats``: employment by region × category × year for the strongholds (§4.2).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import make_base
from shared.directory import directory_table
from shared.events.tables import messaging_tables
from shared.idempotency import idempotency_table

Base = make_base()
messaging = messaging_tables(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)
directory = directory_table(Base.metadata)


class EvalCluster(Base):
    """A cluster as the registry announced it (its id is its organisation's id)."""

    __tablename__ = "eval_clusters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    cluster_kind: Mapped[str] = mapped_column(String(30), default="")
    league: Mapped[str] = mapped_column(String(20), default="", index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    home_municipality_code: Mapped[str] = mapped_column(String(4), default="")
    home_region_code: Mapped[str] = mapped_column(String(4), default="")
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    functions: Mapped[list[str]] = mapped_column(JSON, default=list)
    label_level: Mapped[str | None] = mapped_column(String(10), nullable=True)
    label_valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The ``label_valid_until`` for which ``evaluation.label.expiring`` was sent (once each).
    label_notice_for: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: §1: who carries the base funding (organisation ids) and the rule that says so, as the
    #: registry computed or the parties agreed it (``shared.cluster_projection``).
    responsibility_primary: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsibility_also: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsibility_rule: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: The time of the registry's ``registered`` event: the cluster exists in the suite from
    #: then on (an account of an earlier year does not contain it).
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LeagueHistory(Base):
    """A cluster's league from ``valid_from`` (the time of the registry event that set it)."""

    __tablename__ = "league_history"

    cluster_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    league: Mapped[str] = mapped_column(String(20))


class MemberSnapshot(Base):
    """A cluster's member summary at the last registry event of a calendar year."""

    __tablename__ = "member_snapshots"

    cluster_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    members_by_kind: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    sme_firms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    firms_size_unknown: Mapped[int | None] = mapped_column(Integer, nullable=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Report(Base):
    """A cluster organisation's submission for a year (its values are ``indicator_values``)."""

    __tablename__ = "reports"

    cluster_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted_by: Mapped[str] = mapped_column(String(120))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    #: Covering the account's read of one year (and the year before): an index-only scan, three
    #: times faster on SQLite than the index on (year, indicator) plus a row lookup per value.
    __table_args__ = (
        Index("ix_indicator_values_year", "year", "cluster_id", "indicator", "value"),
    )

    cluster_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    #: reported | derived
    source: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvalGrant(Base):
    """A grant as funding announced it (awarded, amended, terminated)."""

    __tablename__ = "eval_grants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    funder_id: Mapped[str] = mapped_column(String(64), index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    #: base | project
    kind: Mapped[str] = mapped_column(String(20))
    amount_dkk: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")
    terminated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReferralRecord(Base):
    """A referral as the referrals service announced it (ids, parties, state; no personal data)."""

    __tablename__ = "referral_records"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(64), index=True)
    recipient_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Account(Base):
    """The joint annual performance account of a year (§4.1)."""

    __tablename__ = "accounts"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: draft | published
    state: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The account as published (frozen); None while a draft (drafts are computed on read).
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Evaluation(Base):
    """A mid-term or final evaluation of a grant (§4.1)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("grant_id", "kind"),
        Index("ix_evaluations_state_due", "state", "due_on"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(64), index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    funder_id: Mapped[str] = mapped_column(String(64), index=True)
    #: mid_term | final
    kind: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    #: scheduled | due | overdue | completed | cancelled
    state: Mapped[str] = mapped_column(String(20), default="scheduled")
    due_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    conclusions: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: continue | adjust | phase_down | stop
    recommendation: Mapped[str | None] = mapped_column(String(20), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Flag(Base):
    """A §4.3 flag raised on a cluster, with its evidence."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("cluster_id", "rule", "account_year"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    account_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: open | lifted (every basis withdrawn, §4.3)
    state: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lifted_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class RelevanceMark(Base):
    """A funder's mark that a cluster is no longer relevant (§4.3)."""

    __tablename__ = "relevance_marks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    funder_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class EmploymentStat(Base):
    """Employees in a region × category × year (Danish regions and neighbouring regions, §4.2)."""

    __tablename__ = "employment_stats"

    region_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_name: Mapped[str] = mapped_column(String(120), default="")
    employees: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
