"""Webhook subscriptions and their delivery log: request and response models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.gateway.rules.patterns import MAX_PATTERNS, validate_patterns
from shared.validation import UtcDatetime, text

Url = text(min_length=1, max_length=2000)
Description = text(max_length=2000)
DeliveryState = Literal["pending", "delivered", "failed", "cancelled"]

PATTERNS_DOC = (
    "Event type patterns (at least one): `funding.call.planned` exactly, `funding.*` every "
    "funding event, `*.dialogue.*` one segment, `*` everything. Addressed events come only "
    "when they are addressed to your organisation."
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_patterns(values: list[str]) -> list[str]:
    problems = validate_patterns(values)
    if problems:
        raise ValueError(" ".join(problems))
    # the same pattern twice is harmless; keep it once
    return list(dict.fromkeys(values))


class WebhookCreate(_In):
    url: Url = Field(  # type: ignore[valid-type]
        description="http(s) URL the gateway POSTs each event to; no private or loopback "
        "addresses, no user name or password"
    )
    patterns: list[str] = Field(min_length=1, max_length=MAX_PATTERNS, description=PATTERNS_DOC)
    description: Description | None = None  # type: ignore[valid-type]

    _patterns = field_validator("patterns")(_check_patterns)


class WebhookUpdate(_In):
    url: Url | None = None  # type: ignore[valid-type]
    patterns: list[str] | None = Field(
        None, min_length=1, max_length=MAX_PATTERNS, description=PATTERNS_DOC
    )
    description: Description | None = None  # type: ignore[valid-type]

    @field_validator("patterns")
    @classmethod
    def _valid(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _check_patterns(values)

    @model_validator(mode="after")
    def _something(self) -> WebhookUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send url, patterns or description")
        for name in ("url", "patterns"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class WebhookOut(BaseModel):
    id: str
    organisation_id: str
    url: str
    patterns: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(
        description="Why the gateway stopped delivering (re-enable with POST …/enable)"
    )
    disabled_at: UtcDatetime | None
    consecutive_failures: int = Field(description="Failed attempts in a row (a success resets)")
    failing_since: UtcDatetime | None = Field(
        None,
        description="The first failed attempt since the last success (none: not failing). "
        "Failing for GATEWAY_WEBHOOK_DISABLE_AFTER (5 days) disables the subscription; a "
        "success or re-enabling starts afresh",
    )
    created_at: UtcDatetime
    updated_at: UtcDatetime
    version: int


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The Standard Webhooks signing secret (`whsec_…`). Shown only now: keep "
        "it; POST …/rotate-secret gives a new one"
    )


class SecretOut(BaseModel):
    id: str
    secret: str = Field(description="The new signing secret (`whsec_…`), shown only now")
    previous_secret_expires_at: UtcDatetime | None = Field(
        description="Until then each delivery is signed with the old secret too (a second "
        "signature in webhook-signature), so receivers can switch without losing any"
    )
    version: int


class AttemptOut(BaseModel):
    at: UtcDatetime
    attempt: int | None = None
    status: int | None = Field(None, description="The receiver's HTTP status, if it answered")
    error: str | None = None
    duration_ms: float | None = None
    retry_at: UtcDatetime | None = Field(
        None,
        description="When a failed attempt is tried again (the retry schedule); none after "
        "a delivery, or when the schedule ran out and the delivery was given up",
    )


class DeliveryOut(BaseModel):
    id: str
    subscription_id: str
    event_id: str = Field(description="The CloudEvent id, sent as webhook-id (deduplicate on it)")
    event_type: str
    event_seq: int
    state: DeliveryState = Field(
        description="pending (to be tried, or tried again at next_attempt_at), delivered, "
        "failed (given up: every attempt of the retry schedule failed; redeliver sends it "
        "again)"
    )
    attempts: int = Field(description="Attempts since the delivery was (re)queued")
    next_attempt_at: UtcDatetime | None
    last_attempt_at: UtcDatetime | None
    last_status: int | None
    last_error: str | None
    created_at: UtcDatetime
    delivered_at: UtcDatetime | None
    log: list[AttemptOut] = Field(description="Every attempt, oldest first")

    @classmethod
    def of(cls, delivery: Any) -> DeliveryOut:
        return cls.model_validate(
            {
                **{f: getattr(delivery, f) for f in cls.model_fields if f != "log"},
                "log": list(delivery.log or []),
            }
        )


class PingOut(BaseModel):
    delivered: bool
    status: int | None
    error: str | None
    duration_ms: float
    webhook_id: str = Field(description="The webhook-id the ping was sent with")
