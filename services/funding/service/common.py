"""Helpers the funding use cases share: ids, lookups, the caller as funder, rule errors."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import FundingCluster, directory
from services.funding.rules import RuleViolation
from shared.auth import Principal
from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor
from shared.reference import reference_parties

T = TypeVar("T")


def new_id(prefix: str) -> str:
    """Roughly time-ordered ids (so keyset pages list oldest first)."""
    return f"{prefix}-{int(time.time() * 1000):012x}{uuid.uuid4().hex[:10]}"


def problem(exc: RuleViolation, status: int = 409) -> Problem:
    return Problem(status, exc.kind, exc.detail, **exc.extra)


def require_funder(principal: Principal, funder_id: str | None, what: str) -> str:
    """The funder is always the caller's own organisation; naming another is refused (403)."""
    if funder_id is not None and funder_id != principal.organisation_id:
        raise Problem(
            403,
            "not-your-organisation",
            f"Only {funder_id} may do {what} in its own name; you act as "
            f"{principal.organisation_id}.",
        )
    return principal.organisation_id


@dataclass(frozen=True)
class OrgInfo:
    id: str
    name: str
    kind: str
    cvr: str | None
    region_code: str | None
    municipality_code: str | None


async def organisations(session: AsyncSession, ids: Iterable[str]) -> dict[str, OrgInfo]:
    """Organisations by id: this service's directory (from registry events), then the shipped
    reference parties (so the well-known parties are known even before the events arrive)."""
    wanted = {i for i in ids if i}
    found: dict[str, OrgInfo] = {}
    if wanted:
        rows = await session.execute(select(directory).where(directory.c.id.in_(wanted)))
        for r in rows.mappings():
            found[r["id"]] = OrgInfo(
                r["id"], r["name"], r["kind"], r["cvr"], r["region_code"], r["municipality_code"]
            )
    for party in reference_parties():
        if party.id in wanted and party.id not in found:
            found[party.id] = OrgInfo(
                party.id,
                party.name,
                party.kind,
                None,
                party.region_code,
                party.municipality_code,
            )
    return found


async def require_parties_known(session: AsyncSession, ids: list[str]) -> None:
    known = await organisations(session, ids)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise Problem(
            422,
            "unknown-organisation",
            f"Unknown organisations: {', '.join(unknown[:10])}.",
            unknown=unknown,
        )


async def clusters_by_id(session: AsyncSession, ids: Iterable[str]) -> dict[str, FundingCluster]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(select(FundingCluster).where(FundingCluster.id.in_(wanted)))
    return {c.id: c for c in rows.scalars()}


async def require_clusters(
    session: AsyncSession, ids: list[str], *, active: bool = True
) -> dict[str, FundingCluster]:
    """Every id must be a cluster the registry announced (and active, if asked): else 422."""
    found = await clusters_by_id(session, ids)
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise Problem(
            422,
            "unknown-cluster",
            f"No cluster is registered as {', '.join(unknown[:10])} (GET /registry/v1/clusters).",
            unknown=unknown,
        )
    if active:
        inactive = [i for i in ids if found[i].status != "active"]
        if inactive:
            raise Problem(
                422,
                "cluster-not-active",
                f"Not active (merged or dissolved): {', '.join(inactive[:10])}.",
                inactive=inactive,
            )
    return found


async def page(
    session: AsyncSession, stmt: Any, id_column: Any, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Keyset page over ``id_column`` (ascending)."""
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
