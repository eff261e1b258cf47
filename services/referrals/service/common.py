"""Helpers the referrals use cases share: organisations, the change counter, rule errors."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import ChangeCounter, ReferralCluster, directory
from services.referrals.rules.vocabulary import PARTY_KINDS
from shared.directory import OrgInfo, lookup_organisations
from shared.errors import Problem
from shared.reference import region_of_municipality

__all__ = ["OrgInfo", "next_change_seq", "organisations", "require_party", "where_is"]


async def organisations(session: AsyncSession, ids: Iterable[str]) -> dict[str, OrgInfo]:
    """Organisations by id, as the referrals service knows them (shared.directory)."""
    return await lookup_organisations(session, directory, ids)


async def require_party(session: AsyncSession, organisation_id: str, role: str) -> OrgInfo:
    """The organisation must be known and of a kind that takes part in the exchange (§5):
    otherwise 422 naming ``role`` (e.g. "recipient")."""
    found = (await organisations(session, [organisation_id])).get(organisation_id)
    if found is None:
        raise Problem(
            422,
            "unknown-organisation",
            f"The {role} '{organisation_id[:64]}' is not an organisation the referral exchange "
            "knows (GET /registry/v1/organisations).",
        )
    if found.kind not in PARTY_KINDS:
        raise Problem(
            422,
            "not-a-party",
            f"The {role} '{organisation_id}' is a {found.kind}; the referral exchange is between "
            f"{', '.join(sorted(PARTY_KINDS))}.",
        )
    return found


async def where_is(session: AsyncSession, org: OrgInfo) -> tuple[str | None, str | None]:
    """(municipality code, region code) of an organisation: a cluster's registered home,
    else the organisation's own address in the directory."""
    cluster = await session.get(ReferralCluster, org.id)
    if cluster is not None and cluster.home_municipality_code:
        return cluster.home_municipality_code, cluster.home_region_code or None
    region = org.region_code
    if region is None and org.municipality_code:
        region = region_of_municipality(org.municipality_code)
    return org.municipality_code, region


async def next_change_seq(session: AsyncSession) -> int:
    """The next ``change_seq`` for a service or activity. Updating the one counter row locks
    it until this transaction ends, so changes commit in ``change_seq`` order (see
    :class:`~services.referrals.models.ChangeCounter`)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(ChangeCounter).values(id=1, value=0).on_conflict_do_nothing())
    result = await session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.id == 1)
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    )
    return int(result.scalar_one())
