"""Cluster endpoints: the field taxonomy, search, registration, profile, league and status.

Reads are public. Profile writes only by the cluster organisation itself; registration and
league changes by FIVU/RTI or a growth forum (§1). Members, responsibility, ministry seats
and merger hints have their own routers (``api/members.py`` and beside it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.registry.api.common import (
    PREFIX,
    Caller,
    Config,
    IdempotencyKey,
    IfMatch,
    Session,
    ref,
    refs,
    summary,
)
from services.registry.models import LeagueChange, idempotency_keys
from services.registry.schemas.clusters import (
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
    MemberProfileOut,
    ResponsibilitySummary,
    StatusChangeIn,
    WarningOut,
)
from services.registry.service import (
    cluster_loading,
    cluster_profiles,
    cluster_search,
    cluster_views,
    leagues,
)
from services.registry.service.cluster_views import ClusterView
from shared import idempotency
from shared.dependencies import Today
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from shared.reference.fields import FIELDS, SOCIETAL_TASKS

router = APIRouter(prefix=PREFIX, tags=["clusters"])


def cluster_out(view: ClusterView) -> ClusterOut:
    cluster, org, profile = view.cluster, view.organisation, view.members
    resp = cluster.responsibility
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
        societal_tasks=view.tasks,  # type: ignore[arg-type]
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
        warnings=[WarningOut(code=w.code, message=w.message) for w in view.warnings],
        responsibility=(
            ResponsibilitySummary(
                primary=refs(resp["primary"], view.names),
                also=refs(resp["also"], view.names),
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
    rows, next_cursor = await cluster_search.list_clusters(
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
    today: Today,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def create() -> dict[str, Any]:
        cluster = await cluster_profiles.register_cluster(session, body, principal, config)
        view = await cluster_views.cluster_view(session, cluster, config, today)
        return cluster_out(view).model_dump(mode="json")

    return await idempotency.create_once(
        request, session, idempotency_keys, principal, idempotency_key, body, create
    )


@router.get("/clusters/{cluster_id}", response_model=ClusterOut, summary="One cluster (public)")
async def get_cluster(
    session: Session, cluster_id: str, config: Config, today: Today
) -> JSONResponse:
    cluster = await cluster_loading.get_cluster(session, cluster_id)
    view = await cluster_views.cluster_view(session, cluster, config, today)
    return with_etag(cluster_out(view), cluster.version)


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
    today: Today,
    if_match: IfMatch = None,
) -> JSONResponse:
    cluster = await cluster_profiles.update_cluster(
        session, cluster_id, body, principal, if_match, config
    )
    view = await cluster_views.cluster_view(session, cluster, config, today)
    return with_etag(cluster_out(view), cluster.version)


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
    today: Today,
    if_match: IfMatch = None,
) -> JSONResponse:
    cluster = await leagues.change_league(session, cluster_id, body, principal, config, if_match)
    view = await cluster_views.cluster_view(session, cluster, config, today)
    return with_etag(cluster_out(view), cluster.version)


@router.get(
    "/clusters/{cluster_id}/league-history",
    response_model=list[LeagueChangeOut],
    summary="Every league the cluster has had, with who changed it and why (public)",
)
async def league_history(session: Session, cluster_id: str) -> list[LeagueChangeOut]:
    history: list[LeagueChange] = await leagues.league_history(session, cluster_id)
    names = await cluster_loading.organisation_names(session, {h.changed_by for h in history})
    return [
        LeagueChangeOut(
            from_league=h.from_league,
            to_league=h.to_league,
            reason=h.reason,
            changed_by=ref(h.changed_by, names),
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
    session: Session,
    cluster_id: str,
    body: StatusChangeIn,
    principal: Caller,
    config: Config,
    today: Today,
) -> JSONResponse:
    cluster = await cluster_profiles.change_status(
        session, cluster_id, body, principal, config, today
    )
    view = await cluster_views.cluster_view(session, cluster, config, today)
    return with_etag(cluster_out(view), cluster.version)
