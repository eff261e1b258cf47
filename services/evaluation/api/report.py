"""Evaluation API: the HTML report of the joint annual performance account (§4.1, public)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from services.evaluation.api.common import PREFIX, Session, YearPath
from services.evaluation.config import AccountConfig
from services.evaluation.report_html import render_account_report
from services.evaluation.service.account_report import account_report as load_report
from shared.dependencies import Today

router = APIRouter(prefix=PREFIX, tags=["accounts"])

#: The page is self-contained: inline CSS and SVG, no script, nothing loaded from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get(
    "/accounts/{year}/report.html",
    response_class=HTMLResponse,
    summary="The account of a year as an HTML report with charts (public)",
    responses={
        200: {"content": {"text/html": {}}},
        404: {"description": "No data for the year"},
    },
)
async def account_report(
    request: Request,
    session: Session,
    year: YearPath,
    today: Today,
    lang: Annotated[Literal["da", "en"], Query(description="Danish (default) or English")] = "da",
) -> HTMLResponse:
    """One page per year: the state (draft or published, and when), per league a comparison
    chart of the composites, a trend chart of the league medians over the years, the league's
    indicator medians over time, a table of clusters with composites and coverage (missing
    shown as –, never 0), and the documented formula. Self-contained: inline CSS and SVG, no
    JavaScript."""
    config = AccountConfig.from_settings(request.app.state.settings)
    report = await load_report(session, year, today, config)
    html = render_account_report(report, today, lang, base_path=request.scope.get("root_path", ""))
    return HTMLResponse(html, headers=SECURITY_HEADERS | {"Content-Language": lang})
