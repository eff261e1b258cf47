"""Evaluation's own follow-up of the registry's cluster events (``member_snapshots``).

The cluster read model itself (``eval_clusters``) is the shared projection
(``shared.cluster_projection``, called by ``consumers``): a redelivered older event is ignored
there by ``EvalCluster.updated_at``. When a ``registered``/``updated`` event applied, its member
summary becomes the snapshot of the event's calendar year and the derived member indicators of
that year (``service.derived``) — :func:`take_snapshot`. Each year's ``MemberSnapshot.taken_at``
holds the time of the event it was taken from, so an older event does not overwrite a newer
one of the same year.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import MemberSnapshot
from services.evaluation.service.derived import danish_year, member_values, set_derived
from shared.clock import utcnow
from shared.events import contracts as ev
from shared.events.envelope import is_newer


async def take_snapshot(session: AsyncSession, facts: ev.ClusterFacts, when: datetime) -> None:
    """The member summary as the snapshot of ``when``'s year (the latest event of a year wins)
    and that year's derived member values."""
    year = danish_year(when)
    snap = await session.get(MemberSnapshot, (facts.cluster_id, year))
    if snap is None:
        snap = MemberSnapshot(cluster_id=facts.cluster_id, year=year, taken_at=when)
        session.add(snap)
    elif not is_newer(when, snap.taken_at):
        return
    snap.member_count = facts.member_count
    snap.members_by_kind = dict(facts.members_by_kind)
    snap.sme_firms = facts.sme_firms
    snap.firms_size_unknown = facts.firms_size_unknown
    snap.taken_at = when
    values = member_values(
        facts.member_count, facts.members_by_kind, facts.sme_firms, facts.firms_size_unknown
    )
    await set_derived(session, facts.cluster_id, year, values, utcnow())
