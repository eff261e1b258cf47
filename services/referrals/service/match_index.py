"""This replica's match index (§5 matching): kept in memory, refreshed before every match.

The index (``rules.matching.TermIndex``) lives on ``app.state.match_index``; every replica
keeps its own. It is built lazily by the first match and then kept current incrementally:
before each match it reads the ``directory_changes`` sequence and, if that moved, the services
and activities whose ``change_seq`` lies between what it has read and the counter (one
indexed range query per table). A service that is no longer ``active``, or an activity that
is cancelled or over, is dropped. Order is safe: taking a ``change_seq`` locks the counter row
until commit, so once the counter reads N every change up to N is visible
(``models.DIRECTORY_CHANGES``).

Refreshes are serialised by an ``asyncio.Lock``. A match that finds a refresh already running
waits for it and then runs its own unless one that began after it arrived has finished (so a
burst of matches costs one refresh, and a match never misses a change committed before it
arrived). The refresh uses the request's own session (one connection per process in SQLite
mode; a second session in a request could wait on itself), and a request touches the database
only once it holds the lock, so no request holds the connection while waiting for the lock.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import Text, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import (
    DIRECTORY_CHANGES,
    Activity,
    OfferedService,
    ReferralCluster,
    directory,
    sequences,
)
from services.referrals.rules import matching
from services.referrals.service.common import OrgPlace, org_places
from shared.clock import as_utc, utcnow
from shared.reference import municipalities
from shared.sequences import current_value

__all__ = [
    "MatchAnswer",
    "MatchIndex",
    "OrgPlace",
    "homes_in_region",
    "match",
    "match_index",
]

#: Rows read and applied between two yields to the event loop while building.
_BATCH = 2000


@dataclass
class MatchAnswer:
    hits: list[matching.Ranked]
    organisations: dict[str, OrgPlace]
    #: offers scored exactly / offers in the index / change_seq the index has read up to
    evaluated: int
    indexed: int
    change_seq: int


class MatchIndex:
    def __init__(self) -> None:
        self.terms = matching.TermIndex()
        #: the ``change_seq`` read up to
        self.seen = 0
        self.lock = asyncio.Lock()
        self._started = 0
        self._finished = 0

    async def refresh(self, session: AsyncSession, now: datetime) -> None:
        """Apply every change committed before this call (module docstring)."""
        arrived = self._started
        async with self.lock:
            if self._finished > arrived:
                return  # a refresh that began after this call arrived has just finished
            self._started += 1
            generation = self._started
            upto = await current_value(session, sequences, DIRECTORY_CHANGES)
            if upto > self.seen:
                try:
                    await self._apply(session, self.seen, upto, now)
                except BaseException:
                    if self.seen == 0:  # a build cut short: start again next time
                        self.terms = matching.TermIndex()
                    raise
                self.seen = upto
            self._finished = generation

    async def _apply(self, session: AsyncSession, after: int, upto: int, now: datetime) -> None:
        first = after == 0 and len(self.terms) == 0
        services = select(
            OfferedService.id,
            OfferedService.organisation_id,
            OfferedService.name,
            cast(OfferedService.fields, Text).label("fields"),
            cast(OfferedService.target_groups, Text).label("target_groups"),
            OfferedService.area_kind,
            cast(OfferedService.area_codes, Text).label("area_codes"),
            OfferedService.status,
            OfferedService.search_terms,
        ).where(OfferedService.change_seq > after, OfferedService.change_seq <= upto)
        if first:  # a fresh index needs only what is offered now
            services = services.where(OfferedService.status == "active")
        result = await session.stream(services)
        async for rows in result.partitions(_BATCH):
            for row in rows:
                if row.status == "active":
                    offer = matching.Offer(
                        kind="service",
                        id=row.id,
                        organisation_id=sys.intern(row.organisation_id),
                        name=row.name,
                        fields=matching.codes(row.fields),
                        target_groups=matching.codes(row.target_groups),
                        area_kind=sys.intern(row.area_kind),
                        area_codes=matching.codes(row.area_codes),
                    )
                    self.terms.put(offer, row.search_terms.split(), weigh=not first)
                else:
                    self.terms.remove(("service", row.id))
            await asyncio.sleep(0)  # let other requests run while a large build goes on
        activities = select(
            Activity.id,
            Activity.organisation_id,
            Activity.title,
            cast(Activity.fields, Text).label("fields"),
            cast(Activity.target_groups, Text).label("target_groups"),
            Activity.municipality_code,
            Activity.online,
            Activity.starts_at,
            Activity.ends_at,
            Activity.status,
            Activity.search_terms,
        ).where(Activity.change_seq > after, Activity.change_seq <= upto)
        if first:
            activities = activities.where(Activity.status == "announced", Activity.ends_at >= now)
        for act in await session.execute(activities):
            ends_at = as_utc(act.ends_at)
            if act.status == "announced" and ends_at >= now:
                offer = matching.Offer(
                    kind="activity",
                    id=act.id,
                    organisation_id=sys.intern(act.organisation_id),
                    name=act.title,
                    fields=matching.codes(act.fields),
                    target_groups=matching.codes(act.target_groups),
                    municipality_code=act.municipality_code,
                    online=bool(act.online),
                    starts_at=as_utc(act.starts_at),
                    ends_at=ends_at,
                )
                self.terms.put(offer, act.search_terms.split(), weigh=not first)
            else:
                self.terms.remove(("activity", act.id))
        if first:
            self.terms.reweigh()  # one pass with the final average length


def match_index(app: FastAPI) -> MatchIndex:
    """This replica's index (created empty on first use; built by the first match)."""
    index: MatchIndex | None = getattr(app.state, "match_index", None)
    if index is None:
        index = app.state.match_index = MatchIndex()
    return index


