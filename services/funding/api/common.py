"""Dependencies and answer helpers the funding routers share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.config import CallConfig
from services.funding.models import idempotency_keys
from services.funding.rules import authority
from shared import idempotency
from shared.auth import Principal, current_principal, require_scope
from shared.db import session_dependency

Session = Annotated[AsyncSession, Depends(session_dependency)]
Funder = Annotated[Principal, Depends(require_scope("funding:write"))]


async def answering_party(principal: Principal = Depends(current_principal)) -> Principal:
    """A consulted party answering (§3): a write scope is needed (``rules/authority.py``)."""
    authority.check_scope(principal.scopes, authority.ANSWER_SCOPES, "answer a dialogue")
    return principal


Answerer = Annotated[Principal, Depends(answering_party)]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
IdempotencyKey = Annotated[
    str | None, Header(description="Repeat a creating POST safely: a retry gets the first answer")
]
PREFIX = "/funding/v1"


def call_config(request: Request) -> CallConfig:
    """Planning a call's configuration from the app's ``FundingSettings``."""
    return CallConfig.from_settings(request.app.state.settings)


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
