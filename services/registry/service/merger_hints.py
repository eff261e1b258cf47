"""The §4.4 merger hints: computed over the active clusters without an open flag, and each new
pair announced once as ``registry.merger.suggested``. Never commits.

§4.4 "Mindre, lokale klyngeorganisationer … kan med fordel overveje at fusionere eller indgå et
strategisk samarbejde med en større klyngeorganisation inden for området", and the effort
builds on existing organisations "hvis den fornødne kvalitet er til stede": a cluster that
evaluation has flagged (§4.3; ``service/cluster_flags.py``) is no partner in a hint.

A hint is addressed to both clusters and to the growth forums responsible for either of them
(§1 primary or co-responsible), one event per recipient; ``merger_announcements`` remembers
each pair, so a pair is announced once — not again on a restart, a request or after a flag
came and went. :func:`announce_merger_hints` is run by the periodic job
``registry-merger-hints`` (``app.py``) and after the demo is loaded.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import Cluster, MergerAnnouncement, messaging
from services.registry.rules.mergers import ClusterSketch, MergerSuggestion
from services.registry.rules.mergers import merger_suggestions as suggest_mergers
from services.registry.service.cluster_flags import flagged_clusters
from services.registry.service.cluster_loading import organisation_kinds
from services.registry.service.cluster_search import cluster_query
from shared.clock import utcnow
from shared.events import contracts as ev
from shared.events.outbox import PendingEvent, record_events

GROWTH_FORUM = "growth_forum"


async def merger_suggestions(
    session: AsyncSession, config: RuleConfig
) -> tuple[list[MergerSuggestion], dict[str, tuple[Cluster, str, int]]]:
    """The §4.4 hints, and the active clusters they name (by id) for shaping the answer."""
    rows = {
        c.id: (c, name, count)
        for c, name, count in (
            await session.execute(cluster_query().where(Cluster.status == "active"))
        ).all()
    }
    sketches = [
        ClusterSketch(c.id, name, c.league, c.home_region_code, tuple(c.fields), count)
        for c, name, count in rows.values()
    ]
    flagged = await flagged_clusters(session)
    return suggest_mergers(sketches, config.merger, flagged), rows


def _responsible(cluster: Cluster) -> list[str]:
    resp = cluster.responsibility or {}
    return [*resp.get("primary", []), *resp.get("also", [])]


async def announce_merger_hints(
    session: AsyncSession, config: RuleConfig
) -> list[MergerSuggestion]:
    """Announce every current hint not announced before; the hints announced now."""
    suggestions, rows = await merger_suggestions(session, config)
    if not suggestions:
        return []
    announced = set(
        (await session.execute(select(MergerAnnouncement.small_id, MergerAnnouncement.larger_id)))
        .tuples()
        .all()
    )
    new = [s for s in suggestions if (s.small.id, s.larger.id) not in announced]
    if not new:
        return []
    parties = {p for s in new for c in (s.small, s.larger) for p in _responsible(rows[c.id][0])}
    kinds = await organisation_kinds(session, sorted(parties))
    now = utcnow()
    events: list[PendingEvent] = []
    for s in new:
        forums = [
            p
            for c in (s.small, s.larger)
            for p in _responsible(rows[c.id][0])
            if kinds.get(p) == GROWTH_FORUM
        ]
        recipients = list(dict.fromkeys([s.small.id, s.larger.id, *forums]))
        payload = ev.MergerSuggested(
            small_cluster_id=s.small.id,
            larger_cluster_id=s.larger.id,
            shared_fields=list(s.shared_fields),
            same_region=s.same_region,
            small_members=s.small.members,
            larger_members=s.larger.members,
            larger_league=s.larger.league,
            recipients=recipients,
            evidence=s.evidence,
        )
        events += [
            PendingEvent("registry.merger.suggested", payload, subject=s.small.id, recipient=r)
            for r in recipients
        ]
        session.add(
            MergerAnnouncement(
                small_id=s.small.id, larger_id=s.larger.id, recipients=recipients, announced_at=now
            )
        )
    await record_events(session, messaging, events)
    return new
