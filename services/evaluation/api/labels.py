"""Evaluation API: ESCA cluster-management labels and their expiry (public reads; the sweep
by hand for the forum secretariat, scope ``admin``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.evaluation.api.common import PREFIX, Cursor, Limit, Session
from services.evaluation.schemas.evaluations import LabelOut, LabelSweepRun
from services.evaluation.service import labels as service
from services.evaluation.service import sweeps
from shared.auth import Principal, require_scope
from shared.dependencies import Today
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix=PREFIX)
Admin = Annotated[Principal, Depends(require_scope("admin"))]


@router.get("/labels", tags=["labels"], response_model=Page[LabelOut])
async def list_labels(
    request: Request,
    session: Session,
    today: Today,
    state: Annotated[Literal["valid", "expiring", "expired"] | None, Query()] = None,
    level: Annotated[Literal["bronze", "silver", "gold"] | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[LabelOut]:
    """Active clusters with an ESCA label (public), by cluster id: level, valid-until and the
    state as of today — `expiring` when it runs out within `label_notice_days` (default 90),
    `expired` from the day after valid-until."""
    items, nxt = await service.list_labels(
        session,
        today,
        request.app.state.settings.label_notice_days,
        state=state,
        level=level,
        cursor=cursor,
        limit=limit,
    )
    return Page[LabelOut](items=items, next_cursor=nxt)


@router.post(
    "/jobs/labels/run",
    tags=["operations"],
    response_model=LabelSweepRun,
    summary="Run the label-expiry sweep now (scope admin)",
)
async def run_label_sweep(
    request: Request, session: Session, _admin: Admin, today: Today
) -> LabelSweepRun:
    """What the periodic `evaluation-labels` job does: send `evaluation.label.expiring` to each
    cluster organisation whose label runs out within `label_notice_days`, once per valid-until
    date. Safe to repeat."""
    result = await sweeps.sweep_labels(session, today, request.app.state.settings)
    return LabelSweepRun(as_of=result.as_of, cluster_ids=result.cluster_ids, events=result.events)
