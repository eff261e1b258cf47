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
    summary="Rank the services and activities open to a firm by relevance to its need (public)",
)
async def match(
    request: Request,
    session: Session,
    now: Now,
    query: Annotated[MatchQuery, Query()],
) -> MatchResult:
    """Services (``active``) and activities (``announced``, not over) of every organisation in
    the exchange that are open to a firm in ``municipality``, ranked by **relevance** to the
    need and only then by **nearness** to the firm (§5: refer across borders when the most
    relevant offer is elsewhere). Each hit says why (``why``, in Danish and English).

    **Which offers.** A service only where its declared area serves the firm's municipality:
    nationwide services everywhere, regional ones in their regions, municipal ones in their
    municipalities. Activities have no declared area and are always included.
    ``include_outside_area=true`` also returns the services outside their area, each marked
    ``outside_area: true`` (and its "where" reason says where it is offered).

    **Relevance** (``score``, 0..1; its parts in ``relevance``):

        score = (0.6·text + 0.3·fields + 0.1·target_group) / (sum of the weights in play)

    A part is in play when the query asks for it (words that carry meaning, ``fields``,
    ``target_group``). ``fields`` is the share of the asked-for fields the offer has;
    ``target_group`` 1 if it names the asked-for group. ``text`` is BM25 over Danish stems,
    compound words included (a stem matching the start of a compound counts 0.7, its end
    0.5), each word's saturated weight ``tf / (tf + 1.2·(0.25 + 0.75·|d|/L))`` (below 1;
    ``|d|`` the offer's length in stems, ``L`` the average) averaged over the need's words
    with their idf as weights. Every word once in an offer of average length gives about
    0.45; more occurrences or a shorter offer more — so even a one-word need tells offers
    apart. The full formula is in ``services/referrals/rules/matching/__init__.py``.

    **Order**: relevance band (``score`` rounded to 0.05), then nearness (``same_municipality``,
    ``same_region``, ``national``, ``other_region``), then ``score``.

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
        include_outside_area=query.include_outside_area,
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
            include_outside_area=query.include_outside_area,
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
        outside_area=hit.outside_area,
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
