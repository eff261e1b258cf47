"""Answers of the event endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class RecentEvent(BaseModel):
    """One logged event, as the stream would send it (``id``, ``event``, ``data``)."""

    seq: int = Field(
        description="The event's place in the log: the SSE `id`; open the stream with "
        "`after=<the newest seq>` to continue from this list without a gap"
    )
    type: str = Field(description="The event type (the SSE `event`)")
    event: dict[str, Any] = Field(description="The CloudEvent, exactly as the SSE `data`")
