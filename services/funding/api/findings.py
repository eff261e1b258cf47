"""Coordination findings (§1, §3, §4.3), kept current from events, and the per-cluster and
per-funder timelines of grants (which money, when). Public."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Text, select

from services.funding import service
from services.funding.api.common import PREFIX, Session
from services.funding.findings import RULES
from services.funding.models import Finding, FundingCluster, Grant
from services.funding.timeline import Money, timeline
from shared.errors import Problem
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix=PREFIX)
Id = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    key: str = Field(description="Stable: rule + cluster + the grants (or year) involved")
    rule: str
    section: str = Field(description="The paper's section")
    cluster_id: str
    funder_ids: list[str]
    grant_ids: list[str]
    summary: str
    evidence: dict[str, Any]
    state: Literal["open", "resolved"]
    raised_at: datetime
    resolved_at: datetime | None = None


@router.get("/findings", tags=["findings"], response_model=Page[FindingOut])
async def list_findings(
    session: Session,
    rule: Annotated[Literal[RULES] | None, Query()] = None,  # type: ignore[valid-type]
    cluster: Id = None,
    funder: Id = None,
    state: Annotated[Literal["open", "resolved"] | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[FindingOut]:
    """Findings of the coordination checks; filter by `rule`, `cluster`, `funder`, `state`."""
    stmt = select(Finding)
    if rule:
        stmt = stmt.where(Finding.rule == rule)
    if cluster:
        stmt = stmt.where(Finding.cluster_id == cluster)
    if state:
        stmt = stmt.where(Finding.state == state)
    if funder:
        # JSON membership differs per database; the funder ids are quoted strings in the list
        stmt = stmt.where(Finding.funder_ids.cast(Text).contains(f'"{funder}"', autoescape=True))
    rows, nxt = await service.page(session, stmt, Finding.id, cursor, limit)
    return Page[FindingOut](items=[FindingOut.model_validate(r) for r in rows], next_cursor=nxt)


@router.get("/findings/{finding_id}", tags=["findings"], response_model=FindingOut)
async def get_finding(session: Session, finding_id: str) -> FindingOut:
    row = await service.get_or_404(session, Finding, finding_id, "finding")
    return FindingOut.model_validate(row)


# --- timelines (dashboard) ------------------------------------------------------------------


class TimelineGrant(BaseModel):
    grant_id: str
    funder_id: str
    cluster_id: str
    kind: str
    amount_dkk: int = Field(description="This year's share, prorated by days")


class TimelineYear(BaseModel):
    year: int
    total_dkk: int
    base_dkk: int
    project_dkk: int
    grants: list[TimelineGrant]


class Timeline(BaseModel):
    cluster_id: str | None = None
    funder_id: str | None = None
    years: list[TimelineYear]


def _money(g: Grant) -> Money:
    return Money(
        g.id,
        g.funder_id,
        g.cluster_id,
        g.kind,
        g.amount_dkk,
        g.starts_on,
        g.ends_on,
        g.terminated_on,
    )


@router.get("/clusters/{cluster_id}/timeline", tags=["clusters"], response_model=Timeline)
async def cluster_timeline(session: Session, cluster_id: str) -> Timeline:
    """The cluster's grants by calendar year (amounts prorated by days; a terminated grant
    stops on its termination day)."""
    await service.get_or_404(session, FundingCluster, cluster_id, "cluster")
    rows = await session.execute(select(Grant).where(Grant.cluster_id == cluster_id))
    years = timeline(_money(g) for g in rows.scalars())
    return Timeline(cluster_id=cluster_id, years=[TimelineYear(**y) for y in years])


@router.get("/funders/{funder_id}/timeline", tags=["grants"], response_model=Timeline)
async def funder_timeline(session: Session, funder_id: str) -> Timeline:
    """A funder's grants by calendar year, per cluster (prorated by days)."""
    if "\x00" in funder_id or not await service.organisations(session, [funder_id]):
        raise Problem(404, "not-found", f"No organisation '{funder_id[:64]}'.")
    rows = await session.execute(select(Grant).where(Grant.funder_id == funder_id))
    years = timeline(_money(g) for g in rows.scalars())
    return Timeline(funder_id=funder_id, years=[TimelineYear(**y) for y in years])
