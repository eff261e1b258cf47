"""Request and response models for clusters, members, responsibility and seats."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from services.registry.schemas.organisations import ShortName, Website
from shared.clock import real_today
from shared.reference.fields import FIELDS, SOCIETAL_TASKS, field_by_code, task_by_code
from shared.validation import Bool, Cvr, Int, MunicipalityCode, Text, UtcDatetime, text

League = Literal["world_class", "national", "emerging"]
ClusterKind = Literal["cluster", "innovation_network", "network"]
ClusterFunction = Literal["bridge_builder", "regional_ecosystem"]
ClusterStatus = Literal["active", "merged", "dissolved"]
LabelLevel = Literal["bronze", "silver", "gold"]
MemberKind = Literal["firm", "knowledge_institution", "education_institution", "public_actor"]
SeatGroup = Literal["steering", "follow_up"]

Name = text(min_length=2, max_length=300)
Reason = text(min_length=3, max_length=2000)
#: A field-of-strength code; checked by the validators below (with a pointer to the taxonomy),
#: and shown as an enum in the OpenAPI document so clients see the taxonomy.
FieldCode = Annotated[
    str, WithJsonSchema({"type": "string", "enum": [f.code for f in FIELDS]}, mode="validation")
]


def _known_field(value: str) -> str:
    if value not in field_by_code():
        raise ValueError(f"unknown field '{value}'; see GET /registry/v1/fields for the taxonomy")
    return value


#: A field code as a query parameter: checked at once (unknown → 422; never reaches the DB).
FieldQuery = Annotated[
    str,
    AfterValidator(_known_field),
    WithJsonSchema({"type": "string", "enum": [f.code for f in FIELDS]}, mode="validation"),
]
TaskCode = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": [t.code for t in SOCIETAL_TASKS]}, mode="validation"),
]


def _not_nullable(schema: dict[str, Any]) -> None:
    """Drop ``null`` from an optional field's JSON schema: it may be left out, not nulled."""
    options = [o for o in schema.pop("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def _fields(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in field_by_code()]
    if unknown:
        raise ValueError(
            f"unknown field(s) {unknown}; see GET /registry/v1/fields for the taxonomy"
        )
    return sorted(set(values))


class SocietalTaskIn(BaseModel):
    """A societal task (§2) with its three preconditions as the cluster records them."""

    model_config = ConfigDict(extra="forbid")

    task: TaskCode = Field(description="Code from GET /registry/v1/societal-tasks")
    backing_of_central_actors: Bool = False
    added_value_in_coordination: Bool = False
    resources_without_crowding_out: Bool = False
    note: Annotated[Text, Field(max_length=2000)] | None = None

    @field_validator("task")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in task_by_code():
            raise ValueError(f"unknown societal task '{value}'")
        return value


class SocietalTaskOut(SocietalTaskIn):
    supportable: bool = Field(
        description="§2: all three preconditions hold and the cluster carries at least one "
        "core function (bridge_builder, regional_ecosystem)"
    )
    missing: list[str] = Field(
        default_factory=list,
        description="What keeps the task from being supported: backing_of_central_actors, "
        "added_value_in_coordination, resources_without_crowding_out, core_function",
    )


class Obligations(BaseModel):
    """§4.5: the obligations that come with public money, declared with a date."""

    model_config = ConfigDict(extra="forbid")

    neutral_platform: Bool
    open_access: Bool = Field(description="Open to all regardless of geography")
    no_lobbying: Bool
    declared_on: date

    @field_validator("declared_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > real_today():
            raise ValueError("declared_on lies in the future")
        return value


class QualityLabel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: LabelLevel = Field(description="ESCA cluster management label")
    valid_until: date


class _ClusterProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    website: Website | None = None
    description: Annotated[Text, Field(max_length=5000)] | None = None
    founded_on: date | None = None
    municipalities_served: list[MunicipalityCode] = Field(default_factory=list, max_length=98)
    fields: list[FieldCode] = Field(default_factory=list, max_length=14)
    functions: list[ClusterFunction] = Field(default_factory=list, max_length=2)
    societal_tasks: list[SocietalTaskIn] = Field(default_factory=list, max_length=10)
    obligations: Obligations | None = None
    label: QualityLabel | None = Field(
        None,
        description="Not settable here (403 label-by-issuer): a label issuer records it with "
        "POST /registry/v1/clusters/{id}/labels",
    )

    _check_fields = field_validator("fields")(_fields)

    @field_validator("founded_on")
    @classmethod
    def _not_future(cls, value: date | None) -> date | None:
        if value is not None and value > real_today():
            raise ValueError("founded_on lies in the future")
        return value

    @field_validator("municipalities_served", "functions")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        return sorted(set(values))

    @field_validator("societal_tasks")
    @classmethod
    def _one_each(cls, values: list[SocietalTaskIn]) -> list[SocietalTaskIn]:
        tasks = [t.task for t in values]
        if len(tasks) != len(set(tasks)):
            raise ValueError("each societal task may be listed once")
        return values


class ClusterCreate(_ClusterProfile):
    """Register a cluster organisation (and its organisation record) with its first league."""

    name: Name  # type: ignore[valid-type]
    cvr: Cvr
    cluster_kind: ClusterKind
    league: League
    home_municipality_code: MunicipalityCode
    short_name: ShortName | None = None


class ClusterUpdate(_ClusterProfile):
    """Partial update of a cluster's own profile (only the fields sent change)."""

    # Optional but never null (the OpenAPI document says so; _not_null refuses a null).
    name: Name | None = Field(None, json_schema_extra=_not_nullable)  # type: ignore[valid-type]
    cluster_kind: ClusterKind | None = Field(None, json_schema_extra=_not_nullable)
    home_municipality_code: MunicipalityCode | None = Field(None, json_schema_extra=_not_nullable)
    municipalities_served: list[MunicipalityCode] | None = Field(None, max_length=98)  # type: ignore[assignment]
    fields: list[FieldCode] | None = Field(None, max_length=14)  # type: ignore[assignment]
    functions: list[ClusterFunction] | None = Field(None, max_length=2)  # type: ignore[assignment]
    societal_tasks: list[SocietalTaskIn] | None = Field(None, max_length=10)  # type: ignore[assignment]
    league: str | None = Field(
        None, description="Not changeable here: POST …/league-changes (FIVU/RTI, growth forums)"
    )
    status: str | None = Field(None, description="Not changeable here: POST …/status")

    @field_validator("name", "cluster_kind", "home_municipality_code")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        # Sent as null: these cannot be emptied (leave them out to keep them).
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    @field_validator(
        "municipalities_served", "fields", "functions", "societal_tasks", mode="before"
    )
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        # A list sent as null is emptied, as [] would be.
        return [] if value is None else value

    @field_validator("fields")
    @classmethod
    def _fields_optional(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _fields(values)

    @field_validator("municipalities_served", "functions")
    @classmethod
    def _unique(cls, values: list[str] | None) -> list[str] | None:  # type: ignore[override]
        return None if values is None else sorted(set(values))

    @field_validator("societal_tasks")
    @classmethod
    def _one_each(cls, values: list[SocietalTaskIn] | None) -> list[SocietalTaskIn] | None:  # type: ignore[override]
        return None if values is None else _ClusterProfile._one_each(values)


class MemberProfileOut(BaseModel):
    total: int
    by_kind: dict[str, int]
    firms_with_size: int
    sme_share: float | None = Field(description="Share of sized firms with < 250 employees")
    small_share: float | None = Field(description="Share of sized firms with < 50 employees")
    helix_kinds: list[str]
    triple_helix: bool
    top_region_code: str | None
    top_region_share: float | None


class WarningOut(BaseModel):
    code: str
    message: str


class OrganisationRef(BaseModel):
    id: str
    name: str


class ResponsibilitySummary(BaseModel):
    primary: list[OrganisationRef]
    also: list[OrganisationRef]
    rule: str
    overridden: bool


class ClusterOut(BaseModel):
    id: str
    name: str
    short_name: str | None
    cvr: str | None
    cluster_kind: str
    league: str
    status: str
    merged_into_id: str | None
    founded_on: date | None
    home_municipality_code: str
    home_region_code: str
    municipalities_served: list[str]
    website: str | None
    description: str | None
    fields: list[str]
    functions: list[str]
    societal_tasks: list[SocietalTaskOut]
    obligations: Obligations | None
    label: QualityLabel | None
    members: MemberProfileOut
    warnings: list[WarningOut]
    responsibility: ResponsibilitySummary | None
    version: int
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ClusterSummary(BaseModel):
    id: str
    name: str
    cluster_kind: str
    league: str
    status: str
    home_municipality_code: str
    home_region_code: str
    fields: list[str]
    label_level: str | None
    member_count: int


class LeagueChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    league: League
    reason: Reason  # type: ignore[valid-type]


class LeagueChangeOut(BaseModel):
    from_league: str | None
    to_league: str
    reason: str
    changed_by: OrganisationRef
    changed_at: UtcDatetime


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ClusterStatus
    reason: Reason  # type: ignore[valid-type]
    merged_into_id: Annotated[Text, Field(max_length=64)] | None = None

    @model_validator(mode="after")
    def _merge_target(self) -> StatusChangeIn:
        if self.status == "merged" and not self.merged_into_id:
            raise ValueError("merged_into_id is required when status is 'merged'")
        if self.status != "merged" and self.merged_into_id:
            raise ValueError("merged_into_id is only for status 'merged'")
        return self


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: MemberKind
    name: Name  # type: ignore[valid-type]
    cvr: Cvr | None = None
    municipality_code: MunicipalityCode | None = None
    employees: Int | None = Field(None, ge=0, le=1_000_000)
    joined_on: date | None = None


class MemberOut(MemberIn):
    id: str


class CentreOfGravityOut(BaseModel):
    forum: OrganisationRef | None
    region_code: str | None
    share: float | None
    located_members: int
    counts: dict[str, int]
    threshold: float
    min_members: int
    reason: str


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    primary: list[Annotated[Text, Field(max_length=64)]] = Field(min_length=1, max_length=20)
    also: list[Annotated[Text, Field(max_length=64)]] = Field(default_factory=list, max_length=20)
    reason: Reason  # type: ignore[valid-type]


class OverrideOut(BaseModel):
    id: str
    primary: list[OrganisationRef]
    also: list[OrganisationRef]
    reason: str
    recorded_by: OrganisationRef
    recorded_at: UtcDatetime
    withdrawn_at: UtcDatetime | None


class ResponsibilityOut(BaseModel):
    cluster_id: str
    league: str
    primary: list[OrganisationRef]
    also: list[OrganisationRef]
    rule: str
    basis: str
    centre_of_gravity: CentreOfGravityOut
    override: OverrideOut | None = Field(
        None, description="The agreed exception shown instead of the computed matrix"
    )
    computed: ResponsibilitySummary = Field(description="What the §1 matrix alone gives")


class SeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ministry_id: Annotated[Text, Field(max_length=64)]
    group: SeatGroup
    offered_on: date


class SeatAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    taken: Bool


class SeatOut(BaseModel):
    id: str
    ministry: OrganisationRef
    group: str
    offered_on: date
    taken: bool
    answered_on: date | None


class MinistrySeatOut(SeatOut):
    cluster_id: str


class MergerSuggestionOut(BaseModel):
    small: ClusterSummary
    larger: ClusterSummary
    shared_fields: list[str]
    same_region: bool
    evidence: str
