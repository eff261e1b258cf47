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


class SocietalTaskFacts(BaseModel):
    """A societal task the cluster carries (§2) and whether the paper lets it be supported."""

    task: str = Field(description="Code of the societal task (registry's task list)")
    supportable: bool = Field(
        description="§2: supportable — the task's preconditions hold and the cluster carries "
        "a core function"
    )


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
    societal_tasks: list[SocietalTaskFacts] = Field(
        default_factory=list,
        description="§2 societal tasks with whether each is supportable (absent before 2026-12)",
    )
    founded_on: date | None = Field(
        None,
        description="When the organisation was founded, if known (§3: how new it is); absent "
        "before 2026-12",
    )


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


# --- responsibility exceptions with consent (§1 "vejledende og fleksibel"; issue 12) -------


class ResponsibilityExceptionFacts(BaseModel):
    """An exception to the §1 matrix and where its consent stands (ids only)."""

    exception_id: str
    cluster_id: str
    primary: list[str]
    also: list[str]
    proposed_by: str
    state: str = Field(description="proposed | in_force | declined | withdrawn | superseded")
    parties: list[str] = Field(description="Every concerned party, each of which must confirm")
    confirmed_by: list[str] = Field(default_factory=list)
    waiting_for: list[str] = Field(default_factory=list)
    supersedes_id: str | None = None
    by: str = Field(description="The party whose step this event records")


@declare(
    "registry.responsibility_exception.proposed",
    "A party proposed an exception to the §1 responsibility matrix; addressed to each "
    "concerned party, each of which must confirm it before it takes effect.",
    addressed=True,
)
class ResponsibilityExceptionProposed(ResponsibilityExceptionFacts):
    pass


@declare(
    "registry.responsibility_exception.confirmed",
    "A concerned party confirmed a proposed responsibility exception; addressed to each "
    "concerned party.",
    addressed=True,
)
class ResponsibilityExceptionConfirmed(ResponsibilityExceptionFacts):
    pass


@declare(
    "registry.responsibility_exception.declined",
    "A concerned party declined a proposed responsibility exception, which therefore never "
    "takes effect; addressed to each concerned party.",
    addressed=True,
)
class ResponsibilityExceptionDeclined(ResponsibilityExceptionFacts):
    pass


@declare(
    "registry.responsibility_exception.withdrawn",
    "A concerned party withdrew a responsibility exception (a proposal, or one in force: the "
    "computed responsibility applies again); addressed to each concerned party.",
    addressed=True,
)
class ResponsibilityExceptionWithdrawn(ResponsibilityExceptionFacts):
    pass


@declare(
    "registry.responsibility_exception.in_force",
    "Every concerned party confirmed a responsibility exception: it is in force (and "
    "replaces the one it supersedes); addressed to each concerned party.",
    addressed=True,
)
class ResponsibilityExceptionInForce(ResponsibilityExceptionFacts):
    pass


# --- ministry seats (§2) and labels ------------------------------------------------------------


@declare(
    "registry.ministry_seat.offered",
    "A national innovation network offered a sector ministry a seat in a steering or "
    "follow-up group (§2); addressed to the ministry, which answers for itself.",
    addressed=True,
)
class MinistrySeatOffered(BaseModel):
    seat_id: str
    cluster_id: str
    ministry_id: str
    group: str
    offered_on: date


@declare(
    "registry.ministry_seat.answered",
    "A ministry accepted or declined a seat offered to it (§2); addressed to the network.",
    addressed=True,
)
class MinistrySeatAnswered(BaseModel):
    seat_id: str
    cluster_id: str
    ministry_id: str
    group: str
    taken: bool
    answered_on: date


@declare(
    "registry.cluster.label_recorded",
    "A label issuer (the Klyngeforum secretariat or an organisation of kind label_issuer) "
    "recorded a cluster's ESCA cluster-management label.",
)
class ClusterLabelRecorded(BaseModel):
    label_id: str
    cluster_id: str
    level: str = Field(description="bronze | silver | gold")
    issued_on: date
    valid_until: date
    issued_by: str


# --- §4.4 merger hints (issue 13) ------------------------------------------------------------


@declare(
    "registry.merger.suggested",
    "§4.4: a small emerging cluster organisation shares a field with a larger one that is "
    "active and not flagged by evaluation, and is pointed to a merger or a strategic "
    "partnership; addressed to each of the two clusters and to the growth forums responsible "
    "for them (one event each), once per pair.",
    addressed=True,
)
class MergerSuggested(BaseModel):
    small_cluster_id: str
    larger_cluster_id: str
    shared_fields: list[str]
    same_region: bool
    small_members: int
    larger_members: int
    larger_league: str
    recipients: list[str] = Field(description="Every organisation the hint was addressed to")
    evidence: str = Field(description="The rule's explanation, in words (names and counts)")
