"""Payloads of the gateway's own events: what happens to a partner's webhook subscription."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.spec import declare


@declare(
    "gateway.webhook.disabled",
    "A webhook subscription was disabled: its deliveries had failed without a success for "
    "GATEWAY_WEBHOOK_DISABLE_AFTER (5 days), or its receiver answered 410 Gone. Addressed to "
    "the subscription's owner (re-enable with POST /gateway/v1/webhooks/{id}/enable).",
    addressed=True,
)
class WebhookDisabled(BaseModel):
    subscription_id: str
    url_host: str = Field(
        description="The receiver's host name only: the URL's path or query may hold a token, "
        "and events travel further than the subscription (the log, your other webhooks)"
    )
    cause: Literal["failing", "gone"] = Field(
        description="failing: no successful delivery for the disable period; gone: the "
        "receiver answered 410 Gone"
    )
    reason: str = Field(description="Why, in one sentence (as the subscription shows it)")
    failing_since: datetime | None = Field(
        description="The first failed attempt of the run of failures that ended in disabling"
    )
    disabled_at: datetime
    failed_attempts: int = Field(description="Failed attempts in a row, since failing_since")
    last_status: int | None = Field(
        None, description="The receiver's last HTTP status (none: no answer, e.g. a timeout)"
    )
