"""Evaluation recommendations on grants (§4.3), as funding received them, and the funder's
answer. A ``stop`` or ``phase_down`` recommendation is a finding until the grant's funder
acts: terminates the grant, amends it (``service/grants.py`` marks it), or records why it
keeps the grant as it is (``keep_grant``). Never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import Grant, Recommendation
from services.funding.rules import authority
from services.funding.service.coordination_findings import reevaluate
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.queries import get_or_404, page


async def mark_acted(session: AsyncSession, grant_id: str, acted: str) -> None:
    """The funder terminated or amended the grant: every recommendation on it still waiting
    is answered by that (the caller re-evaluates the cluster)."""
    rows = await session.execute(
        select(Recommendation).where(
            Recommendation.grant_id == grant_id, Recommendation.acted.is_(None)
        )
    )
    now = utcnow()
    for rec in rows.scalars():
        rec.acted, rec.acted_at = acted, now


async def recommendations_page(
    session: AsyncSession,
    *,
    grant: str | None,
    funder: str | None,
    waiting: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Recommendation], str | None]:
    """Recommendations, by grant, funder, and whether they still wait for the funder."""
    stmt = select(Recommendation)
    if grant:
        stmt = stmt.where(Recommendation.grant_id == grant)
    if funder:
        stmt = stmt.where(Recommendation.funder_id == funder)
    if waiting is not None:
        stmt = stmt.where(
            Recommendation.acted.is_(None) if waiting else Recommendation.acted.is_not(None)
        )
    return await page(session, stmt, Recommendation.id, cursor, limit)


async def get_recommendation(session: AsyncSession, recommendation_id: str) -> Recommendation:
    return await get_or_404(session, Recommendation, recommendation_id, "recommendation")


async def keep_grant(
    session: AsyncSession, recommendation_id: str, reason: str, principal: Principal
) -> Recommendation:
    """§4.3: the grant's funder records why it does not follow the recommendation; the
    finding resolves. Once per recommendation (409 when already answered)."""
    rec = await get_or_404(session, Recommendation, recommendation_id, "recommendation")
    grant = await session.get(Grant, rec.grant_id)
    owner = grant.funder_id if grant is not None else rec.funder_id
    authority.check_owner(
        principal.organisation_id,
        owner,
        "not-your-grant",
        "recommendation-answered-by-the-grants-funder",
        "answer an evaluation's recommendation on this grant (its funder)",
    )
    if rec.acted is not None:
        raise Problem(
            409,
            "already-answered",
            f"The recommendation was answered ({rec.acted}) at "
            f"{rec.acted_at.isoformat() if rec.acted_at else 'an earlier time'}.",
            acted=rec.acted,
        )
    rec.acted, rec.acted_at, rec.reason = "kept", utcnow(), reason
    await session.flush()
    await reevaluate(session, [rec.cluster_id], "funding.recommendation.kept")
    return rec
