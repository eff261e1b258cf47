"""Dependencies the evaluation routers share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import session_dependency
from shared.pagination import MAX_LIMIT

PREFIX = "/evaluation/v1"
Session = Annotated[AsyncSession, Depends(session_dependency)]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def today(request: Request) -> date:
    """ "Today": ``app.state.clock`` (tests set it), ``EVALUATION_TODAY``, or the real date."""
    clock: Callable[[], date] | None = getattr(request.app.state, "clock", None)
    if clock is not None:
        return clock()
    fixed: date | None = request.app.state.settings.today
    return fixed or date.today()


Today = Annotated[date, Depends(today)]
