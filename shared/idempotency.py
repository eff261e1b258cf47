"""``Idempotency-Key`` for creating POSTs: a repeated request gets the first answer again.

The stored answer is written in the same transaction as the creation, so a retry after a
lost response never creates twice. Reusing a key with a different body is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.etag import etag


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("owner", String(120), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status", Integer, nullable=False),
        Column("body", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


def request_fingerprint(method: str, path: str, body: Any) -> str:
    raw = json.dumps([method, path, body], sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()


async def replay(
    session: AsyncSession, table: Table, owner: str, key: str | None, fingerprint: str
) -> tuple[int, Any] | None:
    """The stored (status, body) for this key, or None if it is new."""
    if not key:
        return None
    if len(key) > 200:
        raise Problem(400, "invalid-idempotency-key", "Idempotency-Key is at most 200 characters.")
    row = (
        await session.execute(select(table).where(table.c.owner == owner, table.c.key == key))
    ).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Problem(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was used with a different request; use a new key.",
        )
    return row.status, row.body


async def remember(
    session: AsyncSession,
    table: Table,
    owner: str,
    key: str | None,
    fingerprint: str,
    status: int,
    body: Any,
) -> None:
    if not key:
        return
    try:
        await session.execute(
            table.insert().values(
                owner=owner,
                key=key,
                request_hash=fingerprint,
                status=status,
                body=body,
                created_at=utcnow(),
            )
        )
    except IntegrityError as exc:
        # A concurrent request with the same key committed first; this one rolls back, so
        # the creation still happens once, and a retry gets the stored answer.
        raise Problem(
            409,
            "idempotency-key-in-use",
            "Another request with this Idempotency-Key was processed at the same time; "
            "retry to get its answer.",
        ) from exc


async def create_once(
    request: Request,
    session: AsyncSession,
    table: Table,
    principal: Principal,
    key: str | None,
    body: BaseModel,
    create: Callable[[], Awaitable[dict[str, Any]]],
) -> JSONResponse:
    """A creating POST run once per ``Idempotency-Key`` (docs/architecture.md: the contract).

    ``create`` makes the resource and returns its answer body (with an ``id``); the Location
    is the collection's path plus that id. A retry with the same key and body gets the first
    answer again, Location and ETag included.
    """
    fingerprint = request_fingerprint("POST", request.url.path, body.model_dump(mode="json"))
    stored = await replay(session, table, principal.client_id, key, fingerprint)
    if stored:
        status, out = stored
    else:
        status, out = 201, await create()
        await remember(session, table, principal.client_id, key, fingerprint, status, out)
    headers = {"Location": f"{request.url.path}/{out['id']}"}
    if "version" in out:
        headers["ETag"] = etag(out["version"])
    return JSONResponse(out, status_code=status, headers=headers)
