"""Helpers the referrals use cases share: organisations, the change counter, rule errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import DIRECTORY_CHANGES, ReferralCluster, directory, sequences
from services.referrals.rules import authority
from services.referrals.rules.vocabulary import PARTY_KINDS
from shared.auth import Principal
from shared.directory import OrgInfo, lookup_organisations
from shared.errors import Problem
from shared.reference import region_of_municipality
from shared.sequences import next_value

__all__ = [
    "OrgInfo",
    "OrgPlace",
    "next_change_seq",
    "org_places",
    "organisations",
    "require_acting_party",
    "require_party",
    "where_is",
]


async def organisations(session: AsyncSession, ids: Iterable[str]) -> dict[str, OrgInfo]:
    """Organisations by id, as the referrals service knows them (shared.directory)."""
    return await lookup_organisations(session, directory, ids)


async def _known(session: AsyncSession, organisation_id: str, role: str) -> OrgInfo:
    found = (await organisations(session, [organisation_id])).get(organisation_id)
    if found is None:
        raise Problem(
            422,
            "unknown-organisation",
            f"The {role} '{organisation_id[:64]}' is not an organisation the referral exchange "
            "knows (GET /registry/v1/organisations).",
        )
    return found


async def require_acting_party(session: AsyncSession, principal: Principal, what: str) -> OrgInfo:
    """The caller's own organisation, which must be a party of the exchange to ``what``
    (``rules.authority.check_party``, §5: 403 naming the rule); 422 if it is not known yet."""
    found = await _known(session, principal.organisation_id, "caller")
    authority.check_party(found.id, found.kind, what)
    return found


async def require_party(session: AsyncSession, organisation_id: str, role: str) -> OrgInfo:
    """The organisation the caller names (e.g. the "recipient") must be known and of a kind
    that takes part in the exchange (§5): otherwise 422 naming ``role``."""
    found = await _known(session, organisation_id, role)
    if found.kind not in PARTY_KINDS:
        raise Problem(
            422,
            "not-a-party",
            f"The {role} '{organisation_id}' is a {found.kind}; the referral exchange is between "
            f"{', '.join(sorted(PARTY_KINDS))}.",
        )
    return found


@dataclass(frozen=True)
class OrgPlace:
    """An organisation's name, kind and home: a cluster's registered home, else the
    organisation's own address in the directory."""

    id: str
    name: str | None
    kind: str | None
    municipality_code: str | None
    region_code: str | None


async def org_places(session: AsyncSession, ids: Iterable[str]) -> dict[str, OrgPlace]:
    """:class:`OrgPlace` of many organisations at once (unknown ids: all None)."""
    wanted = set(ids)
    if not wanted:
        return {}
    orgs = await organisations(session, wanted)
    rows = await session.execute(select(ReferralCluster).where(ReferralCluster.id.in_(wanted)))
    clusters = {c.id: c for c in rows.scalars()}
    found: dict[str, OrgPlace] = {}
    for id_ in wanted:
        org, cluster = orgs.get(id_), clusters.get(id_)
        municipality: str | None = None
        region: str | None = None
        if cluster is not None and cluster.home_municipality_code:
            municipality, region = cluster.home_municipality_code, cluster.home_region_code or None
        elif org is not None:
            municipality, region = org.municipality_code, org.region_code
            if region is None and municipality:
                region = region_of_municipality(municipality)
        found[id_] = OrgPlace(
            id=id_,
            name=org.name if org else (cluster.name if cluster else None),
            kind=org.kind if org else ("cluster_organisation" if cluster else None),
            municipality_code=municipality,
            region_code=region,
        )
    return found


async def where_is(session: AsyncSession, org: OrgInfo) -> tuple[str | None, str | None]:
    """(municipality code, region code) of an organisation (see :class:`OrgPlace`)."""
    place = (await org_places(session, [org.id]))[org.id]
    return place.municipality_code, place.region_code


async def next_change_seq(session: AsyncSession) -> int:
    """The next ``change_seq`` for a service or activity (see ``models.DIRECTORY_CHANGES``)."""
    return await next_value(session, sequences, DIRECTORY_CHANGES)
