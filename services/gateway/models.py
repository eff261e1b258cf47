"""Gateway tables.

- ``event_log``: every event of the suite's catalog, as the gateway's durable consumers read
  it from JetStream, numbered by ``seq`` (the ``sequences`` row "event_log": numbers commit in
  order, so a stream resumed after ``Last-Event-ID: N`` reads ``seq > N`` and misses nothing).
  ``recipient`` is set for addressed events: only that organisation may see them.
- ``webhook_subscriptions`` and ``webhook_deliveries``: partners' URLs, the type patterns they
  want, and every attempt to deliver an event (the delivery log).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
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
from shared.sequences import sequences_table

Base = make_base()
messaging = messaging_tables(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)
directory = directory_table(Base.metadata)
sequences = sequences_table(Base.metadata)

EVENT_LOG_SEQUENCE = "event_log"


class LoggedEvent(Base):
    __tablename__ = "event_log"
    __table_args__ = (Index("ix_event_log_type_seq", "type", "seq"),)

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The organisation an addressed event is for (None: public).
    recipient: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: Type patterns: "funding.*", "referrals.referral.sent", "*" (see the gateway docs).
    patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The Standard Webhooks signing secret ("whsec_…"); shown once at creation.
    secret: Mapped[str] = mapped_column(String(200))
    #: After a rotation the old secret still signs (a second signature) until it expires,
    #: so receivers can switch without losing deliveries (Standard Webhooks: key rotation).
    previous_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Failed attempts in a row (reset by a success).
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    #: The first failed attempt since the last success (None: not failing); failing for
    #: ``webhook_disable_after`` disables (``rules.retries``).
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The event_log seq up to which events were considered for this subscription.
    cursor: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class WebhookDelivery(Base):
    """One event for one subscription, with its attempts (the delivery log)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        # Each event at most once per subscription, even with two dispatchers at work.
        UniqueConstraint("subscription_id", "event_seq", name="uq_webhook_deliveries_event"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(64), index=True)
    event_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(120))
    #: pending | delivered | failed (given up: the retry schedule ran out) | cancelled (in the
    #: API's vocabulary, not set: a deleted subscription's deliveries go with it)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Every attempt: [{"at", "attempt", "status", "error", "duration_ms", "retry_at"}]
    log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
