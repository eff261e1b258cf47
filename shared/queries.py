"""Small query helpers every service's use cases share: ids, keyset pages, lookups."""

from __future__ import annotations

import time
import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor

T = TypeVar("T")


def new_id(prefix: str) -> str:
    """Roughly time-ordered ids (so keyset pages list oldest first)."""
    return f"{prefix}-{int(time.time() * 1000):012x}{uuid.uuid4().hex[:10]}"


async def page(
    session: AsyncSession, stmt: Any, id_column: Any, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Keyset page of ORM rows over ``id_column`` (ascending): (rows, next cursor or None)."""
    after = decode_cursor(cursor)
    if after:
        stmt = stmt.where(id_column > str(after[0]))
    rows = list((await session.execute(stmt.order_by(id_column).limit(limit + 1))).scalars())
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def get_or_404(session: AsyncSession, model: type[T], id_: str, what: str) -> T:
    obj = None if "\x00" in id_ else await session.get(model, id_)
    if obj is None:
        raise Problem(404, "not-found", f"No {what} '{id_[:64]}'.")
    return obj
