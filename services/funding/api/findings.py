"""Coordination findings (§1, §3, §4.3), kept current from events. Public."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.funding.api.common import PREFIX, Session
from services.funding.rules.coordination_model import RULES
from services.funding.schemas.findings import FindingOut
from services.funding.service import coordination_findings
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix=PREFIX)
Id = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


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
    rows, nxt = await coordination_findings.findings_page(
        session, rule=rule, cluster=cluster, funder=funder, state=state, cursor=cursor, limit=limit
    )
    return Page[FindingOut](items=[FindingOut.model_validate(r) for r in rows], next_cursor=nxt)


@router.get("/findings/{finding_id}", tags=["findings"], response_model=FindingOut)
async def get_finding(session: Session, finding_id: str) -> FindingOut:
    row = await coordination_findings.get_finding(session, finding_id)
    return FindingOut.model_validate(row)
