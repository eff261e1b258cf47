"""The per-cluster and per-funder timelines of grants (which money, when). Public."""

from __future__ import annotations

from fastapi import APIRouter

from services.funding.api.common import PREFIX, Session
from services.funding.schemas.timeline import Timeline, TimelineYear
from services.funding.service import timeline

router = APIRouter(prefix=PREFIX)


@router.get("/clusters/{cluster_id}/timeline", tags=["clusters"], response_model=Timeline)
async def cluster_timeline(session: Session, cluster_id: str) -> Timeline:
    """The cluster's grants by calendar year (amounts prorated by days; a terminated grant
    stops on its termination day)."""
    years = await timeline.cluster_timeline(session, cluster_id)
    return Timeline(cluster_id=cluster_id, years=[TimelineYear(**y) for y in years])


@router.get("/funders/{funder_id}/timeline", tags=["grants"], response_model=Timeline)
async def funder_timeline(session: Session, funder_id: str) -> Timeline:
    """A funder's grants by calendar year, per cluster (prorated by days)."""
    years = await timeline.funder_timeline(session, funder_id)
    return Timeline(funder_id=funder_id, years=[TimelineYear(**y) for y in years])
