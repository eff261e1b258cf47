"""Evaluation API: mid-term and final evaluations of grants (§4.1).

Evaluations are public records, like the grants they follow. Only the grant's funder completes
one (``evaluation:write`` and ``funder_id`` = the caller's organisation); the forum secretariat
(``admin``) can run the due/overdue sweep by hand.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.evaluation.api.common import PREFIX, Cursor, IfMatch, Limit, Session
from services.evaluation.models import Evaluation
from services.evaluation.schemas.evaluations import (
    EvaluationComplete,
    EvaluationOut,
    EvaluationSweepRun,
)
from services.evaluation.service import evaluations as service
from services.evaluation.service import sweeps
from shared.auth import Principal, require_scope
from shared.dependencies import Today
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix=PREFIX)
Funder = Annotated[Principal, Depends(require_scope("evaluation:write"))]
Admin = Annotated[Principal, Depends(require_scope("admin"))]
OrgFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]
StateFilter = Annotated[
    Literal["scheduled", "due", "overdue", "completed", "cancelled"] | None, Query()
]
KindFilter = Annotated[Literal["mid_term", "final"] | None, Query()]


def evaluation_out(evaluation: Evaluation) -> EvaluationOut:
    return EvaluationOut.model_validate(evaluation, from_attributes=True)


@router.get("/evaluations", tags=["evaluations"], response_model=Page[EvaluationOut])
async def list_evaluations(
    session: Session,
    cluster: OrgFilter = None,
    funder: OrgFilter = None,
    grant: OrgFilter = None,
    state: StateFilter = None,
    kind: KindFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[EvaluationOut]:
    """Evaluations (public), oldest first; filter by `cluster`, `funder`, `grant`, `state`,
    `kind`. Two per grant: the mid-term (half-way) and the final (at the end)."""
    rows, nxt = await service.list_evaluations(
        session,
        cluster=cluster,
        funder=funder,
        grant=grant,
        state=state,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )
    return Page[EvaluationOut](items=[evaluation_out(e) for e in rows], next_cursor=nxt)


@router.get("/evaluations/{evaluation_id}", tags=["evaluations"], response_model=EvaluationOut)
async def get_evaluation(session: Session, evaluation_id: str) -> JSONResponse:
    """One evaluation (public), with its `ETag` for completing it."""
    evaluation = await service.get_evaluation(session, evaluation_id)
    return with_etag(evaluation_out(evaluation), evaluation.version)


@router.post(
    "/evaluations/{evaluation_id}/complete",
    tags=["evaluations"],
    response_model=EvaluationOut,
    summary="Complete an evaluation of your grant (evaluation:write, the funder; If-Match)",
    responses={
        403: {"description": "Not the grant's funder"},
        409: {"description": "Already completed or cancelled"},
        412: {"description": "Stale If-Match"},
        428: {"description": "If-Match missing"},
    },
)
async def complete_evaluation(
    session: Session,
    evaluation_id: str,
    body: EvaluationComplete,
    principal: Funder,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Record the conclusions and a recommendation (`continue`, `adjust`, `phase_down`,
    `stop`; §4.3). Emits `evaluation.evaluation.completed`. A scheduled evaluation may be
    completed early; a completed or cancelled one is refused (409)."""
    evaluation = await service.complete_evaluation(
        session, evaluation_id, body, principal, if_match
    )
    return with_etag(evaluation_out(evaluation), evaluation.version)


@router.post(
    "/jobs/evaluations/run",
    tags=["operations"],
    response_model=EvaluationSweepRun,
    summary="Run the evaluation due/overdue sweep now (scope admin)",
)
async def run_evaluation_sweep(
    request: Request, session: Session, _admin: Admin, today: Today
) -> EvaluationSweepRun:
    """What the periodic `evaluation-evaluations` job does: move pending evaluations to due
    (`evaluation_notice_days` before the due date) and overdue (after it), sending
    `evaluation.evaluation.due` and `.overdue` once each. Safe to repeat."""
    result = await sweeps.sweep_evaluations(session, today, request.app.state.settings)
    return EvaluationSweepRun(
        as_of=result.as_of,
        due=result.due,
        overdue=result.overdue,
        corrected=result.corrected,
        events=result.events,
    )
