"""Responsibility endpoints (§1): who carries a cluster's base funding, and why (public);
agreed exceptions to the matrix are recorded and withdrawn by a party named in them."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from services.registry.api.common import PREFIX, Caller, Config, Session, ref, refs
from services.registry.models import ResponsibilityOverride
from services.registry.schemas.clusters import (
    CentreOfGravityOut,
    OverrideIn,
    OverrideOut,
    ResponsibilityOut,
    ResponsibilitySummary,
)
from services.registry.service import responsibility as responsibility_service
from shared.reference import GROWTH_FORUMS

router = APIRouter(prefix=PREFIX, tags=["clusters"])


def override_out(o: ResponsibilityOverride, names: dict[str, str]) -> OverrideOut:
    return OverrideOut(
        id=o.id,
        primary=refs(o.primary, names),
        also=refs(o.also, names),
        reason=o.reason,
        recorded_by=ref(o.recorded_by, names),
        recorded_at=o.recorded_at,
        withdrawn_at=o.withdrawn_at,
    )


@router.get(
    "/clusters/{cluster_id}/responsibility",
    response_model=ResponsibilityOut,
    summary="Who carries the cluster's base funding, and why (§1; public)",
)
async def responsibility(session: Session, cluster_id: str, config: Config) -> ResponsibilityOut:
    view = await responsibility_service.responsibility_view(session, cluster_id, config)
    cluster, state, names = view.cluster, view.state, view.names
    ov = state.override
    computed = ResponsibilitySummary(
        primary=refs(list(state.computed.primary), names),
        also=refs(list(state.computed.also), names),
        rule=state.computed.rule,
        overridden=False,
    )
    cog = state.cog
    forum_region = {f.id: f.region_code for f in GROWTH_FORUMS}
    return ResponsibilityOut(
        cluster_id=cluster.id,
        league=cluster.league,
        primary=refs(ov.primary, names) if ov else computed.primary,
        also=refs(ov.also, names) if ov else computed.also,
        rule="agreed_exception" if ov else state.computed.rule,
        basis=(
            f"§1: the responsibility matrix is guiding and flexible; the parties agreed this "
            f"arrangement: {ov.reason}"
            if ov
            else state.computed.basis
        ),
        centre_of_gravity=CentreOfGravityOut(
            forum=ref(cog.forum_id, names) if cog.forum_id else None,
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
    o = await responsibility_service.record_override(session, cluster_id, body, principal, config)
    names = await responsibility_service.override_names(session, o)
    return JSONResponse(override_out(o, names).model_dump(mode="json"), status_code=201)


@router.delete(
    "/clusters/{cluster_id}/responsibility-overrides/{override_id}",
    status_code=204,
    summary="Withdraw an agreed exception (a party named in it)",
)
async def withdraw_override(
    session: Session, cluster_id: str, override_id: str, principal: Caller, config: Config
) -> Response:
    await responsibility_service.withdraw_override(
        session, cluster_id, override_id, principal, config
    )
    return Response(status_code=204)
