"""Evaluation's own follow-up of the registry's cluster events, and who may act on a cluster.

The cluster read model itself (``eval_clusters``, with the §1 responsibility) is the shared
projection (``shared.cluster_projection``, called by ``consumers``): a redelivered older event
is ignored there by ``EvalCluster.updated_at``. Here:

- **Member snapshots**: when a ``registered``/``updated`` event applied, its member summary
  becomes the snapshot of the event's calendar year and the derived member indicators of that
  year (``service.derived``) — :func:`take_snapshot`. Each year's ``MemberSnapshot.taken_at``
  holds the time of the event it was taken from, so an older event does not overwrite a newer
  one of the same year.
- **League history** (§4.1, an account as it was): after any applied event that leaves the
  cluster in another league than its latest history entry (``registered``/``updated`` — the
  first league —, ``league_changed``, ``responsibility_changed``), a ``league_history`` row
  from the event's time — :func:`note_league`. :func:`clusters_of_year` gives the clusters that
  existed in a year with the league in force at its end (``rules.account.league_as_of``).
- **Who may act**: the parties of a cluster (§1 responsible, funders with a grant in force,
  ``shared.money.grant_in_force``) for ``rules.authority``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import EvalCluster, EvalGrant, LeagueHistory, MemberSnapshot
from services.evaluation.rules.account import end_of_year, league_as_of
from services.evaluation.service.derived import danish_year, member_values, set_derived
from shared.clock import as_utc, utcnow
from shared.events import contracts as ev
from shared.events.envelope import is_newer
from shared.money import grant_in_force


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


# --- league history -----------------------------------------------------------------------------


async def note_league(session: AsyncSession, cluster_id: str, league: str, when: datetime) -> None:
    """Start a history entry at ``when`` when ``league`` differs from the latest entry."""
    latest = (
        await session.execute(
            select(LeagueHistory)
            .where(LeagueHistory.cluster_id == cluster_id)
            .order_by(LeagueHistory.valid_from.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if latest is not None and latest.league == league:
        return
    if latest is not None and as_utc(latest.valid_from) >= as_utc(when):
        latest.league = league  # same instant (or a clock step back): the newer word wins
        return
    session.add(LeagueHistory(cluster_id=cluster_id, valid_from=when, league=league))
    await session.flush()


async def clusters_of_year(session: AsyncSession, year: int) -> list[tuple[EvalCluster, str]]:
    """Active clusters that existed in ``year`` (registered in the suite by its end, Danish
    time), each with its league in force at the end of ``year``."""
    end = end_of_year(year)
    clusters = [
        c
        for c in (
            await session.execute(select(EvalCluster).where(EvalCluster.status == "active"))
        ).scalars()
        if as_utc(c.registered_at) < end
    ]
    history: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    ids = [c.id for c in clusters]
    for i in range(0, len(ids), 500):
        rows = await session.execute(
            select(LeagueHistory.cluster_id, LeagueHistory.valid_from, LeagueHistory.league).where(
                LeagueHistory.cluster_id.in_(ids[i : i + 500])
            )
        )
        for cid, valid_from, league in rows:
            history[cid].append((as_utc(valid_from), league))
    return [(c, league_as_of(history.get(c.id, []), year, c.league)) for c in clusters]


# --- who may act ----------------------------------------------------------------------------------


def responsible_parties(cluster: EvalCluster) -> list[str]:
    """§1: the primary and co-responsible parties of the cluster's base funding."""
    return [*(cluster.responsibility_primary or []), *(cluster.responsibility_also or [])]


async def funders_in_force(session: AsyncSession, cluster_id: str, today: date) -> list[str]:
    """Funders with a grant in force to the cluster on ``today`` (``shared.money``)."""
    rows = (
        await session.execute(
            select(EvalGrant).where(EvalGrant.cluster_id == cluster_id).order_by(EvalGrant.id)
        )
    ).scalars()
    return list(
        dict.fromkeys(
            g.funder_id
            for g in rows
            if grant_in_force(g.starts_on, g.ends_on, g.terminated_on, today)
        )
    )
