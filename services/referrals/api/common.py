"""Dependencies and answer helpers the referrals routers share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import idempotency_keys
from shared import idempotency
from shared.auth import Principal, require_scope
from shared.db import session_dependency
from shared.pagination import MAX_LIMIT

PREFIX = "/referrals/v1"
Session = Annotated[AsyncSession, Depends(session_dependency)]
#: A party of the exchange acting as itself (growth house, business service, cluster
#: organisation, municipality): the organisation kinds that hold ``referrals:write``.
Party = Annotated[Principal, Depends(require_scope("referrals:write"))]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
IdempotencyKey = Annotated[
    str | None, Header(description="Repeat a creating POST safely: a retry gets the first answer")
]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
IdFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


async def create_idempotently(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    body: BaseModel,
    create: Callable[[], Awaitable[dict[str, Any]]],
) -> JSONResponse:
    """The referrals service's creating POSTs, once per Idempotency-Key."""
    return await idempotency.create_once(
        request, session, idempotency_keys, principal, key, body, create
    )
