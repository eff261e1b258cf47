"""ESCA cluster-management labels as a label issuer records them (issue 12)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, model_validator

from services.registry.schemas.clusters import LabelLevel, OrganisationRef
from services.registry.schemas.organisations import Website
from shared.validation import UtcDatetime


class LabelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: LabelLevel
    issued_on: date
    valid_until: date
    evidence_url: Website | None = None

    @model_validator(mode="after")
    def _order(self) -> LabelIn:
        if self.valid_until < self.issued_on:
            raise ValueError("valid_until lies before issued_on")
        return self


class LabelOut(BaseModel):
    id: str
    cluster_id: str
    level: str
    issued_on: date | None
    valid_until: date
    evidence_url: str | None
    issued_by: OrganisationRef
    recorded_at: UtcDatetime
