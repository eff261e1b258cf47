"""Matching (§5): the most relevant services and activities anywhere in the country. Public.

The directory is public (services and activities are what organisations publish for firms and
each other), so matching needs no token either; it reads no personal data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.referrals.api.common import PREFIX, Session
from services.referrals.rules import matching
from services.referrals.schemas.match import (
    IndexState,
    MatchedQuery,
    MatchHit,
    MatchQuery,
    MatchResult,
    OrganisationRef,
    Reason,
    Relevance,
)
from services.referrals.service import match_index
from services.referrals.service.common import OrgPlace
from shared.dependencies import Now

router = APIRouter(prefix=PREFIX)


@router.get(
    "/match",
    tags=["match"],
    response_model=MatchResult,
    summary="Rank services and activities across the country by relevance to a need (public)",
)
async def match(
    request: Request,
    session: Session,
    now: Now,
    query: Annotated[MatchQuery, Query()],
) -> MatchResult:
    """Services (``active``) and activities (``announced``, not over) of every organisation in
    the exchange, ranked by **relevance** to the need — Danish free text with stemming and
    compound words, the fields, the target group — and only then by **nearness** to the
    firm's municipality: hits are sorted by relevance band (``score`` rounded to 0.05), then
    nearness (``same_municipality``, ``same_region``, ``national``, ``other_region``), then
    ``score``. So the best offer in another region ranks above a weak local one (§5: refer
    across borders when the most relevant offer is elsewhere). Each hit says why (``why``, in
    Danish and English). The formula is in ``services/referrals/rules/matching.py``.

    Give ``need`` or ``fields`` (or both); ``municipality`` is required. Not paginated: the
    best ``limit`` hits (at most 50).
    """
    need = matching.Need.parse(
        query.need,
        municipality=query.municipality,
        fields=query.fields,
        target_group=query.target_group,
        kinds=query.kinds,
        now=now,
    )
    index = match_index.match_index(request.app)
    answer = await match_index.match(session, index, need, query.limit)
    return MatchResult(
        query=MatchedQuery(
            terms=list(need.terms),
            fields=list(need.fields),
            target_group=need.target_group,
            municipality=need.municipality,
            region=need.region,
            kind=query.kind,
        ),
        items=[_hit(h, answer.organisations) for h in answer.hits],
        index=IndexState(
            offers=answer.indexed, change_seq=answer.change_seq, evaluated=answer.evaluated
        ),
    )


def _hit(hit: matching.Ranked, orgs: dict[str, OrgPlace]) -> MatchHit:
    s, offer = hit.scored, hit.scored.offer
    place = orgs.get(offer.organisation_id)
    service = offer.kind == "service"
    return MatchHit(
        kind=offer.kind,
        id=offer.id,
        name=offer.name,
        href=f"{PREFIX}/{'services' if service else 'activities'}/{offer.id}",
        organisation=OrganisationRef(
            id=offer.organisation_id,
            name=place.name if place else None,
            municipality_code=place.municipality_code if place else None,
            region_code=place.region_code if place else None,
        ),
        score=round(s.relevance, 4),
        relevance=Relevance(
            text=round(s.text, 4), fields=round(s.fields, 4), target_group=round(s.target, 4)
        ),
        nearness=hit.nearness,
        why=[Reason(code=r.code, da=r.da, en=r.en) for r in hit.why],  # type: ignore[arg-type]
        fields=list(offer.fields),
        target_groups=list(offer.target_groups),
        area_kind=offer.area_kind if service else None,
        area_codes=list(offer.area_codes) if service else None,
        municipality_code=None if service else offer.municipality_code,
        online=None if service else offer.online,
        starts_at=None if service else offer.starts_at,
        ends_at=None if service else offer.ends_at,
    )
