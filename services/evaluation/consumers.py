"""Event handlers of the evaluation service (idempotent through the inbox)."""

from services.evaluation.models import directory
from shared.directory import directory_subscription

SUBSCRIPTIONS = [directory_subscription("evaluation", directory)]
