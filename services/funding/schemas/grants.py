"""Grants, agreements and the read model of clusters: request and response models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.funding.schemas.calls import MAX_DKK, Description, Kind, Name, OrgId
from shared.validation import Int, UtcDatetime, text

Activity = text(min_length=1, max_length=200)
Reason = text(min_length=1, max_length=2000)
TaskCode = text(min_length=1, max_length=60)
AgreementKind = Literal["division_of_labour", "co_financing"]

_not_nullable: dict[str, Any] = {"not_nullable": True}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _unique(values: list[str], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"each {what} may be listed once")


class GrantCreate(_In):
    cluster_id: OrgId  # type: ignore[valid-type]
    programme_id: OrgId  # type: ignore[valid-type]
    call_id: OrgId | None = None  # type: ignore[valid-type]
    agreement_id: OrgId | None = None  # type: ignore[valid-type]
    kind: Kind | None = Field(None, description="Default: the programme's kind; must match it")
    title: Name  # type: ignore[valid-type]
    description: Description | None = None  # type: ignore[valid-type]
    amount_dkk: Annotated[Int, Field(gt=0, le=MAX_DKK, description="Whole DKK, more than 0")]
    starts_on: date
    ends_on: date
    activities: list[Activity] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    awarded_on: date | None = Field(None, description="Default: today")
    funder_id: OrgId | None = Field(  # type: ignore[valid-type]
        None, description="Optional; must be your own organisation (a funder awards only its own)"
    )
    exemption_reason: Reason | None = Field(  # type: ignore[valid-type]
        None,
        description="§3, §4.1: a base grant names the decided call it was awarded under "
        "(call_id) or records here why it is exempt from competition (shown to the parties as "
        "a finding and in the 360Giving export)",
    )
    societal_task: TaskCode | None = Field(  # type: ignore[valid-type]
        None,
        description="§2: the cluster's societal task this grant supports (one the registry "
        "lists for the cluster); one that is not supportable raises a finding",
    )

    @model_validator(mode="after")
    def _checks(self) -> GrantCreate:
        if self.ends_on < self.starts_on:
            raise ValueError(f"ends_on ({self.ends_on}) is before starts_on ({self.starts_on})")
        _unique(self.activities, "activity")
        return self


class GrantUpdate(_In):
    """Amend a grant: only the fields sent change (none of them may be null)."""

    title: Name | None = Field(None, json_schema_extra=_not_nullable)  # type: ignore[valid-type]
    description: Description | None = None  # type: ignore[valid-type]
    amount_dkk: Annotated[Int, Field(gt=0, le=MAX_DKK)] | None = Field(
        None, json_schema_extra=_not_nullable
    )
    starts_on: date | None = Field(None, json_schema_extra=_not_nullable)
    ends_on: date | None = Field(None, json_schema_extra=_not_nullable)
    activities: list[Activity] | None = Field(  # type: ignore[valid-type]
        None, max_length=50, json_schema_extra=_not_nullable
    )
    agreement_id: OrgId | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _not_null(self) -> GrantUpdate:
        for name in ("title", "amount_dkk", "starts_on", "ends_on", "activities"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        if self.activities:
            _unique(self.activities, "activity")
        return self


class GrantTerminate(_In):
    terminated_on: date
    reason: text(min_length=1, max_length=2000)  # type: ignore[valid-type]


class GrantOut(BaseModel):
    id: str
    funder_id: str
    cluster_id: str
    programme_id: str
    call_id: str | None
    agreement_id: str | None
    kind: str
    title: str
    description: str | None
    amount_dkk: int
    starts_on: date
    ends_on: date
    activities: list[str]
    awarded_on: date
    status: Literal["active", "terminated"]
    terminated_on: date | None
    termination_reason: str | None
    exemption_reason: str | None = Field(
        None, description="Why this base grant was given without a call (§3, §4.1)"
    )
    societal_task: str | None = Field(None, description="The §2 societal task it supports")
    created_at: UtcDatetime
    updated_at: UtcDatetime
    version: int


class AgreementParty(_In):
    party_id: OrgId  # type: ignore[valid-type]
    cluster_ids: list[OrgId] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=200, description="division_of_labour: clusters it funds"
    )
    activities: list[Activity] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=50, description="co_financing: activities it pays for"
    )
    starts_on: date | None = Field(None, description="co_financing: when its share runs")
    ends_on: date | None = None


class AgreementCreate(_In):
    kind: AgreementKind
    title: Name  # type: ignore[valid-type]
    cluster_id: OrgId | None = Field(  # type: ignore[valid-type]
        None, description="co_financing: the shared cluster"
    )
    parties: list[AgreementParty] = Field(min_length=2, max_length=20)
    concluded_on: date | None = None

    @model_validator(mode="after")
    def _shape(self) -> AgreementCreate:
        _unique([p.party_id for p in self.parties], "party")
        if self.kind == "division_of_labour":
            if self.cluster_id:
                raise ValueError("a division of labour lists clusters per party, not cluster_id")
            clusters = [c for p in self.parties for c in p.cluster_ids]
            if not clusters:
                raise ValueError("a division of labour names the clusters each party funds")
            _unique(clusters, "cluster (one party funds it)")
        else:
            if not self.cluster_id:
                raise ValueError("co_financing needs the shared cluster_id")
            for p in self.parties:
                if not p.activities:
                    raise ValueError(f"party {p.party_id} names no activities it pays for")
                if p.cluster_ids:
                    raise ValueError("co_financing parties share cluster_id; no cluster_ids")
                if p.starts_on and p.ends_on and p.ends_on < p.starts_on:
                    raise ValueError(f"party {p.party_id}: ends_on is before starts_on")
        return self


AgreementState = Literal["proposed", "in_force", "declined", "withdrawn"]
Answer = Literal["pending", "confirmed", "declined", "withdrawn", "migrated"]


class AgreementAnswerIn(_In):
    reason: text(max_length=2000) | None = None  # type: ignore[valid-type]


class PartyAnswer(BaseModel):
    party_id: str
    answer: Answer = Field(description="migrated: in force before consent was recorded")
    answered_at: UtcDatetime | None = None
    reason: str | None = None


class AgreementOut(BaseModel):
    id: str
    kind: AgreementKind
    title: str
    created_by: str = Field(description="The party that proposed it")
    cluster_id: str | None
    parties: list[AgreementParty]
    concluded_on: date
    created_at: UtcDatetime
    state: AgreementState = Field(description="Only an agreement in_force counts (§3)")
    answers: list[PartyAnswer]
    waiting_for: list[str] = Field(description="Named parties that have not confirmed yet")
    in_force_since: UtcDatetime | None
    ended_at: UtcDatetime | None


class FundingClusterOut(BaseModel):
    id: str
    name: str
    cluster_kind: str
    league: str
    status: str
    home_municipality_code: str
    home_region_code: str
    fields: list[str]
    responsibility_primary: list[str]
    responsibility_also: list[str]
    responsibility_rule: str | None
    merged_into_id: str | None
    founded_on: date | None = None
    societal_tasks: list[dict[str, Any]] | None = Field(
        None, description="§2 societal tasks: [{task, supportable}] as the registry judged them"
    )
    updated_at: UtcDatetime
