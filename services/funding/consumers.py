"""Event handlers of the funding service (idempotent through the inbox)."""

from services.funding.models import directory
from shared.directory import directory_subscription

SUBSCRIPTIONS = [directory_subscription("funding", directory)]
