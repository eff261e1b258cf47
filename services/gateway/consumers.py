"""Event handlers of the gateway service (idempotent through the inbox)."""

from services.gateway.models import directory
from shared.directory import directory_subscription

SUBSCRIPTIONS = [directory_subscription("gateway", directory)]
