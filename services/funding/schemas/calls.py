"""Programmes, calls and dialogue: request and response models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.reference.fields import field_by_code
from shared.validation import Bool, Int, Number, UtcDatetime, text

Kind = Literal["base", "project"]
Source = Literal["national", "regional", "eu_structural_funds", "ministry", "fund"]
Scope = Literal["national", "regional"]
CallState = Literal["planned", "in_dialogue", "open", "closed", "decided", "cancelled"]

Name = text(min_length=1, max_length=300)
Description = text(max_length=5000)
OrgId = text(min_length=1, max_length=64)
Comment = text(max_length=5000)
#: Whole Danish kroner (up to a trillion: more than any cluster budget).
MAX_DKK = 10**12


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- programmes -----------------------------------------------------------------------------


class ProgrammeCreate(_In):
    name: Name  # type: ignore[valid-type]
    kind: Kind
    source: Source
    starts_on: date
    ends_on: date
    priority_fields: list[str] = Field(default_factory=list, max_length=30)
    description: Description | None = None  # type: ignore[valid-type]
    funder_id: OrgId | None = Field(  # type: ignore[valid-type]
        None, description="Optional; must be your own organisation (it always is the funder)"
    )

    @field_validator("priority_fields")
    @classmethod
    def _known_fields(cls, values: list[str]) -> list[str]:
        known = field_by_code()
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ValueError(
                f"unknown fields {unknown[:5]}; see GET /registry/v1/fields ({', '.join(known)})"
            )
        if len(set(values)) != len(values):
            raise ValueError("each field may be listed once")
        return values


class ProgrammeOut(BaseModel):
    id: str
    funder_id: str
    name: str
    kind: str
    source: str
    starts_on: date
    ends_on: date
    priority_fields: list[str]
    description: str | None
    created_at: UtcDatetime


# --- calls ---------------------------------------------------------------------------------


class Criterion(_In):
    name: text(min_length=1, max_length=200)  # type: ignore[valid-type]
    weight: Annotated[
        Number, Field(gt=0, le=100, description="Percent; published weights sum to 100")
    ]
    description: text(max_length=2000) | None = None  # type: ignore[valid-type]


class DialogueOmissionIn(_In):
    party_id: OrgId  # type: ignore[valid-type]
    reason: text(min_length=1, max_length=2000)  # type: ignore[valid-type]


class DialogueOmissionOut(BaseModel):
    party_id: str
    reason: str


class CallCreate(_In):
    programme_id: OrgId  # type: ignore[valid-type]
    title: Name  # type: ignore[valid-type]
    description: Description | None = None  # type: ignore[valid-type]
    budget_dkk: Annotated[Int, Field(gt=0, le=MAX_DKK)]
    opens_on: date
    closes_on: date
    decision_on: date
    strategic: Bool = False
    scope: Scope | None = Field(
        None, description="Default by funder: national for ministries, regional otherwise"
    )
    criteria: list[Criterion] = Field(default_factory=list, max_length=30)
    dialogue_deadline: date | None = Field(
        None, description="Last day to answer the dialogue; default today + FUNDING_DIALOGUE_DAYS"
    )
    funder_id: OrgId | None = None  # type: ignore[valid-type]
    dialogue_omissions: list[DialogueOmissionIn] = Field(
        default_factory=list,
        max_length=20,
        description="§3: parties of the strategy you do not consult, each with your reason "
        "(stored and shown on the call)",
    )

    @model_validator(mode="after")
    def _omitted_once(self) -> CallCreate:
        ids = [o.party_id for o in self.dialogue_omissions]
        if len(set(ids)) != len(ids):
            raise ValueError("each omitted party may be listed once")
        return self


class CriteriaPublish(_In):
    criteria: list[Criterion] | None = Field(
        None, max_length=30, description="Replace the draft criteria before publishing them"
    )


class CancelIn(_In):
    reason: text(max_length=2000) | None = None  # type: ignore[valid-type]


class DialogueSummary(BaseModel):
    deadline: date | None
    parties: list[str]
    answered: list[str]
    unanswered: list[str]
    closed_at: UtcDatetime | None


class CallOut(BaseModel):
    id: str
    funder_id: str
    programme_id: str
    title: str
    description: str | None
    kind: str
    scope: str
    strategic: bool
    budget_dkk: int
    opens_on: date
    closes_on: date
    decision_on: date
    criteria: list[Criterion]
    criteria_published: bool
    criteria_published_at: UtcDatetime | None
    state: CallState
    announced: bool
    dialogue: DialogueSummary | None
    dialogue_omissions: list[DialogueOmissionOut] = Field(
        default_factory=list, description="Parties not consulted, with the funder's reason (§3)"
    )
    created_at: UtcDatetime
    updated_at: UtcDatetime
    version: int


# --- dialogue ------------------------------------------------------------------------------


class DialogueAnswerIn(_In):
    comment: Comment | None = None  # type: ignore[valid-type]
    co_financing_dkk: Annotated[Int, Field(ge=0, le=MAX_DKK)] = 0
    cluster_ids: list[OrgId] = Field(default_factory=list, max_length=200)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _unique(self) -> DialogueAnswerIn:
        if len(set(self.cluster_ids)) != len(self.cluster_ids):
            raise ValueError("each cluster may be listed once")
        return self


class DialogueRequestOut(BaseModel):
    id: str
    call_id: str
    call_title: str
    funder_id: str
    recipient_id: str
    deadline: date
    answered: bool
    answered_at: UtcDatetime | None
    comment: str | None
    co_financing_dkk: int | None
    cluster_ids: list[str]
    created_at: UtcDatetime


class DialogueAnswerView(BaseModel):
    """One consulted party's part of a call's dialogue, as every consulted party sees it."""

    request_id: str
    party_id: str
    answered: bool
    answered_at: UtcDatetime | None
    comment: str | None
    co_financing_dkk: int | None
    cluster_ids: list[str]


class CallDialogueOut(BaseModel):
    """A call's §3 dialogue: who was asked, who was omitted and why, every answer given."""

    call_id: str
    funder_id: str
    deadline: date | None
    closed_at: UtcDatetime | None
    parties: list[DialogueAnswerView]
    omissions: list[DialogueOmissionOut]
