"""Cluster endpoints: profiles, members, leagues, responsibility, seats, merger hints.

Reads are public. Profile and member writes only by the cluster organisation itself;
league changes by FIVU/RTI or a growth forum; responsibility overrides by a party named in
them (§1).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import service
from services.registry.models import (
    Cluster,
    LeagueChange,
    Member,
    MinistrySeat,
    ResponsibilityOverride,
    idempotency_keys,
)
from services.registry.rules import (
    member_profile,
    obligations_declared,
    profile_warnings,
    task_supportable,
)
from services.registry.schemas import (
    CentreOfGravityOut,
    ClusterCreate,
    ClusterOut,
    ClusterStatus,
    ClusterSummary,
    ClusterUpdate,
    FieldQuery,
    LabelLevel,
    League,
    LeagueChangeIn,
    LeagueChangeOut,
    MemberIn,
    MemberKind,
    MemberOut,
    MemberProfileOut,
    MergerSuggestionOut,
    OrganisationRef,
    OverrideIn,
    OverrideOut,
    ResponsibilityOut,
    ResponsibilitySummary,
    SeatAnswer,
    SeatIn,
    SeatOut,
    StatusChangeIn,
    WarningOut,
)
from services.registry.service.clusters import RuleConfig
from shared import idempotency
from shared.auth import Principal, current_principal
from shared.db import session_dependency
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from shared.reference import GROWTH_FORUMS
from shared.reference.fields import FIELDS, SOCIETAL_TASKS

Session = Annotated[AsyncSession, Depends(session_dependency)]
Caller = Annotated[Principal, Depends(current_principal)]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
IdempotencyKey = Annotated[
    str | None, Header(description="Repeat a creating POST safely: a retry gets the first answer")
]

router = APIRouter(prefix="/registry/v1", tags=["clusters"])


def rule_config(request: Request) -> RuleConfig:
    return request.app.state.rule_config


Config = Annotated[RuleConfig, Depends(rule_config)]


# --- shaping answers -----------------------------------------------------------------------


def _refs(ids: list[str], names: dict[str, str]) -> list[OrganisationRef]:
    return [OrganisationRef(id=i, name=names.get(i, i)) for i in ids]


async def cluster_out(session: AsyncSession, cluster: Cluster, config: RuleConfig) -> ClusterOut:
    org = await service.get_organisation(session, cluster.id)
    members = await service.member_facts(session, cluster.id)
    profile = member_profile(members)
    tasks = await service.societal_tasks(session, cluster.id)
    task_out = [
        {
            "task": t.task,
            "backing_of_central_actors": t.backing_of_central_actors,
            "added_value_in_coordination": t.added_value_in_coordination,
            "resources_without_crowding_out": t.resources_without_crowding_out,
            "note": t.note,
            "supportable": task_supportable(
                t.backing_of_central_actors,
                t.added_value_in_coordination,
                t.resources_without_crowding_out,
            ),
        }
        for t in tasks
    ]
    warnings = profile_warnings(
        profile,
        fields=cluster.fields,
        obligations_declared=obligations_declared(cluster.obligations),
        label_valid_until=cluster.label_valid_until,
        today=date.today(),
        unsupportable_tasks=[t["task"] for t in task_out if not t["supportable"]],
        thresholds=config.profile,
    )
    resp = cluster.responsibility
    names = await service.organisation_names(
        session, set(resp["primary"]) | set(resp["also"]) if resp else set()
    )
    return ClusterOut(
        id=cluster.id,
        name=org.name,
        short_name=org.short_name,
        cvr=org.cvr,
        cluster_kind=cluster.cluster_kind,
        league=cluster.league,
        status=cluster.status,
        merged_into_id=cluster.merged_into_id,
        founded_on=cluster.founded_on,
        home_municipality_code=cluster.home_municipality_code,
        home_region_code=cluster.home_region_code,
        municipalities_served=list(cluster.municipalities_served),
        website=org.website,
        description=cluster.description,
        fields=list(cluster.fields),
        functions=list(cluster.functions),
        societal_tasks=task_out,  # type: ignore[arg-type]
        obligations=(
            {**cluster.obligations, "declared_on": cluster.obligations_declared_on}  # type: ignore[arg-type]
            if cluster.obligations and cluster.obligations_declared_on
            else None
        ),
        label=(
            {"level": cluster.label_level, "valid_until": cluster.label_valid_until}  # type: ignore[arg-type]
            if cluster.label_level and cluster.label_valid_until
            else None
        ),
        members=MemberProfileOut(**{**profile.__dict__, "helix_kinds": list(profile.helix_kinds)}),
        warnings=[WarningOut(code=w.code, message=w.message) for w in warnings],
        responsibility=(
            ResponsibilitySummary(
                primary=_refs(resp["primary"], names),
                also=_refs(resp["also"], names),
                rule=resp["rule"],
                overridden=resp.get("overridden", False),
            )
            if resp
            else None
        ),
        version=cluster.version,
        created_at=cluster.created_at,
        updated_at=cluster.updated_at,
    )


def summary(cluster: Cluster, name: str, member_count: int) -> ClusterSummary:
    return ClusterSummary(
        id=cluster.id,
        name=name,
        cluster_kind=cluster.cluster_kind,
        league=cluster.league,
        status=cluster.status,
        home_municipality_code=cluster.home_municipality_code,
        home_region_code=cluster.home_region_code,
        fields=list(cluster.fields),
        label_level=cluster.label_level,
        member_count=member_count,
    )


def member_out(m: Member) -> MemberOut:
    return MemberOut(
        id=m.id,
        kind=m.kind,
        name=m.name,
        cvr=m.cvr,
        municipality_code=m.municipality_code,  # type: ignore[arg-type]
        employees=m.employees,
        joined_on=m.joined_on,
    )


# --- taxonomy ------------------------------------------------------------------------------


@router.get("/fields", summary="Fields of strength (smart-specialisation domains → NACE sections)")
async def list_fields() -> list[dict[str, Any]]:
    return [
        {
            "code": f.code,
            "name_da": f.name_da,
            "name_en": f.name_en,
            "nace_sections": list(f.nace_sections),
        }
        for f in FIELDS
    ]


@router.get("/societal-tasks", summary="Societal tasks a cluster may take on (§2)")
async def list_societal_tasks() -> list[dict[str, str]]:
    return [{"code": t.code, "name_da": t.name_da, "name_en": t.name_en} for t in SOCIETAL_TASKS]


# --- clusters --------------------------------------------------------------------------------


@router.get("/clusters", response_model=Page[ClusterSummary], summary="Search clusters (public)")
async def list_clusters(
    session: Session,
    league: League | None = None,
    status: Annotated[ClusterStatus | None, Query(description="Default active")] = "active",
    region: Annotated[str | None, Query(pattern=r"^\d{4}$", description="Home region code")] = None,
    municipality: Annotated[
        str | None, Query(pattern=r"^\d{4}$", description="Home or served municipality")
    ] = None,
    field: Annotated[FieldQuery | None, Query(description="Field code (GET …/fields)")] = None,
    label: LabelLevel | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Text in name or description")
    ] = None,
    all_statuses: Annotated[bool, Query(description="Ignore status; list every cluster")] = False,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[ClusterSummary]:
    if q is not None and "\x00" in q:
        q = q.replace("\x00", "")
    rows, next_cursor = await service.list_clusters(
        session,
        league=league,
        status=None if all_statuses else status,
        region=region,
        municipality=municipality,
        field=field,
        label=label,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return Page[ClusterSummary](items=[summary(*r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/clusters",
    status_code=201,
    response_model=ClusterOut,
    summary="Register a cluster organisation with its first league (FIVU/RTI, growth forum)",
)
async def register_cluster(
    request: Request,
    session: Session,
    body: ClusterCreate,
    principal: Caller,
    config: Config,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        cluster = await service.register_cluster(session, body, principal, config)
        return (await cluster_out(session, cluster, config)).model_dump(mode="json")

    return await idempotency.create_once(
        request, session, idempotency_keys, principal, idempotency_key, body, create
    )


@router.get("/clusters/{cluster_id}", response_model=ClusterOut, summary="One cluster (public)")
async def get_cluster(session: Session, cluster_id: str, config: Config) -> JSONResponse:
    cluster = await service.get_cluster(session, cluster_id)
    return with_etag(await cluster_out(session, cluster, config), cluster.version)


@router.patch(
    "/clusters/{cluster_id}",
    response_model=ClusterOut,
    summary="Update the cluster's own profile (the cluster organisation; If-Match required)",
    responses={412: {"description": "Stale If-Match"}, 428: {"description": "If-Match missing"}},
)
async def update_cluster(
    session: Session,
    cluster_id: str,
    body: ClusterUpdate,
    principal: Caller,
    config: Config,
    if_match: IfMatch = None,
) -> JSONResponse:
    cluster = await service.update_cluster(session, cluster_id, body, principal, if_match, config)
    return with_etag(await cluster_out(session, cluster, config), cluster.version)


@router.post(
    "/clusters/{cluster_id}/league-changes",
    response_model=ClusterOut,
    summary="Move a cluster to another league, with a reason (FIVU/RTI or a growth forum)",
)
async def change_league(
    session: Session,
    cluster_id: str,
    body: LeagueChangeIn,
    principal: Caller,
    config: Config,
    if_match: IfMatch = None,
) -> JSONResponse:
    cluster = await service.change_league(session, cluster_id, body, principal, config, if_match)
    return with_etag(await cluster_out(session, cluster, config), cluster.version)


@router.get(
    "/clusters/{cluster_id}/league-history",
    response_model=list[LeagueChangeOut],
    summary="Every league the cluster has had, with who changed it and why (public)",
)
async def league_history(session: Session, cluster_id: str) -> list[LeagueChangeOut]:
    history: list[LeagueChange] = await service.league_history(session, cluster_id)
    names = await service.organisation_names(session, {h.changed_by for h in history})
    return [
        LeagueChangeOut(
            from_league=h.from_league,
            to_league=h.to_league,
            reason=h.reason,
            changed_by=OrganisationRef(id=h.changed_by, name=names.get(h.changed_by, h.changed_by)),
            changed_at=h.changed_at,
        )
        for h in history
    ]


@router.post(
    "/clusters/{cluster_id}/status",
    response_model=ClusterOut,
    summary="Mark a cluster active, merged into another, or dissolved",
)
async def change_status(
    session: Session, cluster_id: str, body: StatusChangeIn, principal: Caller, config: Config
) -> JSONResponse:
    cluster = await service.change_status(session, cluster_id, body, principal, config)
    return with_etag(await cluster_out(session, cluster, config), cluster.version)


# --- members ---------------------------------------------------------------------------------


@router.get(
    "/clusters/{cluster_id}/members", response_model=Page[MemberOut], summary="Members (public)"
)
async def list_members(
    session: Session,
    cluster_id: str,
    kind: MemberKind | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[MemberOut]:
    rows, next_cursor = await service.list_members(
        session, cluster_id, kind=kind, cursor=cursor, limit=limit
    )
    return Page[MemberOut](items=[member_out(m) for m in rows], next_cursor=next_cursor)


@router.post(
    "/clusters/{cluster_id}/members",
    status_code=201,
    response_model=MemberOut,
    summary="Add a member (the cluster organisation itself)",
)
async def add_member(
    request: Request,
    session: Session,
    cluster_id: str,
    body: MemberIn,
    principal: Caller,
    config: Config,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        member = await service.add_member(session, cluster_id, body, principal, config)
        return member_out(member).model_dump(mode="json")

    return await idempotency.create_once(
        request, session, idempotency_keys, principal, idempotency_key, body, create
    )


@router.put(
    "/clusters/{cluster_id}/members/{member_id}",
    response_model=MemberOut,
    summary="Replace a member's data (the cluster organisation itself)",
)
async def replace_member(
    session: Session,
    cluster_id: str,
    member_id: str,
    body: MemberIn,
    principal: Caller,
    config: Config,
) -> MemberOut:
    member = await service.replace_member(session, cluster_id, member_id, body, principal, config)
    return member_out(member)


@router.delete(
    "/clusters/{cluster_id}/members/{member_id}",
    status_code=204,
    summary="Remove a member (the cluster organisation itself)",
)
async def remove_member(
    session: Session, cluster_id: str, member_id: str, principal: Caller, config: Config
) -> Response:
    await service.remove_member(session, cluster_id, member_id, principal, config)
    return Response(status_code=204)


# --- responsibility ------------------------------------------------------------------------


def override_out(o: ResponsibilityOverride, names: dict[str, str]) -> OverrideOut:
    return OverrideOut(
        id=o.id,
        primary=_refs(o.primary, names),
        also=_refs(o.also, names),
        reason=o.reason,
        recorded_by=OrganisationRef(id=o.recorded_by, name=names.get(o.recorded_by, o.recorded_by)),
        recorded_at=o.recorded_at,
        withdrawn_at=o.withdrawn_at,
    )


@router.get(
    "/clusters/{cluster_id}/responsibility",
    response_model=ResponsibilityOut,
    summary="Who carries the cluster's base funding, and why (§1; public)",
)
async def responsibility(session: Session, cluster_id: str, config: Config) -> ResponsibilityOut:
    cluster = await service.get_cluster(session, cluster_id)
    state = await service.responsibility_state(session, cluster, config)
    ov = state.override
    ids = {*state.computed.primary, *state.computed.also, *(state.cog.counts or {})}
    if state.cog.forum_id:
        ids.add(state.cog.forum_id)
    if ov:
        ids |= {*ov.primary, *ov.also, ov.recorded_by}
    names = await service.organisation_names(session, ids)
    computed = ResponsibilitySummary(
        primary=_refs(list(state.computed.primary), names),
        also=_refs(list(state.computed.also), names),
        rule=state.computed.rule,
        overridden=False,
    )
    cog = state.cog
    forum_region = {f.id: f.region_code for f in GROWTH_FORUMS}
    return ResponsibilityOut(
        cluster_id=cluster.id,
        league=cluster.league,
        primary=_refs(ov.primary, names) if ov else computed.primary,
        also=_refs(ov.also, names) if ov else computed.also,
        rule="agreed_exception" if ov else state.computed.rule,
        basis=(
            f"§1: the responsibility matrix is guiding and flexible; the parties agreed this "
            f"arrangement: {ov.reason}"
            if ov
            else state.computed.basis
        ),
        centre_of_gravity=CentreOfGravityOut(
            forum=OrganisationRef(id=cog.forum_id, name=names.get(cog.forum_id, cog.forum_id))
            if cog.forum_id
            else None,
            region_code=forum_region.get(cog.forum_id) if cog.forum_id else None,
            share=cog.share,
            located_members=cog.located_members,
            counts=cog.counts,
            threshold=cog.threshold,
            min_members=cog.min_members,
            reason=cog.reason,
        ),
        override=override_out(ov, names) if ov else None,
        computed=computed,
    )


@router.post(
    "/clusters/{cluster_id}/responsibility-overrides",
    status_code=201,
    response_model=OverrideOut,
    summary="Record an agreed exception to the matrix (a party named in it; reason required)",
)
async def record_override(
    session: Session, cluster_id: str, body: OverrideIn, principal: Caller, config: Config
) -> JSONResponse:
    o = await service.record_override(session, cluster_id, body, principal, config)
    names = await service.organisation_names(session, {*o.primary, *o.also, o.recorded_by})
    return JSONResponse(override_out(o, names).model_dump(mode="json"), status_code=201)


@router.delete(
    "/clusters/{cluster_id}/responsibility-overrides/{override_id}",
    status_code=204,
    summary="Withdraw an agreed exception (a party named in it)",
)
async def withdraw_override(
    session: Session, cluster_id: str, override_id: str, principal: Caller, config: Config
) -> Response:
    await service.withdraw_override(session, cluster_id, override_id, principal, config)
    return Response(status_code=204)


# --- ministry seats (§2) -----------------------------------------------------------------


async def _seat_out(session: AsyncSession, seats: list[MinistrySeat]) -> list[SeatOut]:
    names = await service.organisation_names(session, {s.ministry_id for s in seats})
    return [
        SeatOut(
            id=s.id,
            ministry=OrganisationRef(id=s.ministry_id, name=names.get(s.ministry_id, "")),
            group=s.group_kind,
            offered_on=s.offered_on,
            taken=s.taken,
            answered_on=s.answered_on,
        )
        for s in seats
    ]


@router.get(
    "/clusters/{cluster_id}/ministry-seats",
    response_model=list[SeatOut],
    summary="Seats offered to sector ministries in steering/follow-up groups (§2; public)",
)
async def list_seats(session: Session, cluster_id: str) -> list[SeatOut]:
    return await _seat_out(session, await service.list_seats(session, cluster_id))


@router.post(
    "/clusters/{cluster_id}/ministry-seats",
    status_code=201,
    response_model=SeatOut,
    summary="Offer a ministry a seat (the innovation network itself)",
)
async def offer_seat(session: Session, cluster_id: str, body: SeatIn, principal: Caller) -> SeatOut:
    seat = await service.offer_seat(session, cluster_id, body, principal)
    return (await _seat_out(session, [seat]))[0]


@router.put(
    "/clusters/{cluster_id}/ministry-seats/{seat_id}",
    response_model=SeatOut,
    summary="Record whether the seat was taken (the ministry, or the network)",
)
async def answer_seat(
    session: Session, cluster_id: str, seat_id: str, body: SeatAnswer, principal: Caller
) -> SeatOut:
    seat = await service.answer_seat(session, cluster_id, seat_id, body.taken, principal)
    return (await _seat_out(session, [seat]))[0]


# --- §4.4 merger hints -----------------------------------------------------------------------


@router.get(
    "/merger-suggestions",
    response_model=list[MergerSuggestionOut],
    tags=["clusters"],
    summary="Small emerging organisations sharing a field with a larger one (§4.4; public)",
)
async def merger_suggestions(session: Session, config: Config) -> list[MergerSuggestionOut]:
    suggestions, rows = await service.merger_suggestions(session, config)
    return [
        MergerSuggestionOut(
            small=summary(*rows[s.small.id]),
            larger=summary(*rows[s.larger.id]),
            shared_fields=list(s.shared_fields),
            same_region=s.same_region,
            evidence=s.evidence,
        )
        for s in suggestions
    ]
