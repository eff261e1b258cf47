"""Small query helpers every service's use cases share: ids, keyset pages, lookups."""

from __future__ import annotations

import time
import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor

T = TypeVar("T")


_last_id_time = [0, 0]  # the millisecond and the count within it of the last id made here


def new_id(prefix: str) -> str:
    """Time-ordered ids (so keyset pages list oldest first): the millisecond, a count within
    it — ids made by one process sort in the order they were made, even within a millisecond
    (the consulted parties of a call, made in a loop, list in the rule's order) — and 28
    random bits so two replicas do not collide."""
    ms = int(time.time() * 1000)
    last_ms, count = _last_id_time
    if ms <= last_ms:
        ms, count = last_ms, count + 1
        if count > 0xFFF:
            ms, count = last_ms + 1, 0
    else:
        count = 0
    _last_id_time[:] = [ms, count]
    return f"{prefix}-{ms:012x}{count:03x}{uuid.uuid4().hex[:7]}"


async def page(
    session: AsyncSession, stmt: Any, id_column: Any, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Keyset page of ORM rows over ``id_column`` (ascending): (rows, next cursor or None)."""
    after = decode_cursor(cursor, str)
    if after:
        stmt = stmt.where(id_column > after[0])
    rows = list((await session.execute(stmt.order_by(id_column).limit(limit + 1))).scalars())
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def get_or_404(session: AsyncSession, model: type[T], id_: str, what: str) -> T:
    obj = None if "\x00" in id_ else await session.get(model, id_)
    if obj is None:
        raise Problem(404, "not-found", f"No {what} '{id_[:64]}'.")
    return obj
