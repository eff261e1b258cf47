"""Responsibility endpoints (§1): who carries a cluster's base funding, and why (public);
exceptions to the matrix are proposed, confirmed, declined and withdrawn by the parties they
concern, and take effect only when every one of them has confirmed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.api.common import PREFIX, Caller, Config, Session, ref, refs
from services.registry.models import ResponsibilityOverride, ResponsibilityOverrideAnswer
from services.registry.schemas.clusters import (
    CentreOfGravityOut,
    OverrideIn,
    OverrideOut,
    ResponsibilityOut,
    ResponsibilitySummary,
)
from services.registry.schemas.exceptions import ExceptionOut, PartyAnswerOut
from services.registry.service import responsibility as responsibility_service
from services.registry.service import responsibility_exceptions as exceptions
from shared import consent
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


def exception_out(
    o: ResponsibilityOverride, answers: list[ResponsibilityOverrideAnswer], names: dict[str, str]
) -> ExceptionOut:
    return ExceptionOut(
        **override_out(o, names).model_dump(),
        cluster_id=o.cluster_id,
        state=o.state,  # type: ignore[arg-type]
        supersedes_id=o.supersedes_id,
        in_force_at=o.in_force_at,
        withdrawn_by=ref(o.withdrawn_by, names) if o.withdrawn_by else None,
        answers=[
            PartyAnswerOut(
                party=ref(a.party_id, names),
                role=a.role,  # type: ignore[arg-type]
                answer=a.answer,  # type: ignore[arg-type]
                answered_at=a.answered_at,
            )
            for a in answers
        ],
        waiting_for=refs(consent.waiting_for(exceptions.by_party(answers)), names),
    )


async def _one(session: AsyncSession, cluster_id: str, exception_id: str) -> ExceptionOut:
    o, answers = await exceptions.get_exception(session, cluster_id, exception_id)
    names = await exceptions.exception_names(session, [o], {o.id: answers})
    return exception_out(o, answers, names)


_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No bearer token"},
    403: {
        "description": "Not a concerned party, or the token lacks the scope (problem names "
        "the rule and who may act)"
    },
    404: {"description": "No such cluster or exception"},
    409: {"description": "The exception is no longer open for this step"},
}


@router.get(
    "/clusters/{cluster_id}/responsibility-overrides",
    response_model=list[ExceptionOut],
    summary="Every exception proposed for the cluster, with its state and each party's answer",
)
async def list_overrides(session: Session, cluster_id: str) -> list[ExceptionOut]:
    items, answers = await exceptions.list_exceptions(session, cluster_id)
    names = await exceptions.exception_names(session, items, answers)
    return [exception_out(o, answers[o.id], names) for o in items]


@router.get(
    "/clusters/{cluster_id}/responsibility-overrides/{override_id}",
    response_model=ExceptionOut,
    summary="One exception, its state and each concerned party's answer (public)",
)
async def get_override(session: Session, cluster_id: str, override_id: str) -> ExceptionOut:
    return await _one(session, cluster_id, override_id)


@router.post(
    "/clusters/{cluster_id}/responsibility-overrides",
    status_code=201,
    response_model=ExceptionOut,
    summary="Propose an exception to the matrix (a concerned party; reason required); it takes "
    "effect once every concerned party has confirmed it",
    responses=_WRITE_ERRORS,
)
async def record_override(
    session: Session, cluster_id: str, body: OverrideIn, principal: Caller, config: Config
) -> JSONResponse:
    o = await exceptions.propose_exception(session, cluster_id, body, principal, config)
    out = await _one(session, cluster_id, o.id)
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@router.post(
    "/clusters/{cluster_id}/responsibility-overrides/{override_id}/confirm",
    response_model=ExceptionOut,
    summary="Confirm a proposed exception (a concerned party); the last confirmation puts it "
    "in force",
    responses=_WRITE_ERRORS,
)
async def confirm_override(
    session: Session, cluster_id: str, override_id: str, principal: Caller, config: Config
) -> ExceptionOut:
    await exceptions.confirm_exception(session, cluster_id, override_id, principal, config)
    return await _one(session, cluster_id, override_id)


@router.post(
    "/clusters/{cluster_id}/responsibility-overrides/{override_id}/decline",
    response_model=ExceptionOut,
    summary="Decline a proposed exception (a concerned party); it never takes effect",
    responses=_WRITE_ERRORS,
)
async def decline_override(
    session: Session, cluster_id: str, override_id: str, principal: Caller
) -> ExceptionOut:
    await exceptions.decline_exception(session, cluster_id, override_id, principal)
    return await _one(session, cluster_id, override_id)


@router.post(
    "/clusters/{cluster_id}/responsibility-overrides/{override_id}/withdraw",
    response_model=ExceptionOut,
    summary="Withdraw a proposal or end an exception in force (a concerned party); the computed "
    "responsibility applies again",
    responses=_WRITE_ERRORS,
)
async def withdraw_override_post(
    session: Session, cluster_id: str, override_id: str, principal: Caller, config: Config
) -> ExceptionOut:
    await exceptions.withdraw_exception(session, cluster_id, override_id, principal, config)
    return await _one(session, cluster_id, override_id)


@router.delete(
    "/clusters/{cluster_id}/responsibility-overrides/{override_id}",
    status_code=204,
    summary="Withdraw an exception (as POST …/withdraw, kept for existing clients)",
    responses=_WRITE_ERRORS,
)
async def withdraw_override(
    session: Session, cluster_id: str, override_id: str, principal: Caller, config: Config
) -> Response:
    await exceptions.withdraw_exception(session, cluster_id, override_id, principal, config)
    return Response(status_code=204)
