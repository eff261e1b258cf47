"""Dependencies the evaluation routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import session_dependency
from shared.pagination import MAX_LIMIT

PREFIX = "/evaluation/v1"
Session = Annotated[AsyncSession, Depends(session_dependency)]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
