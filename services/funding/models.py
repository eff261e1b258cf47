"""Funding coordination tables.

``funding_clusters`` and ``funding_cluster_flags`` are read models filled from registry and
evaluation events; the rest is owned here. Grants carry what the coordination checks need
(funder, cluster, kind, amount, period, activities, agreement), so findings and timelines can
be computed from these tables alone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import make_base
from shared.directory import directory_table
from shared.events.tables import BigId, messaging_tables
from shared.idempotency import idempotency_table

Base = make_base()
messaging = messaging_tables(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)
directory = directory_table(Base.metadata)

#: Whole Danish kroner; BIGINT on PostgreSQL (budgets pass 2^31).
Dkk = BigInteger().with_variant(Integer(), "sqlite")


class FundingCluster(Base):
    """A cluster as the registry last announced it (read model; never written by the API)."""

    __tablename__ = "funding_clusters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    cluster_kind: Mapped[str] = mapped_column(String(30))
    league: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    home_municipality_code: Mapped[str] = mapped_column(String(4))
    home_region_code: Mapped[str] = mapped_column(String(4), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsibility_primary: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsibility_also: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsibility_rule: Mapped[str | None] = mapped_column(String(60))
    merged_into_id: Mapped[str | None] = mapped_column(String(64))
    #: Time of the ``registry.cluster.registered`` event (how new the organisation is, §3,
    #: where the registry gives no founding date).
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the organisation was founded, as the registry gives it (§3: how new it is).
    founded_on: Mapped[date | None] = mapped_column(Date)
    #: §2 societal tasks it carries: [{task, supportable}] as the registry judged them.
    societal_tasks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Time of the newest registry event applied (older redeliveries are ignored).
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClusterFlag(Base):
    """``evaluation.cluster.flagged`` as received (read model for the coordination checks)."""

    __tablename__ = "funding_cluster_flags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    account_year: Mapped[int | None] = mapped_column(Integer)
    flagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The flag's id in evaluation (``evaluation.cluster.flag_lifted`` names it).
    flag_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Set when evaluation lifted the flag; a lifted flag no longer counts (§4.3).
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class Programme(Base):
    __tablename__ = "programmes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    funder_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    priority_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    funder_id: Mapped[str] = mapped_column(String(64), index=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20))
    strategic: Mapped[bool] = mapped_column(Boolean, default=False)
    budget_dkk: Mapped[int] = mapped_column(Dkk)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    decision_on: Mapped[date] = mapped_column(Date)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    criteria_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20), index=True)
    dialogue_deadline: Mapped[date | None] = mapped_column(Date)
    dialogue_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    announced: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Parties of the strategy the funder chose not to consult: [{party_id, reason}] (§3).
    dialogue_omissions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class DialogueRequest(Base):
    __tablename__ = "dialogue_requests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    recipient_id: Mapped[str] = mapped_column(String(64), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)
    co_financing_dkk: Mapped[int | None] = mapped_column(Dkk)
    cluster_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Agreement(Base):
    """A coordinated-financing agreement (§3): division of labour or co-financing.

    Proposed by one named party; in force only once every named party confirmed. ``answers``
    holds each party's answer: [{party_id, answer, answered_at, reason}], answer one of
    pending | confirmed | declined | withdrawn | migrated (in force before consent existed).
    """

    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(64), index=True)
    #: co_financing: the shared cluster; division_of_labour: none.
    cluster_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: [{party_id, cluster_ids, activities, starts_on, ends_on}]
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    party_ids: Mapped[list[str]] = mapped_column(JSON)
    concluded_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: proposed | in_force | declined | withdrawn
    state: Mapped[str] = mapped_column(String(20), index=True, default="proposed")
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    in_force_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Grant(Base):
    __tablename__ = "grants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    funder_id: Mapped[str] = mapped_column(String(64), index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), index=True)
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id"), index=True)
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    amount_dkk: Mapped[int] = mapped_column(Dkk)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    activities: Mapped[list[str]] = mapped_column(JSON, default=list)
    awarded_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination_reason: Mapped[str | None] = mapped_column(Text)
    #: §3, §4.1: why base funding was given without a call (competition), if it was.
    exemption_reason: Mapped[str | None] = mapped_column(Text)
    #: §2: the societal task of the cluster this grant supports, if any (registry's code).
    societal_task: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Recommendation(Base):
    """An evaluation's recommendation on a grant (``evaluation.evaluation.completed``, §4.3)
    and what the funder did about it: ``acted`` is ``terminated``, ``amended`` or ``kept``
    (kept: the funder recorded why it does not follow it, ``reason``)."""

    __tablename__ = "funding_recommendations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    evaluation_id: Mapped[str] = mapped_column(String(64), index=True)
    grant_id: Mapped[str] = mapped_column(String(40), index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    funder_id: Mapped[str] = mapped_column(String(64), index=True)
    #: mid_term | final
    evaluation_kind: Mapped[str] = mapped_column(String(20))
    #: continue | adjust | phase_down | stop
    recommendation: Mapped[str] = mapped_column(String(20))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acted: Mapped[str | None] = mapped_column(String(20))
    acted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)


class Finding(Base):
    """A coordination check's finding (§1, §3, §4.3), kept current from events.

    ``key`` is stable (rule + cluster + what is involved): re-evaluation upserts by it, a cause
    that goes away resolves it, a cause that comes back opens it again.
    """

    __tablename__ = "funding_findings"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    rule: Mapped[str] = mapped_column(String(60), index=True)
    section: Mapped[str] = mapped_column(String(20))
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    funder_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), index=True)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
