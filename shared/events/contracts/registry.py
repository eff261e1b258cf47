"""Payloads of the registry's events: organisations and clusters (§1)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from shared.events.spec import declare


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


class ResponsibilityFacts(BaseModel):
    """Who carries a cluster's base funding (§1), as ids; names are in the registry."""

    primary: list[str]
    also: list[str]
    rule: str
    overridden: bool = False
    centre_of_gravity_forum: str | None = None


class ClusterFacts(BaseModel):
    cluster_id: str
    name: str
    cluster_kind: str
    league: str
    status: str
    home_municipality_code: str
    home_region_code: str
    municipalities_served: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)
    member_count: int = 0
    merged_into_id: str | None = None
    responsibility: ResponsibilityFacts | None = None
    # added for the annual account (§4.1); absent in events from before they existed
    members_by_kind: dict[str, int] = Field(
        default_factory=dict, description="Members by kind: firm, knowledge_institution, …"
    )
    sme_firms: int | None = Field(None, description="Member firms with under 50 employees")
    firms_size_unknown: int | None = Field(None, description="Member firms of unknown size")
    functions: list[str] = Field(default_factory=list)
    label_level: str | None = Field(None, description="ESCA label: bronze | silver | gold")
    label_valid_until: date | None = None


@declare(
    "registry.cluster.registered",
    "A cluster organisation's profile was registered, with its league and responsibility.",
)
class ClusterRegistered(ClusterFacts):
    pass


@declare(
    "registry.cluster.updated",
    "A cluster's profile or members changed (the facts as they are now).",
)
class ClusterUpdated(ClusterFacts):
    changed: list[str] = Field(default_factory=list, description="Names of the changed parts")


@declare(
    "registry.cluster.league_changed",
    "A funder (FIVU/RTI or a growth forum) moved a cluster to another league (§1).",
)
class ClusterLeagueChanged(BaseModel):
    cluster_id: str
    from_league: str | None
    to_league: str
    reason: str
    changed_by: str


@declare(
    "registry.cluster.responsibility_changed",
    "The parties responsible for a cluster's base funding changed (league, members, override).",
)
class ClusterResponsibilityChanged(BaseModel):
    cluster_id: str
    league: str
    previous: ResponsibilityFacts | None
    current: ResponsibilityFacts
    cause: str


@declare(
    "registry.cluster.status_changed",
    "A cluster became active, merged into another or dissolved.",
)
class ClusterStatusChanged(BaseModel):
    cluster_id: str
    from_status: str
    to_status: str
    merged_into_id: str | None = None
    reason: str
