"""Dependencies and answer helpers the funding routers share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import idempotency_keys
from services.funding.service import CallConfig
from shared import idempotency
from shared.auth import Principal, require_scope
from shared.db import session_dependency

Session = Annotated[AsyncSession, Depends(session_dependency)]
Funder = Annotated[Principal, Depends(require_scope("funding:write"))]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
IdempotencyKey = Annotated[
    str | None, Header(description="Repeat a creating POST safely: a retry gets the first answer")
]
PREFIX = "/funding/v1"


def today(request: Request) -> date:
    """ "Today" for deadlines: ``app.state.clock`` (tests), ``FUNDING_TODAY``, or the real date."""
    clock: Callable[[], date] | None = getattr(request.app.state, "clock", None)
    if clock is not None:
        return clock()
    fixed: date | None = request.app.state.settings.today
    return fixed or date.today()


def call_config(request: Request) -> CallConfig:
    settings = request.app.state.settings
    return CallConfig(
        dialogue_days=settings.dialogue_days,
        announce_threshold_dkk=settings.announce_threshold_dkk,
    )


Today = Annotated[date, Depends(today)]
Config = Annotated[CallConfig, Depends(call_config)]


async def create_idempotently(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    body: BaseModel,
    create: Callable[[], Awaitable[dict[str, Any]]],
) -> JSONResponse:
    """The funding service's creating POSTs, once per Idempotency-Key."""
    return await idempotency.create_once(
        request, session, idempotency_keys, principal, key, body, create
    )
