"""Registry tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import make_base
from shared.events.tables import BigId, messaging_tables
from shared.idempotency import idempotency_table

Base = make_base()
messaging = messaging_tables(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    cvr: Mapped[str | None] = mapped_column(String(8), unique=True)
    #: Official code where one exists (municipality "0101", region "1081").
    code: Mapped[str | None] = mapped_column(String(8))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    region_code: Mapped[str | None] = mapped_column(String(4), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    reference: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiClient(Base):
    """An OAuth2 client bound to one organisation; acts as that organisation."""

    __tablename__ = "api_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(128))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    scopes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SigningKey(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Cluster(Base):
    """A cluster organisation's profile; its id is its organisation's id."""

    __tablename__ = "clusters"

    id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    cluster_kind: Mapped[str] = mapped_column(String(30))
    league: Mapped[str] = mapped_column(String(20), index=True)
    founded_on: Mapped[date | None] = mapped_column(Date)
    home_municipality_code: Mapped[str] = mapped_column(String(4), index=True)
    home_region_code: Mapped[str] = mapped_column(String(4), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    functions: Mapped[list[str]] = mapped_column(JSON, default=list)
    municipalities_served: Mapped[list[str]] = mapped_column(JSON, default=list)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: §4.5 obligations declared by the organisation: {"neutral_platform": bool, ...}
    obligations: Mapped[dict[str, bool] | None] = mapped_column(JSON)
    obligations_declared_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("clusters.id"))
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    label_level: Mapped[str | None] = mapped_column(String(10), index=True)
    label_valid_until: Mapped[date | None] = mapped_column(Date)
    #: The responsibility last computed (or overridden), to tell when it changes.
    responsibility: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClusterField(Base):
    """Search index of a cluster's fields (the list lives on the cluster)."""

    __tablename__ = "cluster_fields"

    cluster_id: Mapped[str] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class SocietalTaskRecord(Base):
    """A societal task (§2) with its three preconditions as recorded."""

    __tablename__ = "cluster_societal_tasks"

    cluster_id: Mapped[str] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True
    )
    task: Mapped[str] = mapped_column(String(40), primary_key=True)
    backing_of_central_actors: Mapped[bool] = mapped_column(Boolean, default=False)
    added_value_in_coordination: Mapped[bool] = mapped_column(Boolean, default=False)
    resources_without_crowding_out: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class Member(Base):
    __tablename__ = "cluster_members"
    __table_args__ = (UniqueConstraint("cluster_id", "cvr"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(300))
    cvr: Mapped[str | None] = mapped_column(String(8))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    employees: Mapped[int | None] = mapped_column(Integer)
    joined_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LeagueChange(Base):
    __tablename__ = "league_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id"), index=True)
    from_league: Mapped[str | None] = mapped_column(String(20))
    to_league: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ResponsibilityOverride(Base):
    """An exception to the §1 matrix, with its reason: proposed by one party, in force once
    every concerned party has confirmed it (``service/responsibility_exceptions.py``)."""

    __tablename__ = "responsibility_overrides"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id"), index=True)
    primary: Mapped[list[str]] = mapped_column(JSON)
    also: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    #: proposed | in_force | declined | withdrawn | superseded
    state: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    #: The exception in force when this one was proposed, which it replaces once in force.
    supersedes_id: Mapped[str | None] = mapped_column(String(36))
    in_force_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ResponsibilityOverrideAnswer(Base):
    """One concerned party's answer to an exception: pending, confirmed, declined, withdrawn
    (it ended one in force) or migrated (in force before consent was recorded)."""

    __tablename__ = "responsibility_override_answers"

    override_id: Mapped[str] = mapped_column(
        ForeignKey("responsibility_overrides.id", ondelete="CASCADE"), primary_key=True
    )
    party_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    #: why the party is concerned: named | computed | in_force (parties of the one replaced)
    role: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(String(20), default="pending")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClusterLabel(Base):
    """An ESCA cluster-management label as an issuer recorded it; the latest is the cluster's
    current label (``Cluster.label_level``/``label_valid_until``)."""

    __tablename__ = "cluster_labels"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    #: the issuer's organisation id; "migrated" for a label set before issuers existed
    issued_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MinistrySeat(Base):
    """§2: a seat in a national innovation network's steering or follow-up group."""

    __tablename__ = "ministry_seats"
    __table_args__ = (UniqueConstraint("cluster_id", "ministry_id", "group_kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id"), index=True)
    ministry_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    group_kind: Mapped[str] = mapped_column(String(20))
    offered_on: Mapped[date] = mapped_column(Date)
    taken: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_on: Mapped[date | None] = mapped_column(Date)


class ClusterMunicipality(Base):
    """Search index: the home municipality and the municipalities a cluster serves."""

    __tablename__ = "cluster_municipalities"

    cluster_id: Mapped[str] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_code: Mapped[str] = mapped_column(String(4), primary_key=True, index=True)


class ClusterFlag(Base):
    """``evaluation.cluster.flagged`` as received (§4.3), marked lifted by
    ``evaluation.cluster.flag_lifted``; a §4.4 merger hint skips a partner with an open flag
    (``consumers.py``, ``service/merger_hints.py``)."""

    __tablename__ = "cluster_flags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(120))
    account_year: Mapped[int | None] = mapped_column(Integer)
    #: The flag's id in evaluation (``evaluation.cluster.flag_lifted`` names it).
    flag_id: Mapped[str | None] = mapped_column(String(64), index=True)
    flagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MergerAnnouncement(Base):
    """A §4.4 merger hint announced as ``registry.merger.suggested``: once per pair, ever."""

    __tablename__ = "merger_announcements"

    small_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    larger_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The organisations the hint was addressed to (one event each).
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    announced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
