"""Helpers the funding use cases share: lookups, the caller as funder, rule errors.

An authority rule (``rules/authority.py``) raises a ``shared.refusal.Refusal``, which
``shared.errors`` answers as 403 problem+json naming the rule and who may act; the use cases
call the rules directly."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import FundingCluster, directory
from services.funding.rules import authority
from services.funding.rules.violations import RuleViolation
from shared.auth import Principal
from shared.directory import OrgInfo, lookup_organisations
from shared.errors import Problem


def problem(exc: RuleViolation, status: int = 409) -> Problem:
    """A rule's refusal as problem+json (409 unless the caller says otherwise)."""
    return Problem(status, exc.kind, exc.detail, **exc.extra)


def require_funder(principal: Principal, funder_id: str | None, what: str) -> str:
    """The funder is always the caller's own organisation, of a funder kind (403 otherwise)."""
    authority.check_funder(principal.organisation_kind, what)
    return authority.check_acts_as_itself(principal.organisation_id, funder_id, what)


async def organisations(session: AsyncSession, ids: Iterable[str]) -> dict[str, OrgInfo]:
    """Organisations by id, as the funding service knows them (shared.directory)."""
    return await lookup_organisations(session, directory, ids)


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
