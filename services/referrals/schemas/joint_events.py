"""Joint events (§5 "fælles arrangementer for fælles SMV-målgrupper"): request and response
models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.referrals.rules.vocabulary import ActivityKind
from services.referrals.schemas.directory import (
    Description,
    Fields,
    Moment,
    Name,
    OrgId,
    Place,
    TargetGroups,
    check_period,
    check_where,
)
from shared.validation import Bool, MunicipalityCode, UtcDatetime, text

JointEventState = Literal["proposed", "accepted", "declined", "withdrawn"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class JointEventCreate(_In):
    """A proposal to another party for an event for a shared target group. Once the partner
    accepts, it is announced as an activity hosted by both."""

    partner_id: OrgId = Field(description="The organisation asked to co-host")  # type: ignore[valid-type]
    kind: ActivityKind
    title: Name  # type: ignore[valid-type]
    description: Description = ""  # type: ignore[valid-type]
    target_groups: TargetGroups = Field(
        min_length=1, description="The shared target group(s), e.g. ['sme']"
    )
    fields: Fields = Field(default_factory=list)
    starts_at: Moment
    ends_at: Moment
    place: Place | None = None  # type: ignore[valid-type]
    municipality_code: MunicipalityCode | None = None
    online: Bool = False

    @model_validator(mode="after")
    def _checks(self) -> JointEventCreate:
        check_period(self.starts_at, self.ends_at)
        check_where(self.municipality_code, self.online)
        return self


class JointEventDecline(_In):
    reason: text(min_length=1, max_length=2000)  # type: ignore[valid-type]


class JointEventOut(BaseModel):
    id: str
    proposer_id: str
    partner_id: str
    kind: str
    title: str
    description: str
    target_groups: list[str]
    fields: list[str]
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    place: str | None
    municipality_code: str | None
    online: bool
    state: JointEventState
    decline_reason: str | None
    activity_id: str | None = Field(description="The activity announced once accepted")
    created_at: UtcDatetime
    updated_at: UtcDatetime
    version: int
