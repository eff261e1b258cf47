"""Evaluation API: the joint annual performance account (§4.1).

Public to read, as JSON and CSV. Only FIVU/RTI publishes (freezes) a year's account.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from services.evaluation.api.common import PREFIX, Cursor, Session, YearPath
from services.evaluation.config import AccountConfig
from services.evaluation.schemas.accounts import AccountView, AccountYears
from services.evaluation.service import account_publish
from services.evaluation.service import accounts as service
from services.evaluation.service.account_csv import account_csv_rows
from shared.auth import Principal, require_scope
from shared.dependencies import Today

router = APIRouter(prefix=PREFIX, tags=["accounts"])
Funder = Annotated[Principal, Depends(require_scope("evaluation:write"))]
League = Annotated[
    str | None, Query(description="world_class | national | emerging", max_length=20)
]
AccountLimit = Annotated[
    int | None,
    Query(ge=1, le=service.MAX_ACCOUNT_LIMIT, description="Clusters per page (default: all)"),
]


def account_config(request: Request) -> AccountConfig:
    return AccountConfig.from_settings(request.app.state.settings)


Config = Annotated[AccountConfig, Depends(account_config)]


@router.get(
    "/accounts",
    response_model=AccountYears,
    summary="Years with data and the state of their account (public)",
)
async def list_accounts(session: Session) -> AccountYears:
    return AccountYears(items=await service.account_years(session))


@router.get(
    "/accounts/{year}.csv",
    response_class=StreamingResponse,
    summary="The account as CSV: one row per cluster × indicator (public)",
    responses={200: {"content": {"text/csv": {}}}},
)
async def account_csv(
    session: Session, year: YearPath, today: Today, config: Config, league: League = None
) -> StreamingResponse:
    """Columns: cluster_id, cluster, league, indicator, value, percentile, change,
    change_relative. A missing value is an empty cell, never 0."""
    view = await service.account_view(session, year, today, config=config, league=league)
    return StreamingResponse(
        account_csv_rows(view),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="account-{year}-{view.state}.csv"'},
    )


@router.get(
    "/accounts/{year}",
    response_model=AccountView,
    summary="The account of a year: published snapshot, or a draft computed now (public)",
)
async def get_account(
    session: Session,
    year: YearPath,
    today: Today,
    config: Config,
    league: League = None,
    cursor: Cursor = None,
    limit: AccountLimit = None,
) -> JSONResponse:
    """Every active cluster of the three leagues with, per indicator, its value, percentile
    within the league and change from last year (missing: null), and a composite per function
    and overall; league summaries; the formula. `league` filters the clusters; `limit` (up to
    5,000) and `cursor` page them."""
    view = await service.account_view(
        session, year, today, config=config, league=league, cursor=cursor, limit=limit
    )
    return JSONResponse(view.model_dump(mode="json"))


@router.post(
    "/accounts/{year}/publish",
    response_model=AccountView,
    summary="Publish (freeze) the account of a year (FIVU/RTI only)",
    responses={
        403: {"description": "Not FIVU/RTI"},
        409: {"description": "Already published, or no cluster in it"},
    },
)
async def publish_account(
    session: Session, year: YearPath, principal: Funder, today: Today, config: Config
) -> JSONResponse:
    """Computes the account, stores it as the published snapshot (it no longer changes),
    records `evaluation.account.published`, and runs the §4.3 flag rule over the published
    accounts (`evaluation.cluster.flagged`), all in one transaction. A second publication: 409
    `already-published`."""
    view = await account_publish.publish_account(session, year, principal, today, config)
    return JSONResponse(view.model_dump(mode="json"))
