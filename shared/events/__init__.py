"""Events: envelope, catalog, outbox, relay, inbox and consumers."""

from shared.events import contracts as contracts
from shared.events.catalog import CATALOG, EventSpec, asyncapi_document, declare, spec_for
from shared.events.envelope import CloudEvent

__all__ = [
    "CATALOG",
    "CloudEvent",
    "EventSpec",
    "asyncapi_document",
    "contracts",
    "declare",
    "spec_for",
]
