"""Coordination findings (§1, §3, §4.3): response model."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.validation import UtcDatetime


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    key: str = Field(description="Stable: rule + cluster + the grants (or year) involved")
    rule: str
    section: str = Field(description="The paper's section")
    cluster_id: str
    funder_ids: list[str]
    grant_ids: list[str]
    summary: str
    evidence: dict[str, Any]
    state: Literal["open", "resolved"]
    raised_at: UtcDatetime
    resolved_at: UtcDatetime | None = None
