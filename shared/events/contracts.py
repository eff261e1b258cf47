"""Payload models of every event type (the contracts between services)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.events.catalog import declare


@declare(
    "registry.organisation.registered",
    "An organisation (authority, growth forum, municipality, cluster organisation, growth "
    "house, …) was registered in the registry.",
)
class OrganisationRegistered(BaseModel):
    organisation_id: str
    name: str
    kind: str
    cvr: str | None = None
    code: str | None = Field(None, description="Official code: municipality or region code")
    municipality_code: str | None = None
    region_code: str | None = None
    parent_id: str | None = None
