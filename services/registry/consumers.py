"""Event handlers of the registry (idempotent through the inbox).

- ``registry-evaluation``: ``evaluation.cluster.flagged`` → ``cluster_flags``;
  ``evaluation.cluster.flag_lifted`` marks them lifted. §4.4 merger hints skip a flagged
  partner ("hvis den fornødne kvalitet er til stede"), so a lifted flag may make a pair a hint
  again; the periodic ``registry-merger-hints`` job announces it.

Otherwise the registry is the source of organisation and cluster events.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.service.cluster_flags import lift_flags, record_flag
from shared.events import contracts as ev
from shared.events.bus import Subscription
from shared.events.envelope import CloudEvent


async def on_cluster_flagged(session: AsyncSession, event: CloudEvent) -> None:
    await record_flag(session, event.id, ev.ClusterFlagged.model_validate(event.data), event.time)


async def on_flag_lifted(session: AsyncSession, event: CloudEvent) -> None:
    await lift_flags(session, ev.ClusterFlagLifted.model_validate(event.data), event.time)


SUBSCRIPTIONS: list[Subscription] = [
    Subscription(
        "registry-evaluation",
        {
            "evaluation.cluster.flagged": on_cluster_flagged,
            "evaluation.cluster.flag_lifted": on_flag_lifted,
        },
    ),
]
