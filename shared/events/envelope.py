"""The CloudEvents 1.0 envelope every event travels in (JSON structured mode)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.clock import as_utc, utcnow


def new_event_id() -> str:
    return str(uuid.uuid4())


def is_newer(event_time: datetime, stored: datetime | None) -> bool:
    """True when an event at ``event_time`` is not older than what a read model applied last
    (``stored``): a redelivered older event must not undo a newer one."""
    return stored is None or as_utc(event_time) >= as_utc(stored)


class CloudEvent(BaseModel):
    """CloudEvents 1.0 attributes plus one extension, ``recipient``.

    ``recipient`` holds the organisation id an *addressed* event is meant for (a dialogue
    request, a referral notice); the gateway shows such events only to that organisation.
    Public events leave it empty.
    """

    model_config = ConfigDict(extra="allow")

    specversion: str = "1.0"
    id: str = Field(default_factory=new_event_id)
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=utcnow)
    datacontenttype: str = "application/json"
    recipient: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)
