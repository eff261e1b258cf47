"""Dependencies the evaluation routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import session_dependency
from shared.pagination import MAX_LIMIT

PREFIX = "/evaluation/v1"
Session = Annotated[AsyncSession, Depends(session_dependency)]
#: A calendar year in a path (the account's, a report's): bounded in the schema, so a number no
#: database column holds is a 422 before any query; the use cases check the years that count.
YearPath = Annotated[int, Path(ge=1900, le=2999, description="Calendar year")]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