async def homes_in_region(session: AsyncSession, region: str) -> dict[str, matching.Home]:
    """(municipality, region) of every organisation at home in ``region``, by the rule of
    ``service.common.where_is`` (a cluster's registered home, else the directory's address),
    in one query whatever the number of hits."""
    codes = [m.code for m in municipalities() if m.region_code == region]
    cluster, org = ReferralCluster, directory.c
    rows = await session.execute(
        select(
            org.id,
            org.municipality_code,
            org.region_code,
            cluster.home_municipality_code,
            cluster.home_region_code,
        )
        .select_from(directory.outerjoin(cluster, cluster.id == org.id))
        .where(
            or_(
                org.region_code == region,
                org.municipality_code.in_(codes),
                cluster.home_region_code == region,
                cluster.home_municipality_code.in_(codes),
            )
        )
    )
    found: dict[str, matching.Home] = {}
    for oid, municipality, org_region, home, home_region in rows:
        if home:  # a cluster's registered home wins
            municipality, org_region = home, home_region or None
        elif org_region is None and municipality:
            org_region = matching.region_of(municipality)
        if org_region == region:
            found[oid] = (municipality, org_region)
    return found


async def match(
    session: AsyncSession, index: MatchIndex, need: matching.Need, limit: int
) -> MatchAnswer:
    """The best ``limit`` offers for ``need`` with why; their organisations' names and homes
    are loaded for the best hits only."""
    await index.refresh(session, need.now or utcnow())
    shortlist = index.terms.shortlist(need, limit)
    # where a nationwide service stands among equals depends on its organisation's home:
    # the organisations at home in the firm's region settle that for all of them
    homes = await homes_in_region(session, need.region)
    top = matching.placed(shortlist, need, homes, limit)
    orgs = await org_places(session, {s.offer.organisation_id for s, _ in top})
    homes |= {oid: (p.municipality_code, p.region_code) for oid, p in orgs.items()}
    hits = matching.explained(top, need, shortlist.expansions, homes)
    shown = {h.scored.offer.organisation_id for h in hits}
    return MatchAnswer(
        hits=hits,
        organisations={oid: p for oid, p in orgs.items() if oid in shown},
        evaluated=shortlist.evaluated,
        indexed=len(index.terms),
        change_seq=index.seen,
    )
