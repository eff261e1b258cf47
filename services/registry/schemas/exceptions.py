"""Responsibility exceptions with consent (§1, issue 12): answers and states."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from services.registry.schemas.clusters import OrganisationRef, OverrideOut
from shared.validation import UtcDatetime

ExceptionState = Literal["proposed", "in_force", "declined", "withdrawn", "superseded"]


class PartyAnswerOut(BaseModel):
    party: OrganisationRef
    role: Literal["named", "computed", "in_force"] = Field(
        description="Why the party is concerned: named in the exception, named by the §1 "
        "matrix today, or a party to the exception in force it would replace"
    )
    answer: Literal["pending", "confirmed", "declined", "withdrawn", "migrated"]
    answered_at: UtcDatetime | None


class ExceptionOut(OverrideOut):
    """An exception to the §1 matrix: in force only once every concerned party confirmed."""

    cluster_id: str
    state: ExceptionState
    supersedes_id: str | None = Field(
        None, description="The exception in force it replaces once every party has confirmed"
    )
    in_force_at: UtcDatetime | None
    withdrawn_by: OrganisationRef | None
    answers: list[PartyAnswerOut]
    waiting_for: list[OrganisationRef] = Field(description="Parties that have not answered yet")
