"""Evaluation API: a cluster organisation's reported years (§4.1).

Only the cluster organisation itself submits its report (scope ``evaluation:report``);
reports are public to read (no personal data).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.evaluation.api.common import PREFIX, Cursor, IfMatch, Limit, Session, YearPath
from services.evaluation.schemas.reports import ReportIn, ReportOut, ReportYear
from services.evaluation.service import reports as service
from shared.auth import Principal, require_scope
from shared.dependencies import Today
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor

router = APIRouter(prefix=PREFIX, tags=["reports"])
Reporter = Annotated[Principal, Depends(require_scope("evaluation:report"))]


@router.put(
    "/clusters/{cluster_id}/reports/{year}",
    response_model=ReportOut,
    status_code=200,
    summary="Submit (201) or replace (200, If-Match) your cluster's report of a year",
    responses={
        201: {"description": "Submitted"},
        409: {"description": "The year's account is published"},
        412: {"description": "Stale If-Match"},
        422: {"description": "Invalid: every error in `errors`"},
        428: {"description": "If-Match missing when replacing"},
    },
)
async def put_report(
    session: Session,
    cluster_id: str,
    year: YearPath,
    body: ReportIn,
    principal: Reporter,
    today: Today,
    if_match: IfMatch = None,
) -> JSONResponse:
    """The cluster organisation reports its *reported* indicators for `year` (2000 … next
    year): `values` maps codes to numbers (null or left out: missing). The whole year is
    replaced. Checked by the catalogue's rules with the year's derived values (e.g. firms under
    50 employees ≤ participating firms); every problem is listed in the 422's `errors`.
    Replacing needs the `ETag` you read in `If-Match`. A year whose account is published no
    longer changes: 409."""
    report, created = await service.put_report(
        session, cluster_id, year, body, principal, if_match, today
    )
    out = await service.report_out(session, report)
    if created:
        return with_etag(
            out,
            report.version,
            status=201,
            Location=f"{PREFIX}/clusters/{cluster_id}/reports/{year}",
        )
    return with_etag(out, report.version)


@router.get(
    "/clusters/{cluster_id}/reports/{year}",
    response_model=ReportOut,
    summary="A cluster's report of a year (public)",
)
async def get_report(session: Session, cluster_id: str, year: YearPath) -> JSONResponse:
    report = await service.get_report(session, cluster_id, year)
    return with_etag(await service.report_out(session, report), report.version)


@router.get(
    "/clusters/{cluster_id}/reports",
    response_model=Page[ReportYear],
    summary="The years a cluster has reported, newest first (public)",
)
async def list_reports(
    session: Session, cluster_id: str, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[ReportYear]:
    after = decode_cursor(cursor, int)
    before_year = after[0] if after else None
    items, last = await service.report_years(session, cluster_id, before_year, limit)
    return Page[ReportYear](
        items=items, next_cursor=encode_cursor([last]) if last is not None else None
    )
