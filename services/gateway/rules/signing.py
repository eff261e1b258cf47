"""What a webhook delivery sends and how it is signed (Standard Webhooks).

The body is the CloudEvent as compact JSON — exactly the signed text. The headers are
``webhook-id`` (the event id: the same on every retry, so receivers can deduplicate),
``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of
id.timestamp.body>``, signed by the ``standardwebhooks`` package). During a secret rotation
the old secret signs too, until it expires: one signature per secret, space separated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from shared.clock import as_utc


def body_of(envelope: dict[str, Any]) -> str:
    """The request body: the CloudEvent as compact JSON (exactly the signed text)."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def signature_headers(
    msg_id: str, body: str, secrets: Sequence[str], at: datetime
) -> dict[str, str]:
    """Standard Webhooks headers; one ``v1,…`` signature per secret, space separated."""
    at = at.astimezone(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Webhook(s).sign(msg_id, at, body) for s in secrets),
    }


def signing_secrets(
    secret: str,
    previous_secret: str | None,
    previous_expires_at: datetime | None,
    now: datetime,
) -> list[str]:
    """The secrets a delivery is signed with at ``now``: the subscription's secret, and after
    a rotation the previous one too until it expires."""
    out = [secret]
    if previous_secret and previous_expires_at is not None and as_utc(previous_expires_at) > now:
        out.append(previous_secret)
    return out
