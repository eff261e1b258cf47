"""Event handlers of the gateway (idempotent through the inbox).

- ``gateway-directory``: organisations (shared.directory).
- ``gateway-<producer>-log`` (one per producing service): every event type of the catalog,
  written to ``event_log`` for the event stream, the webhooks and the dashboard's live feed
  (``service.event_log.log_event``, which also wakes the log's in-process readers through
  ``LOG_WRITTEN`` after each logged event commits).
"""

from __future__ import annotations

from collections import defaultdict

from services.gateway.models import directory
from services.gateway.service.event_log import log_event
from shared.directory import directory_subscription
from shared.events.bus import Handler, Subscription
from shared.events.catalog import CATALOG


def _log_subscriptions() -> list[Subscription]:
    by_producer: dict[str, dict[str, Handler]] = defaultdict(dict)
    for type_, spec in CATALOG.items():
        by_producer[spec.producer][type_] = log_event
    return [
        Subscription(durable=f"gateway-{producer}-log", handlers=handlers)
        for producer, handlers in sorted(by_producer.items())
    ]


SUBSCRIPTIONS = [directory_subscription("gateway", directory), *_log_subscriptions()]
