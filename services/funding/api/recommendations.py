"""Evaluation recommendations on grants (§4.3) and the funder's answer.

Public to read (ids and the recommendation, no personal data). Only the grant's funder
records why it keeps a grant an evaluation recommends stopping or phasing down
(``rules/authority.py`` ``check_owner``); terminating or amending the grant answers it too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.funding.api.common import PREFIX, Funder, Session
from services.funding.schemas.recommendations import KeepGrantIn, RecommendationOut
from services.funding.service import recommendations
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix=PREFIX)
Id = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


@router.get("/recommendations", tags=["grants"], response_model=Page[RecommendationOut])
async def list_recommendations(
    session: Session,
    grant: Id = None,
    funder: Id = None,
    waiting: Annotated[bool | None, Query(description="Still waiting for the funder")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[RecommendationOut]:
    """Evaluations' recommendations on grants, as funding received them (§4.3)."""
    rows, nxt = await recommendations.recommendations_page(
        session, grant=grant, funder=funder, waiting=waiting, cursor=cursor, limit=limit
    )
    return Page[RecommendationOut](
        items=[RecommendationOut.model_validate(r) for r in rows], next_cursor=nxt
    )


@router.get(
    "/recommendations/{recommendation_id}", tags=["grants"], response_model=RecommendationOut
)
async def get_recommendation(session: Session, recommendation_id: str) -> RecommendationOut:
    row = await recommendations.get_recommendation(session, recommendation_id)
    return RecommendationOut.model_validate(row)


@router.post(
    "/recommendations/{recommendation_id}/keep",
    tags=["grants"],
    response_model=RecommendationOut,
    summary="Record why your grant continues despite the recommendation (the grant's funder)",
    responses={409: {"description": "Already answered"}},
)
async def keep_grant(
    session: Session, recommendation_id: str, body: KeepGrantIn, principal: Funder
) -> RecommendationOut:
    row = await recommendations.keep_grant(session, recommendation_id, body.reason, principal)
    return RecommendationOut.model_validate(row)
