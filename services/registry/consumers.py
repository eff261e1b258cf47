"""The registry consumes no events yet; it is the source of organisation events."""

from shared.events.bus import Subscription

SUBSCRIPTIONS: list[Subscription] = []
