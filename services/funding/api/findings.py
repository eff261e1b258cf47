"""Coordination findings (§1, §3, §4.3): public, kept current from events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Text, select

from services.funding import service
from services.funding.api.common import PREFIX, Session
from services.funding.findings import RULES
from services.funding.models import Finding
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
