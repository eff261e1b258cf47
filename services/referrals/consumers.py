"""Event handlers of the referrals service (idempotent through the inbox)."""

from services.referrals.models import directory
from shared.directory import directory_subscription

SUBSCRIPTIONS = [directory_subscription("referrals", directory)]
