"""Timelines of grants by calendar year (which money, when): response models."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TimelineGrant(BaseModel):
    grant_id: str
    funder_id: str
    cluster_id: str
    kind: str
    amount_dkk: int = Field(description="This year's share, prorated by days")


class TimelineYear(BaseModel):
    year: int
    total_dkk: int
    base_dkk: int
    project_dkk: int
    grants: list[TimelineGrant]


class Timeline(BaseModel):
    cluster_id: str | None = None
    funder_id: str | None = None
    years: list[TimelineYear]
